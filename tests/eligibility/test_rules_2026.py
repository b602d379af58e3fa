"""The rules added for issue 13 through the service: their reasons, sentences and inputs.

Figures by hand from RULES.md and the parameters: 韶关 440203 urban standard 857 (tier 4 floor),
连山 441825 rural 600; minimum wage 三类 1720 from 2025-03 [A].
"""

import pytest

from eligibility.explain import reason_text
from eligibility.service import evaluate_one
from eligibility.situation import parse_situation
from jiuzhu.errors import InvalidInput
from templates import LOCALES
from tests.eligibility.stories import story_a


def _one(period: str, member: dict, assets: dict | None = None, **family) -> dict:
    return {"region": "440203", "area": "urban", "period": period,
            "members": [{"id": "m1", "relation": "applicant", "birth_date": "1990-01-01",
                         **member}, *family.get("others", [])],
            "assets": assets or {}}  # fmt: skip


def _codes(result, program: str) -> dict:
    return {r.code: r for r in result.programs[program].reasons}


def _renders(reason) -> None:
    for locale in LOCALES:
        assert reason_text(reason, locale=locale)


def test_story_a_today_dibao_waits_for_the_visit_and_says_why():
    result = evaluate_one(story_a("2026-12"))
    # 4 × 1.2 × 600 = 2880 → 720 per person: 600 ≤ 720 ≤ 1720
    dibao = result.programs["dibao"]
    assert (dibao.status, dibao.monthly_amount) == ("needs_home_visit", 0)
    band = _codes(result, "dibao")["income_within_minimum_wage_data_check"]
    assert band.model_dump() == {"code": "income_within_minimum_wage_data_check",
                                 "per_capita_income": 720, "standard": 600,
                                 "minimum_wage": 1720, "pending": True}  # fmt: skip
    _renders(band)
    assert result.status("low_income_marginal") == "eligible"
    assert result.programs["dibao_single"].members == ["a_mother"]
    # the same family in 2025-12, before the data check: 720 ≥ 600 → refused
    assert evaluate_one(story_a("2025-12")).status("dibao") == "ineligible"


def test_above_the_minimum_wage_in_2026_names_it():
    result = evaluate_one(parse_situation(_one("2026-12", {"monthly_income": 1721})))
    reason = _codes(result, "dibao")["income_above_minimum_wage_data_check"]
    assert (reason.per_capita_income, reason.minimum_wage) == (1721, 1720)
    _renders(reason)


def test_livelihood_vehicle_2025_refused_2026_visit():
    data = _one(
        "2025-12", {"monthly_income": 500}, {"vehicles": ["car"], "livelihood_vehicles": 1}
    )
    assert "motor_vehicle" in _codes(evaluate_one(parse_situation(data)), "dibao")
    data["period"] = "2026-01"
    result = evaluate_one(parse_situation(data))
    assert result.status("dibao") == "needs_home_visit"
    reason = _codes(result, "dibao")["livelihood_vehicle_needs_home_visit"]
    assert reason.vehicles == 1
    _renders(reason)
    # the medical row waits on the same visit and says so
    assert "livelihood_vehicle_needs_home_visit" in _codes(result, "medical_insurance_subsidy")


def test_refused_work_counted_at_the_minimum_wage_names_the_member():
    result = evaluate_one(parse_situation(_one("2025-06", {"refuses_work": True})))
    assert result.per_capita_income == 1720 and result.status("dibao") == "ineligible"
    reason = _codes(result, "dibao")["income_counted_at_minimum_wage"]
    assert (reason.members, reason.minimum_wage) == (["m1"], 1720)
    _renders(reason)


def test_deductions_lower_the_countable_income():
    member = {"monthly_income": 1000, "deductions": {"employment_costs": 200}}
    result = evaluate_one(parse_situation(_one("2025-06", member)))
    # 1000 − 200 = 800 < 857 → (857 − 800) × 1 = 57
    assert result.per_capita_income == 800 and result.programs["dibao"].monthly_amount == 57


def test_adult_severe_no_job_included_alone_with_its_own_reason():
    son = {"id": "m2", "relation": "child", "birth_date": "1995-01-01",
           "disability": {"category": "physical", "grade": 1}}  # fmt: skip
    data = _one(
        "2026-12",
        {"monthly_income": 5000, "income_kinds": {"wage": 5000}},
        {"residential_properties": 1},
        others=[son],
    )
    result = evaluate_one(parse_situation(data))
    # 5000 / 2 = 2500 ≥ 1.5 × 857: not marginal; the son alone: own income 0 < 857
    single = result.programs["dibao_single"]
    assert (single.status, single.members, single.monthly_amount) == ("eligible", ["m2"], 857)
    reason = _codes(result, "dibao_single")["single_inclusion_adult_severe_no_job"]
    assert (reason.members, reason.standard) == (["m2"], 857)
    _renders(reason)


def test_orphan_gets_the_full_premium_with_its_own_reason():
    child = {"id": "m2", "relation": "other", "birth_date": "2015-01-01", "orphan": True}
    data = _one("2026-12", {"monthly_income": 9000}, others=[child])
    result = evaluate_one(parse_situation(data))
    assert result.status("medical_insurance_subsidy") == "eligible"
    reason = _codes(result, "medical_insurance_subsidy")["orphan_or_unsupported_child"]
    assert reason.members == ["m2"]
    assert "premium_fully_subsidised" not in _codes(result, "medical_insurance_subsidy")
    _renders(reason)


@pytest.mark.parametrize(("assets", "field"), [
    ({"vehicles": ["car"], "livelihood_vehicles": 2}, "livelihood_vehicles"),
    ({"livelihood_vehicles": -1}, "livelihood_vehicles"),
])  # fmt: skip
def test_livelihood_vehicles_validated(assets, field):
    with pytest.raises(InvalidInput, match=field):
        parse_situation(_one("2026-12", {}, assets))


def test_negative_deduction_rejected():
    with pytest.raises(InvalidInput, match="employment_costs"):
        parse_situation(_one("2026-12", {"deductions": {"employment_costs": -1}}))
