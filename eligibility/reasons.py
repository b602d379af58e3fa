"""Every reason code a pre-check can give, in one place, and how each program's are chosen.

A reason is ``{"code": <snake_case>, <figure>: <value>, ...}``: the rule that decided and the
figures it compared. Amounts are yuan per month unless the name says otherwise. Texts for
people are in ``templates/zh_CN/eligibility.yml`` under ``reason-<code with dashes>``.

=====================================  ============================================================
code                                   meaning (figures)
=====================================  ============================================================
income_below_standard                  per-capita income < local dibao standard (per_capita_income,
                                       standard) — 审核确认办法 art. 3/13: 低于 (<)
income_not_below_standard              per-capita income ≥ the standard
                                       (per_capita_income, standard)
income_below_marginal_line             standard ≤ per-capita income < 1.5 × standard
                                       (per_capita_income, standard, marginal_line) — 低于1.5倍 (<)
income_not_below_marginal_line         per-capita income ≥ 1.5 × standard
                                       (per_capita_income, marginal_line)
income_below_standard_dibao_applies    marginal: income is below the standard, so dibao is the
                                       program to assess (per_capita_income, standard)
property_test_passed                   property within limits (financial_assets_per_capita,
                                       financial_assets_limit, residential_properties)
financial_assets_above_limit           per-capita financial assets > 24 × urban standard
                                       (financial_assets_per_capita, financial_assets_limit,
                                       multiple, standard_urban) — 不超过 (≤ passes)
too_many_residential_properties        counted houses > 1 (residential_properties, limit)
nonresidential_property                shop/garage/parking/office owned (nonresidential_properties,
                                       limit)
motor_vehicle                          a car, truck or van (motor_vehicles, limit)
business_registration                  a registration that is not micro, has employees or sells
                                       luxury goods (businesses)
business_needs_home_visit              micro business, no employees, no luxury goods: a reason to
                                       visit, not to refuse (businesses)
business_not_micro_after_visit         the visit found the business is not a micro shop
                                       (businesses)
business_cleared_by_visit              the visit confirmed a micro shop and the income (businesses)
single_inclusion                       member(s) of a marginal family with severe disability or
                                       serious illness get the full standard alone
                                       (members, standard)
not_marginal_family                    单独纳入 needs a marginal family
no_member_severe                       no member with grade 1–2 disability, intellectual/mental
                                       grade ≤ 4 or serious illness
tekun_conditions_met                   unable to work, income below the standard, no able supporter
                                       (members, tekun_standard)
no_member_unable_to_work               nobody is ≥ 60, < 16 or disabled as 特困 art. 7 lists
supporter_available                    every member unable to work has an able legal supporter
own_income_not_below_standard          the person's own income ≥ the standard (standard)
disabled_member_in_assisted_family     disabled member(s) of a dibao/marginal family
                                       (members, amount_per_person)
no_disabled_member                     nobody holds a disability certificate
family_not_assisted                    the family is neither dibao nor marginal
severe_disability_grade_1_2            member(s) with disability grade 1 or 2
                                       (members, amount_per_person)
no_member_grade_1_2                    nobody has a grade 1–2 disability
income_within_minimum_wage_data_check  from 2026-01: standard ≤ per-capita income ≤ minimum wage
                                       passes the data check, the home visit decides
                                       (per_capita_income, standard, minimum_wage)
income_above_minimum_wage_data_check   from 2026-01: per-capita income > the minimum wage
                                       (per_capita_income, minimum_wage) — 不超过 (≤ passes)
livelihood_vehicle_needs_home_visit    from 2026-01: the family's one counted vehicle is used to
                                       earn a living: a visit, not a refusal (vehicles)
income_counted_at_minimum_wage         able member(s) refusing work without good reason: income
                                       counted at least at the minimum wage (members,
                                       minimum_wage)
single_inclusion_adult_severe_no_job   adult(s) with grade 1–2 disability and no job, own income
                                       below the standard: included alone as a one-person
                                       household (members, standard)
orphan_or_unsupported_child            orphans / children without de-facto carers: whole premium
                                       paid (members)
premium_fully_subsidised               特困 / dibao / included alone: whole premium paid (members)
marginal_premium_set_by_city           marginal family: the city sets the subsidy (members)
no_premium_subsidy                     nobody is 特困, dibao, included alone or marginal
=====================================  ============================================================

Figures every code may add (optional: a stored older result lacks them): ``pending`` (True
while the program waits on a home visit: the sentence says "入户核查确认后…"), ``one_person``
(property sentences say "本人名下"), ``facts`` (per member: ``age``, ``disability_category``,
``disability_grade``, ``serious_illness``, and for 特困 ``average_monthly_income`` and
``tekun_countable_income``; for the medical subsidy ``basis`` tekun/dibao_single/dibao),
``owned``/``exempt``/``houses`` (houses owned, exempt, and their :class:`RecordRef` fields),
``registrations`` (per business: ``member``, masked ``credit_code``, ``business_kind``,
``employees``, ``luxury_goods``, ``cause`` luxury_goods/employees/company/cooperative/
individual or None). Members are ids; :func:`eligibility.explain.reason_text` shows names.
A program refused because the property test fails gives the property reasons, never only
"see dibao" (stories B and C). :func:`citation` says when the marginal-family property test
is applied to dibao or 特困 by assumption ([A], RULES.md).

Flags (``flags`` in the result): ``business_registration`` (action ``home_visit``) and
``member_unverified`` (action ``obtain_consent``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REASON_CODES: tuple[str, ...] = (
    "income_below_standard",
    "income_not_below_standard",
    "income_below_marginal_line",
    "income_not_below_marginal_line",
    "income_below_standard_dibao_applies",
    "property_test_passed",
    "financial_assets_above_limit",
    "too_many_residential_properties",
    "nonresidential_property",
    "motor_vehicle",
    "business_registration",
    "business_needs_home_visit",
    "business_not_micro_after_visit",
    "business_cleared_by_visit",
    "single_inclusion",
    "not_marginal_family",
    "no_member_severe",
    "tekun_conditions_met",
    "no_member_unable_to_work",
    "supporter_available",
    "own_income_not_below_standard",
    "disabled_member_in_assisted_family",
    "no_disabled_member",
    "family_not_assisted",
    "severe_disability_grade_1_2",
    "no_member_grade_1_2",
    "premium_fully_subsidised",
    "marginal_premium_set_by_city",
    "no_premium_subsidy",
    "income_within_minimum_wage_data_check",
    "income_above_minimum_wage_data_check",
    "livelihood_vehicle_needs_home_visit",
    "income_counted_at_minimum_wage",
    "single_inclusion_adult_severe_no_job",
    "orphan_or_unsupported_child",
)

FLAG_CODES: tuple[str, ...] = ("business_registration", "member_unverified")

#: codes that speak for the program (a refusal notice lists only the others)
FAVOURABLE: frozenset[str] = frozenset({
    "income_below_standard", "income_below_marginal_line", "property_test_passed",
    "business_cleared_by_visit", "single_inclusion", "tekun_conditions_met",
    "disabled_member_in_assisted_family", "severe_disability_grade_1_2",
    "premium_fully_subsidised", "marginal_premium_set_by_city",
    "income_within_minimum_wage_data_check", "single_inclusion_adult_severe_no_job",
    "orphan_or_unsupported_child",
})

_DIBAO_RULE = "《最低生活保障审核确认办法》（民政部，2021）第三条、第十三条"
_PROPERTY_RULE = "广东省低保边缘家庭财产状况认定（粤府办〔2022〕3号）"
_MARGINAL_RULE = (
    "《最低生活保障审核确认办法》第八条；"
    "《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》（2023）"
)
_TEKUN_RULE = "《特困人员认定办法》（民政部，2021）第六条至第八条"
_SUBSIDY_RULE = "广东省困难残疾人生活补贴和重度残疾人护理补贴标准"
_MEDICAL_RULE = "广东省医疗救助资助参保政策"
_DATA_CHECK_RULE = "《广东省最低生活保障家庭经济状况核对和生活状况综合评估办法》（2026年1月1日起）"
_SINGLE_RULE = "《最低生活保障审核确认办法》第八条；民政部2022年10月通知"

#: reason code -> the rule it applies, for documents (citations; status as in RULES.md)
CITATIONS: dict[str, str] = {
    "income_below_standard": _DIBAO_RULE,
    "income_not_below_standard": _DIBAO_RULE,
    "income_below_marginal_line": _MARGINAL_RULE,
    "income_not_below_marginal_line": _MARGINAL_RULE,
    "income_below_standard_dibao_applies": _MARGINAL_RULE,
    "property_test_passed": _PROPERTY_RULE,
    "financial_assets_above_limit": _PROPERTY_RULE,
    "too_many_residential_properties": _PROPERTY_RULE,
    "nonresidential_property": _PROPERTY_RULE,
    "motor_vehicle": _PROPERTY_RULE,
    "business_registration": _PROPERTY_RULE,
    "business_needs_home_visit": _PROPERTY_RULE + "；入户核查",
    "business_not_micro_after_visit": _PROPERTY_RULE + "；入户核查",
    "business_cleared_by_visit": _PROPERTY_RULE + "；入户核查",
    "single_inclusion": "《最低生活保障审核确认办法》第八条；民政部2022年10月通知",
    "not_marginal_family": "《最低生活保障审核确认办法》第八条",
    "no_member_severe": "《最低生活保障审核确认办法》第八条；民政部2022年10月通知",
    "tekun_conditions_met": _TEKUN_RULE,
    "no_member_unable_to_work": "《特困人员认定办法》第七条",
    "supporter_available": "《特困人员认定办法》第六条、第九条",
    "own_income_not_below_standard": "《特困人员认定办法》第八条",
    "disabled_member_in_assisted_family": _SUBSIDY_RULE,
    "no_disabled_member": _SUBSIDY_RULE,
    "family_not_assisted": _SUBSIDY_RULE,
    "severe_disability_grade_1_2": _SUBSIDY_RULE,
    "no_member_grade_1_2": _SUBSIDY_RULE,
    "premium_fully_subsidised": _MEDICAL_RULE,
    "marginal_premium_set_by_city": _MEDICAL_RULE,
    "no_premium_subsidy": _MEDICAL_RULE,
    "income_within_minimum_wage_data_check": _DATA_CHECK_RULE,
    "income_above_minimum_wage_data_check": _DATA_CHECK_RULE,
    "livelihood_vehicle_needs_home_visit": _DATA_CHECK_RULE + "；入户核查",
    "income_counted_at_minimum_wage": (
        "广东省最低生活保障制度实施办法（省政府令第262号）；当地最低工资标准"
    ),
    "single_inclusion_adult_severe_no_job": _SINGLE_RULE,
    "orphan_or_unsupported_child": _MEDICAL_RULE,
}
assert set(CITATIONS) == set(REASON_CODES)

Reason = dict[str, Any]

#: reason codes of the property test (their rule is 粤府办〔2022〕3号 for every program)
PROPERTY_CODES: frozenset[str] = frozenset(
    code for code, rule in CITATIONS.items() if rule.startswith(_PROPERTY_RULE)
)
_PROPERTY_BY_ASSUMPTION = "（低保、特困的财产标准未见公开规定，参照低保边缘家庭财产认定办法 [A]）"


def citation(code: str, program: str) -> str:
    """The rule a reason applies, as a document cites it.

    The property test is the marginal-family one (粤府办〔2022〕3号 [3P]); applied to any other
    program it says so, since RULES.md: "Dibao's own property thresholds were not found: [A]
    use the same test".
    """
    rule = CITATIONS[code]
    if code in PROPERTY_CODES and program != "low_income_marginal":
        return rule + _PROPERTY_BY_ASSUMPTION
    return rule


def _r(code: str, **figures: Any) -> Reason:
    assert code in REASON_CODES, code
    return {"code": code, **figures}


def _money(x: float) -> float:
    return round(float(x), 2)


def _one_person(f: Any) -> bool:
    return int(f.household_size) == 1


def _facts(f: Any, members: list[str], *extra: str) -> list[dict[str, Any]]:
    """What the records say of each member (age, certificate, illness) and ``extra`` person
    variables (e.g. ``tekun_countable_income``), for the sentence to name what decided."""
    columns = ("age", "disability_category", "disability_grade", "serious_illness", *extra)
    values = {name: f.person_values(name) for name in columns}
    out = []
    for m in members:
        fact = {name: values[name][m] for name in columns}
        if fact["disability_category"] == "none":
            fact["disability_category"], fact["disability_grade"] = None, None
        for name in extra:
            if isinstance(fact[name], float):
                fact[name] = _money(fact[name])
        out.append({"member": m, **fact})
    return out


def _house_records(f: Any) -> list[dict[str, Any]]:
    return [{"member": r.member, **r.fields} for r in f.situation.assets.records
            if r.kind == "real_estate" and r.fields.get("use", "residential") == "residential"]


#: why a registration is not the husband-and-wife micro shop the test allows (粤府办〔2022〕3号
#: [3P]: "no business registration", except a micro shop with no employees that sells no
#: high-end tobacco, alcohol or luxury goods); first cause that applies
def _business_cause(b: Any) -> str | None:
    if b.luxury_goods:
        return "luxury_goods"
    if b.employees > 0:
        return "employees"
    if b.kind != "micro":
        return b.kind  # company, cooperative, or an individual business that is not micro
    return None


def _businesses(f: Any, *, refused_only: bool) -> list[dict[str, Any]]:
    applicant = f.situation.applicant.id
    out = []
    for b in f.situation.assets.business_registrations:
        cause = _business_cause(b)
        if refused_only and cause is None:
            continue
        out.append({"member": b.member or applicant, "credit_code": b.credit_code,
                    "business_kind": b.kind, "employees": b.employees,
                    "luxury_goods": b.luxury_goods, "cause": cause})
    return out


def property_reasons(f: Any, *, passed_too: bool) -> list[Reason]:
    """Reasons of the property test for family view ``f`` (see ``service._FamilyView``).

    Every reason carries ``one_person`` (a one-person household: "本人名下", not "家庭成员名下");
    house and business reasons list the records they counted (:class:`RecordRef` fields).
    """
    out: list[Reason] = []
    alone = _one_person(f)
    if f.fails_financial_assets:
        out.append(_r("financial_assets_above_limit",
                      financial_assets_per_capita=_money(f.financial_assets_per_capita),
                      financial_assets_limit=_money(f.financial_assets_limit),
                      multiple=f.financial_assets_multiple,
                      standard_urban=_money(f.dibao_standard_urban), one_person=alone))
    if f.fails_residential:
        out.append(_r("too_many_residential_properties",
                      residential_properties=f.counted_residential_properties,
                      owned=f.residential_properties,
                      exempt=f.exempt_residential_properties,
                      limit=f.max_residential_properties, one_person=alone,
                      houses=_house_records(f)))
    if f.fails_nonresidential:
        out.append(_r("nonresidential_property",
                      nonresidential_properties=f.nonresidential_properties,
                      limit=f.max_nonresidential_properties, one_person=alone))
    if f.fails_vehicles:
        out.append(_r("motor_vehicle", motor_vehicles=f.counted_motor_vehicles,
                      limit=f.max_motor_vehicles, one_person=alone))
    if f.fails_business:
        reviewable = f.business_reviewable
        code = "business_not_micro_after_visit" if reviewable else "business_registration"
        out.append(_r(code, businesses=f.business_count, one_person=alone,
                      registrations=_businesses(f, refused_only=not reviewable)))
    if f.business_visit_pending:
        out.append(_r("business_needs_home_visit", businesses=f.business_count,
                      one_person=alone, registrations=_businesses(f, refused_only=False)))
    if f.business_cleared_by_visit:
        out.append(_r("business_cleared_by_visit", businesses=f.business_count,
                      one_person=alone, registrations=_businesses(f, refused_only=False)))
    if f.vehicle_visit_pending:
        out.append(_r("livelihood_vehicle_needs_home_visit",
                      vehicles=f.reviewed_livelihood_vehicles))
    if passed_too and f.property_status == "eligible":
        out.append(_r("property_test_passed",
                      financial_assets_per_capita=_money(f.financial_assets_per_capita),
                      financial_assets_limit=_money(f.financial_assets_limit),
                      residential_properties=f.counted_residential_properties))
    return out


def _property_cause(f: Any) -> list[Reason]:
    """The property reasons when the property test refuses, else nothing (for a program
    whose own condition failed only because of it)."""
    return property_reasons(f, passed_too=False) if f.property_status == "ineligible" else []


def _counted_at_minimum_wage(f: Any) -> list[Reason]:
    members = f.members_where("income_counted_at_minimum_wage")
    if not members:
        return []
    return [_r("income_counted_at_minimum_wage", members=members,
               minimum_wage=_money(f.minimum_wage))]


def dibao(f: Any) -> list[Reason]:
    """Income against the standard (from 2026-01 the data check's minimum-wage bar), then the
    property test."""
    figures = {"per_capita_income": _money(f.per_capita_income),
               "standard": _money(f.dibao_standard)}
    counted = _counted_at_minimum_wage(f)
    if f.dibao_data_check_band:
        return [_r("income_within_minimum_wage_data_check", **figures,
                   minimum_wage=_money(f.minimum_wage)),
                *counted, *property_reasons(f, passed_too=True)]
    if not f.dibao_income_test:
        if f.dibao_data_check_in_force:
            return [_r("income_above_minimum_wage_data_check",
                       per_capita_income=figures["per_capita_income"],
                       minimum_wage=_money(f.minimum_wage)), *counted]
        return [_r("income_not_below_standard", **figures), *counted]
    return [_r("income_below_standard", **figures), *counted,
            *property_reasons(f, passed_too=True)]


def low_income_marginal(f: Any) -> list[Reason]:
    """Income between the standard and 1.5 ×, then the property test.

    Income below the standard sends to dibao only when the property test does not refuse:
    a family refused for its property is told the property cause (stories B and C).
    """
    income = _money(f.per_capita_income)
    counted = _counted_at_minimum_wage(f)
    if f.dibao_income_test:
        figures = {"per_capita_income": income, "standard": _money(f.dibao_standard)}
        refused = _property_cause(f)
        if refused:
            return [_r("income_below_standard", **figures), *refused]
        return [_r("income_below_standard_dibao_applies", **figures), *counted]
    if not f.marginal_income_test:
        return [_r("income_not_below_marginal_line", per_capita_income=income,
                   marginal_line=_money(f.marginal_line)), *counted]
    return [_r("income_below_marginal_line", per_capita_income=income,
               standard=_money(f.dibao_standard), marginal_line=_money(f.marginal_line)),
            *counted, *property_reasons(f, passed_too=True)]


def dibao_single(f: Any) -> list[Reason]:
    """Severe members of a marginal family, and adults with severe disability and no job
    (one-person households); full standard each."""
    members = f.members_with("dibao_single")
    standard = _money(f.dibao_standard)
    if members:
        marginal = [m for m in f.members_with("dibao_single_marginal") if m in members]
        adult = [m for m in members if m not in marginal]
        out = []
        if marginal:
            out.append(_r("single_inclusion", members=marginal, standard=standard,
                          facts=_facts(f, marginal)))
        if adult:
            out.append(_r("single_inclusion_adult_severe_no_job", members=adult,
                          standard=standard, facts=_facts(f, adult)))
        return [*out, *property_reasons(f, passed_too=False)]
    if not f.any_person("severe_for_single_inclusion"):
        return [_r("no_member_severe")]
    out = [_r("not_marginal_family"), *low_income_marginal(f)]
    if f.any_person("severe_adult_without_job") and f.dibao_status != "eligible":
        # the one-person route failed on the property test, else on the adult's own income
        if f.property_status == "ineligible":
            given = {r["code"] for r in out}
            out += [r for r in property_reasons(f, passed_too=False) if r["code"] not in given]
        else:
            out.append(_r("own_income_not_below_standard", standard=standard))
    return out


def _ids(f: Any, mask: Any) -> list[str]:
    return [m for m, keep in zip(f.member_ids, mask, strict=True) if keep]


def tekun(f: Any) -> list[Reason]:
    """Unable to work, own income below the standard, no able supporter; property test.

    Each member is named with the facts the rules read (age, certificate) and the own income
    counted for 特困 (``tekun_countable_income``, exempt kinds taken out) against the standard.
    """
    standard = _money(f.dibao_standard)
    members = f.members_with("tekun")
    if members:
        return [_r("tekun_conditions_met", members=members,
                   tekun_standard=_money(f.tekun_standard), standard=standard,
                   facts=_facts(f, members, "average_monthly_income", "tekun_countable_income")),
                *property_reasons(f, passed_too=False)]
    unable = f.person_mask("unable_to_work")
    if not unable.any():
        return [_r("no_member_unable_to_work")]
    no_supporter = unable & ~f.person_mask("has_supporter")
    if not no_supporter.any():
        supported = _ids(f, unable)
        return [_r("supporter_available", members=supported, facts=_facts(f, supported))]
    if not (no_supporter & f.person_mask("tekun_income_test")).any():
        above = _ids(f, no_supporter)
        return [_r("own_income_not_below_standard", standard=standard, members=above,
                   facts=_facts(f, above, "tekun_countable_income"))]
    return property_reasons(f, passed_too=False)


def disability_living_subsidy(f: Any) -> list[Reason]:
    """Disabled members of a dibao or marginal family."""
    members = f.members_with("disability_living_subsidy")
    if members:
        return [_r("disabled_member_in_assisted_family", members=members,
                   amount_per_person=_money(f.living_subsidy), facts=_facts(f, members))]
    if not f.any_person("is_disabled"):
        return [_r("no_disabled_member")]
    return [_r("family_not_assisted"), *_property_cause(f)]


def disability_care_subsidy(f: Any) -> list[Reason]:
    """Members with disability grade 1–2."""
    members = f.members_with("disability_care_subsidy")
    if members:
        return [_r("severe_disability_grade_1_2", members=members,
                   amount_per_person=_money(f.care_subsidy), facts=_facts(f, members))]
    return [_r("no_member_grade_1_2")]


def _full_subsidy_basis(f: Any, members: list[str]) -> list[dict[str, Any]]:
    """Why each member's premium is paid in full: 特困, included alone, or dibao (the first
    of the statuses ``medical_full_subsidy`` reads that is not ineligible)."""
    tekun_status = f.person_values("tekun_person_status")
    single = f.person_values("dibao_single_person_status")
    out = []
    for m in members:
        basis = ("tekun" if tekun_status[m] != "ineligible"
                 else "dibao_single" if single[m] != "ineligible" else "dibao")
        out.append({"member": m, "basis": basis})
    return out


def medical_insurance_subsidy(f: Any) -> list[Reason]:
    """Full premium for 特困/dibao/included alone; marginal families: set by the city."""
    out: list[Reason] = []
    full = f.members_with("medical_full")
    children = set(f.members_where("orphan_or_unsupported_child"))
    orphans = [m for m in full if m in children]
    others = [m for m in full if m not in children]
    if orphans:
        out.append(_r("orphan_or_unsupported_child", members=orphans))
    if others:
        out.append(_r("premium_fully_subsidised", members=others,
                      facts=_full_subsidy_basis(f, others)))
    if f.low_income_marginal_status in {"eligible", "needs_home_visit"}:
        rest = [m for m in f.member_ids if m not in full]
        if rest:
            out.append(_r("marginal_premium_set_by_city", members=rest))
    return out or [_r("no_premium_subsidy"), *_property_cause(f)]


def _pending_aware(program: str, choose: Callable[[Any], list[Reason]]) -> Callable:
    """``choose`` whose reasons say ``pending=True`` while the program waits on a home visit,
    so no sentence states as a fact what only the visit can confirm."""

    def reasons(f: Any) -> list[Reason]:
        found = choose(f)
        if getattr(f, f"{program}_status") == "needs_home_visit":
            return [{**r, "pending": True} for r in found]
        return found

    reasons.__doc__ = choose.__doc__
    return reasons


#: programs whose status follows the family's dibao status (their visit may be dibao's)
_FOLLOWS_DIBAO = frozenset({"disability_living_subsidy", "medical_insurance_subsidy"})
_VISIT_CODES = frozenset({"business_needs_home_visit", "livelihood_vehicle_needs_home_visit"})


def pending_reasons(f: Any, program: str) -> list[Reason]:
    """Why ``program`` waits for a home visit: the property flags to check, and for the
    programs that follow dibao, dibao's data-check stage (from 2026-01)."""
    out: list[Reason] = []
    if f.property_status == "needs_home_visit":
        out += [r for r in property_reasons(f, passed_too=False) if r["code"] in _VISIT_CODES]
    if program in _FOLLOWS_DIBAO and f.dibao_status == "needs_home_visit" and (
        f.dibao_data_check_band
    ):
        out.append(_r("income_within_minimum_wage_data_check",
                      per_capita_income=_money(f.per_capita_income),
                      standard=_money(f.dibao_standard), minimum_wage=_money(f.minimum_wage)))
    return out


#: program code -> function choosing its reasons
BY_PROGRAM: dict[str, Callable[[Any], list[Reason]]] = {
    code: _pending_aware(code, choose)
    for code, choose in {
        "dibao": dibao,
        "low_income_marginal": low_income_marginal,
        "dibao_single": dibao_single,
        "tekun": tekun,
        "disability_living_subsidy": disability_living_subsidy,
        "disability_care_subsidy": disability_care_subsidy,
        "medical_insurance_subsidy": medical_insurance_subsidy,
    }.items()
}
