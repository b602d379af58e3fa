"""The rule figures the demo data needs, read from the rules' own parameter files.

The store may not import ``eligibility`` (tests/test_layers.py), so this module loads the YAML
of ``eligibility/parameters`` with OpenFisca's parameter loader: the demo's standards, tier
map, marginal multiple and disability subsidies are those the rules use, never re-typed.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from openfisca_core.parameters import ParameterNode, ParameterNodeAtInstant

PARAMETERS = Path(__file__).resolve().parents[2] / "eligibility" / "parameters"


@cache
def _parameters() -> ParameterNode:
    return ParameterNode("", directory_path=str(PARAMETERS))


@cache
def _at(day: date) -> ParameterNodeAtInstant:
    return _parameters()(day.isoformat())


@cache
def figures(day: date) -> dict[str, float]:
    """``marginal_multiple`` (× standard), ``care_subsidy`` and ``living_subsidy``
    (yuan/person/month) in force on ``day``."""
    p = _at(day)
    return {
        "marginal_multiple": float(p.marginal.income_multiple),
        "care_subsidy": float(p.disability.care_subsidy),
        "living_subsidy": float(p.disability.living_subsidy),
    }


def tier(prefecture: str, day: date) -> int:
    """The standard tier (1–4) of a 4-digit prefecture code (parameters/dibao/standard)."""
    return int(_at(day).dibao.standard.prefecture_tier[f"p{prefecture}"])


def tier_floor(tier_number: int, area: str, day: date) -> float:
    """The provincial floor of ``tier_number`` for ``area`` (``urban``/``rural``), yuan."""
    floor = _at(day).dibao.standard.tier_floor[f"tier_{tier_number}"]
    return float(floor[area])
