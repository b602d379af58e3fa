"""Held-out what-if cases written by an independent audit from RULES.md alone.

The auditor did not read the code, the parameters or the tests; each ``NN-name.json`` is a
situation and ``NN-name.expect.json`` what RULES.md says of it (``why`` gives the rule and the
arithmetic). Only programmes the auditor was confident about are listed. One expectation was
taken out where the team reads the rule differently; that file says so under ``reading``.
"""

import json
from pathlib import Path

import pytest

from eligibility.service import evaluate_one
from eligibility.situation import parse_situation

CASES = Path(__file__).parent / "audit_cases"
NAMES = sorted(p.name[: -len(".json")] for p in CASES.glob("*.json")
               if not p.name.endswith(".expect.json"))  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_audit_case(name: str) -> None:
    situation = parse_situation(json.loads((CASES / f"{name}.json").read_text()))
    expected = json.loads((CASES / f"{name}.expect.json").read_text())
    assert expected["confident"], "only confident cases are kept"
    result = evaluate_one(situation)
    for code, want in expected["expect"].items():
        got = result.programs[code]
        assert got.status == want["status"], (code, expected["why"])
        if "monthly_amount" in want:
            assert got.monthly_amount == pytest.approx(want["monthly_amount"], abs=0.005), code
        if "monthly_amount_min" in want:
            assert got.monthly_amount >= want["monthly_amount_min"] - 1e-9, code
        for member in want.get("members_include", []):
            assert member in got.members, code
    flags = json.dumps([f.model_dump() for f in result.flags], ensure_ascii=False)
    for flag in expected.get("flags_include", []):
        assert flag in flags


def test_there_are_held_out_cases() -> None:
    assert len(NAMES) == 60
