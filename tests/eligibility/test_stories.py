"""The four families of STORIES.md through the rules (issue 3, "Must show")."""

from eligibility.policy import dibao_standard
from eligibility.service import evaluate, evaluate_one
from eligibility.system import tax_benefit_system
from tests.eligibility.stories import story_a, story_b, story_c, story_d


def _living_subsidy(period: str) -> float:
    return float(tax_benefit_system().parameters(period + "-01").disability.living_subsidy)


def test_story_a_mother_included_alone_family_marginal():
    situation = story_a()
    result = evaluate_one(situation)
    standard, source = dibao_standard("441825", "rural", situation.period)

    assert source == "tier_floor" and result.dibao_standard == standard
    assert result.status("dibao") == "ineligible"
    single = result.programs["dibao_single"]
    assert (single.status, single.members) == ("eligible", ["a_mother"])
    assert single.monthly_amount == standard  # the full local standard, alone
    marginal = result.programs["low_income_marginal"]
    assert marginal.status == "eligible"
    assert marginal.members == ["a_father", "a_girl1", "a_girl2"]
    living = result.programs["disability_living_subsidy"]
    assert (living.status, living.members) == ("eligible", ["a_mother"])
    assert living.monthly_amount == _living_subsidy(situation.period)
    medical = result.programs["medical_insurance_subsidy"]
    assert medical.status == "eligible"
    codes = {r.code: r for r in medical.reasons}
    assert codes["premium_fully_subsidised"].members == ["a_mother"]
    assert codes["marginal_premium_set_by_city"].members == ["a_father", "a_girl1", "a_girl2"]


def test_story_b_second_house_ends_dibao():
    result = evaluate_one(story_b())
    dibao = result.programs["dibao"]
    assert dibao.status == "ineligible"
    houses = [r for r in dibao.reasons if r.code == "too_many_residential_properties"]
    assert len(houses) == 1
    assert houses[0].model_dump() == {
        "code": "too_many_residential_properties",
        "residential_properties": 2,  # counted: 2 owned − 0 exempt
        "owned": 2,
        "exempt": 0,
        "limit": 1,
        "one_person": False,  # three people live together
        "houses": [],  # the what-if gives no house records
    }
    # the income alone would have qualified: the house is what decided
    assert dibao.reasons[0].code == "income_below_standard"


def test_story_c_two_houses_refused():
    result = evaluate_one(story_c())
    assert result.status("dibao") == "ineligible"
    assert "too_many_residential_properties" in {r.code for r in result.programs["dibao"].reasons}
    assert result.status("low_income_marginal") == "ineligible"


def test_story_d_business_flag_then_visit():
    before, after = evaluate([story_d(), story_d(visited=True)])

    assert before.status("dibao") == "needs_home_visit"
    assert before.programs["dibao"].monthly_amount == 0
    assert [f.model_dump() for f in before.flags] == [
        {"code": "business_registration", "action": "home_visit", "member": "d_mr"}
    ]
    assert "business_needs_home_visit" in {r.code for r in before.programs["dibao"].reasons}

    standard, _ = dibao_standard("445303", "rural", "2025-01")
    per_capita = (2500 + 1500) / 8
    assert after.status("dibao") == "eligible"
    assert after.flags == []
    assert after.programs["dibao"].monthly_amount == round((standard - per_capita) * 8, 2)
    assert after.programs["dibao"].members == [m.id for m in story_d().members]
    assert "business_cleared_by_visit" in {r.code for r in after.programs["dibao"].reasons}
