"""evaluate(): one simulation per period, results in input order, incomplete pre-checks."""

import pytest

from eligibility import reasons, service
from eligibility.explain import flag_text, reason_text
from eligibility.result import PROGRAMS
from eligibility.situation import Situation
from templates import texts
from tests.eligibility.stories import story_a, story_b, story_c, story_d


def _all():
    return [
        story_a(),
        story_b(),
        story_c(),
        story_d(),
        story_d(visited=True),
        story_d(period="2025-01", visited=False),
    ]


def test_batch_equals_one_by_one_and_one_simulation_per_period(monkeypatch):
    situations = _all()
    calls = []
    real = service.simulate

    def counting(arrays):
        calls.append(arrays.family_count)
        return real(arrays)

    monkeypatch.setattr(service, "simulate", counting)
    batch = service.evaluate(situations)
    assert sorted(calls) == sorted([1, 1, 1, 3])  # periods 2024-08, -06, -07 and 2025-01 ×3
    monkeypatch.setattr(service, "simulate", real)
    one_by_one = [service.evaluate_one(s) for s in situations]
    assert [r.to_json_dict() for r in batch] == [r.to_json_dict() for r in one_by_one]
    assert [r.region for r in batch] == [s.region for s in situations]


def test_columns_of_a_batch():
    arrays = service.situations_to_arrays([story_d(), story_d(visited=True)])
    batch = service.simulate(arrays)
    assert list(batch.status_names("dibao")) == ["needs_home_visit", "eligible"]
    assert batch.family["household_size"].tolist() == [8, 8]


def test_unverified_members_make_it_incomplete():
    situation = story_b()
    situation = Situation.model_validate(
        {**situation.model_dump(), "unverified_members": ["b_daughter"]}
    )
    result = service.evaluate_one(situation)
    assert not result.complete
    assert result.unverified_members == ["b_daughter"]
    assert {"code": "member_unverified", "action": "obtain_consent", "member": "b_daughter"} in [
        f.model_dump() for f in result.flags
    ]


def test_every_reason_code_has_a_sentence():
    t = texts("eligibility")
    for code in reasons.REASON_CODES:
        assert f"reason-{code.replace('_', '-')}" in t, code
    for code in reasons.FLAG_CODES:
        assert f"flag-{code.replace('_', '-')}" in t, code
    for program in PROGRAMS:
        assert f"program-{program.replace('_', '-')}" in t


@pytest.mark.parametrize("situation", _all(), ids=lambda s: s.members[0].id)
def test_every_reason_given_renders(situation):
    result = service.evaluate_one(situation)
    for program in result.programs.values():
        assert program.reasons, "a program without a reason"
        for reason in program.reasons:
            assert reason.code in reasons.REASON_CODES
            sentence = reason_text(reason)
            assert sentence and "{{" not in sentence
    for flag in result.flags:
        assert flag_text(flag)
