"""Reasons a resident can check (issue 13): the rendered sentence says what decided.

Figures by hand from RULES.md and the parameters: 佛山 (4406) is tier 2, floor 1037 for urban
and rural ([3P], no local entry); 韶关武江 (440203) urban is tier 4, floor 857. Periods are in
2025, before the 2026 data-check stage. Each test asserts on the Chinese sentence where the
wording was the bug.
"""

from __future__ import annotations

from typing import Any

import pytest

from eligibility.documents import render_refusal_notice
from eligibility.explain import amount_text, reason_text
from eligibility.reasons import FAVOURABLE, citation
from eligibility.result import PrecheckResult
from eligibility.service import evaluate_one
from eligibility.situation import parse_situation
from templates import texts
from tests.eligibility.stories import story_a, story_b, story_c, story_d

FOSHAN, SHAOGUAN = "440604", "440203"
PERIOD = "2025-06"


def _situation(region: str, members: list[dict[str, Any]], **assets: Any) -> Any:
    return parse_situation(
        {
            "region": region,
            "area": "urban",
            "period": PERIOD,
            "members": members,
            "assets": {"residential_properties": 1, **assets},
        }
    )


def _adult(id_: str, relation: str = "applicant", **extra: Any) -> dict[str, Any]:
    return {"id": id_, "relation": relation, "birth_date": "1975-01-01", **extra}


def _sentences(
    result: PrecheckResult,
    program: str,
    names: dict[str, str] | None = None,
    *,
    refused_only: bool = False,
) -> list[str]:
    reasons = result.programs[program].reasons
    if refused_only:  # what the chat and a refusal notice show under an ineligible status
        reasons = [r for r in reasons if r.code not in FAVOURABLE] or reasons
    return [reason_text(r, names) for r in reasons]


# 1. boundary wording ------------------------------------------------------------------------


def test_marginal_reason_at_exactly_the_standard_says_not_below() -> None:
    # two people, 2074 a month: 2074 / 2 = 1037 = the standard, so not dibao (低于 is strict)
    # but below the marginal line 1.5 × 1037 = 1555.50
    s = _situation(
        FOSHAN,
        [
            _adult("m_app", monthly_income=2074),
            {"id": "m_son", "relation": "child", "birth_date": "2012-01-01"},
        ],
    )
    result = evaluate_one(s)
    assert result.status("low_income_marginal") == "eligible"
    income = _sentences(result, "low_income_marginal")[0]
    assert income == (
        "家庭每人每月收入 1,037 元，不低于低保标准 1,037 元，"
        "但低于低保边缘收入线 1,555.50 元（低保标准的1.5倍）。"
    )


def test_financial_assets_exactly_at_the_limit_are_not_over_it() -> None:
    # limit 24 × 857 (韶关 urban) = 20,568 per person; one person holding exactly that passes
    s = _situation(SHAOGUAN, [_adult("c_app", monthly_income=500)], financial_assets=20568)
    passed = _sentences(evaluate_one(s), "dibao")[-1]
    assert "每人金融资产 20,568 元，不超过 20,568 元" in passed


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_no_reason_says_above_where_the_rule_says_not_below(locale: str) -> None:
    # the rules compare with < (低于), ≥ (不低于), ≤ (不超过) and > (超过): never "高于"/"above"
    t = texts("eligibility", locale)
    word = "高于" if locale == "zh_CN" else "above"
    sources = {k: v for k, v in t._sources.items() if k.startswith("reason-")}
    assert [k for k, v in sources.items() if word in v] == []


# 2. and 10. 特困: the member, the facts, the countable income ---------------------------------


def _tekun_one() -> Any:
    # 75 years old in 2025-06 (≥ 60: unable to work), alone; 650 a month of which 100 is the
    # basic resident pension, which 特困 does not count: 650 − 100 = 550 < 857
    return _situation(
        SHAOGUAN,
        [
            _adult(
                "t_old",
                birth_date="1950-05-01",
                monthly_income=650,
                has_supporter=False,
                income_kinds={"pension_basic_resident": 100, "transfer": 550},
            )
        ],
    )


def test_tekun_reason_names_the_member_and_shows_the_countable_income() -> None:
    result = evaluate_one(_tekun_one())
    assert result.status("tekun") == "eligible"
    sentence = _sentences(result, "tekun", {"t_old": "王*"})[0]
    assert sentence.startswith("王*（75周岁）无劳动能力，没有能够赡养、抚养、扶养的人；")
    assert "本人月收入 650 元" in sentence
    assert "后计入 550 元，低于当地低保标准 857 元" in sentence


def test_tekun_refused_for_own_income_names_the_member_and_the_figure() -> None:
    # 75, alone, 900 of wages: countable 900 ≥ 857
    s = _situation(
        SHAOGUAN,
        [_adult("t_old", birth_date="1950-05-01", monthly_income=900, has_supporter=False)],
    )
    sentence = _sentences(evaluate_one(s), "tekun", {"t_old": "王*"})[0]
    assert (
        sentence
        == "王*本人计入的收入 900 元，不低于当地低保标准 857 元（特困要求收入“低于”标准）。"
    )


# 3. medical: the amount says what the reason says ---------------------------------------------


def test_medical_amount_matches_full_subsidy_and_city_set() -> None:
    full = evaluate_one(_tekun_one()).programs["medical_insurance_subsidy"]
    assert (
        amount_text(full.monthly_amount, full.status, reasons=full.reasons) == "全额资助个人缴费"
    )
    mixed = evaluate_one(story_a()).programs[
        "medical_insurance_subsidy"
    ]  # Ms A alone, rest marginal
    assert (
        amount_text(mixed.monthly_amount, mixed.status, reasons=mixed.reasons)
        == "全额资助个人缴费（低保边缘家庭成员由所在城市确定）"
    )
    s = _situation(
        FOSHAN,
        [
            _adult("m_app", monthly_income=2074),
            {"id": "m_son", "relation": "child", "birth_date": "2012-01-01"},
        ],
    )
    city = evaluate_one(s).programs["medical_insurance_subsidy"]  # marginal only
    assert amount_text(city.monthly_amount, city.status, reasons=city.reasons) == "由所在城市确定"


# 4. and 10. what the member actually has ----------------------------------------------------


def _marginal_with(disability: dict[str, Any]) -> Any:
    # two people, 2489 a month: 1244.50 per person, between 1037 and 1555.50 (marginal)
    return _situation(
        FOSHAN,
        [
            _adult("w_app", monthly_income=2489),
            _adult("w_son", "child", birth_date="2000-01-01", disability=disability),
        ],
    )


def test_single_inclusion_names_the_grade_4_mental_disability() -> None:
    result = evaluate_one(_marginal_with({"category": "mental", "grade": 4}))
    assert result.status("dibao_single") == "eligible"
    sentence = _sentences(result, "dibao_single", {"w_son": "李*"})[0]
    assert sentence.startswith("李*有四级精神残疾，家庭属于低保边缘家庭，可单独纳入低保")
    assert "重度残疾或重病" not in sentence


def test_subsidies_name_the_member_and_the_certificate() -> None:
    result = evaluate_one(_marginal_with({"category": "physical", "grade": 1}))
    names = {"w_son": "李*"}
    care = _sentences(result, "disability_care_subsidy", names)[0]
    assert care.startswith("李*为一级肢体残疾，每人每月可领护理补贴")
    living = _sentences(result, "disability_living_subsidy", names)[0]
    assert living.startswith("李*（一级肢体残疾）持有残疾人证，家庭属于低保或低保边缘家庭")
    medical = _sentences(result, "medical_insurance_subsidy", names)
    assert medical[0] == "李*为单独纳入低保，个人缴纳的城乡居民医保费由政府全额资助。"
    assert medical[1] == "w_app 属于低保边缘家庭成员，医保缴费资助的比例由所在城市确定。"


def test_serious_illness_is_named_as_such() -> None:
    s = _situation(
        FOSHAN,
        [_adult("w_app", monthly_income=2489), _adult("w_wife", "spouse", serious_illness=True)],
    )
    sentence = _sentences(evaluate_one(s), "dibao_single", {"w_wife": "陈*"})[0]
    assert sentence.startswith("陈*有重特大疾病，")


# 5. pending is never a fact ------------------------------------------------------------------


def test_story_d_before_the_visit_says_if_the_visit_confirms() -> None:
    result = evaluate_one(story_d())
    medical = result.programs["medical_insurance_subsidy"]
    assert medical.status == "needs_home_visit"
    assert (
        amount_text(medical.monthly_amount, medical.status, reasons=medical.reasons)
        == "入户核查确认后全额资助个人缴费"
    )
    first = reason_text(medical.reasons[0])
    assert "如经入户核查确认为低保对象，个人缴纳的城乡居民医保费可由政府全额资助" in first
    for code, program in result.programs.items():
        if program.status != "needs_home_visit":
            continue
        for r in program.reasons:
            if r.code in FAVOURABLE - {"income_below_standard", "income_below_marginal_line"}:
                assert "入户核查" in reason_text(r), (code, r.code)


def test_single_inclusion_pending_on_a_business_visit() -> None:
    s = _situation(
        FOSHAN,
        [
            _adult("w_app", monthly_income=2489),
            _adult(
                "w_son",
                "child",
                birth_date="2000-01-01",
                disability={"category": "intellectual", "grade": 2},
            ),
        ],
        business_registrations=[{"kind": "micro", "member": "w_app"}],
    )
    result = evaluate_one(s)
    assert result.status("dibao_single") == "needs_home_visit"
    sentence = _sentences(result, "dibao_single", {"w_son": "李*"})[0]
    assert sentence.startswith(
        "李*有二级智力残疾，如入户核查确认家庭属于低保边缘家庭，可单独纳入低保"
    )


# 6. the business and its actual cause -------------------------------------------------------


CODE = "（统一社会信用代码 9144************12）"


@pytest.mark.parametrize(("business", "cause"), [
    ({"kind": "individual"}, f"名下的个体工商户{CODE}，不是没有雇工的夫妻小店"),
    ({"kind": "cooperative"}, f"名下的农民专业合作社{CODE}，合作社不属于"),
    ({"kind": "company", "employees": 3}, f"名下的公司{CODE}，有 3 名雇工"),
    ({"kind": "micro", "luxury_goods": True}, "，经营高档烟酒、奢侈品"),
])  # fmt: skip
def test_business_refusal_names_the_business_and_its_cause(business: dict, cause: str) -> None:
    registration = {"member": "b_app", "credit_code": "9144************12", **business}
    s = _situation(
        SHAOGUAN,
        [_adult("b_app", monthly_income=500), _adult("b_wife", "spouse")],
        business_registrations=[registration],
    )
    result = evaluate_one(s)
    assert result.status("dibao") == "ineligible"
    sentence = _sentences(result, "dibao", {"b_app": "张*"}, refused_only=True)[0]
    assert sentence.startswith("家庭成员名下有 1 个工商登记：张*")
    assert cause in sentence
    assert "（公司、有雇工或经营高档烟酒、奢侈品）" not in sentence


# 7. and 8. houses: owned, exempt, counted; one person -----------------------------------------


def test_three_houses_one_exempt_says_owned_exempt_counted() -> None:
    houses = [
        {
            "kind": "real_estate",
            "member": "h_app",
            "fields": {"use": "residential", "area_m2": 80},
        },
        {
            "kind": "real_estate",
            "member": "h_wife",
            "fields": {"use": "residential", "area_m2": 60, "rented_out": True},
        },
        {
            "kind": "real_estate",
            "member": "h_app",
            "fields": {"use": "residential", "exemption": "inherited_ancestral"},
        },
    ]
    s = _situation(
        SHAOGUAN,
        [_adult("h_app", monthly_income=600), _adult("h_wife", "spouse")],
        residential_properties=3,
        exempt_residential_properties=1,
        records=houses,
    )
    sentence = _sentences(
        evaluate_one(s), "dibao", {"h_app": "刘*", "h_wife": "周*"}, refused_only=True
    )[0]
    # 3 owned − 1 exempt = 2 counted > 1
    assert sentence.startswith(
        "家庭成员名下共有 3 套住房，其中 1 套是无人居住的泥砖房或祖屋，"
        "不计算在内；计入 2 套，超过 1 套的规定。"
    )
    assert sentence.endswith(
        "登记的住房：1. 刘*名下 80 平方米；2. 周*名下 60 平方米，已出租；"
        "3. 刘*名下，祖屋（不计入）。"
    )


def test_one_person_household_is_told_in_their_own_name() -> None:
    sentence = _sentences(evaluate_one(story_c()), "dibao", refused_only=True)[0]
    assert sentence == "本人名下有 2 套住房，超过 1 套的规定（无人居住的泥砖房、祖屋不计算在内）。"


# 9. stories B and C: the marginal refusal gives the property cause ---------------------------


@pytest.mark.parametrize("story", [story_b, story_c])
def test_marginal_refusal_gives_the_houses_not_see_dibao(story) -> None:
    result = evaluate_one(story())
    assert result.status("low_income_marginal") == "ineligible"
    for program in ("low_income_marginal", "dibao_single"):
        shown = " ".join(_sentences(result, program, refused_only=True))
        if program == "dibao_single" and "没有一、二级残疾" in shown:
            continue  # nobody severe: that is the cause
        assert "名下有 2 套住房，超过 1 套的规定" in shown
        assert "按低保审核" not in shown


# 11. the dibao property citation says it is assumed --------------------------------------------


def test_dibao_property_citation_says_it_is_applied_by_assumption() -> None:
    assert "参照低保边缘家庭财产认定办法" in citation("too_many_residential_properties", "dibao")
    assert "参照" not in citation("too_many_residential_properties", "low_income_marginal")
    assert citation("income_below_standard", "dibao") == citation("income_below_standard", "tekun")
    notice = render_refusal_notice(evaluate_one(story_c()), {"applied_programs": ["dibao"]})
    assert "粤府办〔2022〕3号" in notice and "参照低保边缘家庭财产认定办法" in notice


def test_english_catalogue_says_the_same_for_story_d() -> None:
    visit = evaluate_one(story_d()).programs["dibao"].reasons[1]
    sentence = reason_text(visit, {"d_mr": "Liang"}, "en")
    assert "in family members' names (a husband-and-wife micro business of Liang" in sentence
    assert "once staff confirm it on a home visit" in sentence


def test_orphan_premium_row_says_paid_in_full_not_city_set() -> None:
    # An orphan (RULES.md § Medical assistance [3P]: full subsidy for orphans) alone, 10 years old
    # in 2026-12: the row's amount must agree with its reason (全额资助), not "由所在城市确定".
    from eligibility.explain import amount_text
    from eligibility.situation import parse_situation

    situation = parse_situation({
        "region": "440203", "area": "urban", "period": "2026-12",
        "members": [{"id": "k", "relation": "applicant", "birth_date": "2016-03-01",
                     "orphan": True}],
        "assets": {},
    })  # fmt: skip
    medical = evaluate_one(situation).programs["medical_insurance_subsidy"]
    assert medical.status == "eligible"
    assert [r.code for r in medical.reasons] == ["orphan_or_unsupported_child"]
    text = amount_text(medical.monthly_amount, medical.status, reasons=medical.reasons)
    assert text == "全额资助个人缴费"
