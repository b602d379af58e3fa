"""eligibility: Guangdong social-assistance rules as code (OpenFisca) and the pre-check.

Public interface (imported lazily, so ``eligibility.regions`` stays light)::

    evaluate(situations: list[Situation]) -> list[PrecheckResult]   # one simulation
    evaluate_one(situation: Situation) -> PrecheckResult
    parse_situation(data: dict) -> Situation                        # raises InvalidInput
    dibao_standard(region, area, period) -> (yuan, source)
    marginal_line(region, area, period) -> yuan
    tekun_standard(region, area, period) -> yuan
    RULES_VERSION: str                                              # hash of the rules files
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "evaluate": "eligibility.service",
    "evaluate_one": "eligibility.service",
    "simulate": "eligibility.service",
    "situations_to_arrays": "eligibility.service",
    "Situation": "eligibility.situation",
    "Member": "eligibility.situation",
    "Assets": "eligibility.situation",
    "HomeVisit": "eligibility.situation",
    "BusinessRegistration": "eligibility.situation",
    "Disability": "eligibility.situation",
    "parse_situation": "eligibility.situation",
    "parse_situation_json": "eligibility.situation",
    "PrecheckResult": "eligibility.result",
    "ProgramResult": "eligibility.result",
    "PROGRAMS": "eligibility.result",
    "RULES_VERSION": "eligibility.system",
    "dibao_standard": "eligibility.policy",
    "marginal_line": "eligibility.policy",
    "tekun_standard": "eligibility.policy",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    msg = f"module 'eligibility' has no attribute {name!r}"
    raise AttributeError(msg)
