"""单独纳入低保 (single inclusion): severe members of a marginal family, and adults with severe
disability and no job (assessed as one-person households), get the full standard alone."""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family, Person
from eligibility.enums import DisabilityCategory, Status
from eligibility.statuses import ELIGIBLE, INELIGIBLE, PENDING, combine, family_status


class severe_for_single_inclusion(Variable):
    """Disability grade 1–2 (any category), intellectual/mental grade ≤ 4 (Guangdong [3P]),
    or a locally recognised serious illness (重特大疾病)."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "重度残疾、三四级智力精神残疾或重病"
    reference = "审核确认办法 第8条; 2022年10月民政部通知 [V]; 广东 三、四级智力精神残疾 [3P]"

    def formula(person, period, parameters):
        p = parameters(period).dibao.single
        grade = person("disability_grade", period)
        category = person("disability_category", period)
        disabled = person("is_disabled", period)
        mind = (category == DisabilityCategory.intellectual) | (
            category == DisabilityCategory.mental
        )
        return (
            (disabled & (grade <= p.max_grade_any))
            | (disabled & mind & (grade <= p.max_grade_intellectual_mental))
            | person("serious_illness", period)
        )


class dibao_single_marginal_person_status(Variable):
    """Route 1: a severe member of a marginal family (审核确认办法 art. 8 [V])."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "单独纳入低保（低保边缘家庭中的重残、重病成员）"
    reference = "审核确认办法 第8条; 2022年10月民政部通知 [V]"

    def formula(person, period, parameters):
        marginal = person.family("low_income_marginal_status", period)
        severe = person("severe_for_single_inclusion", period)
        return np.select(
            [
                severe & (marginal == Status.eligible),
                severe & (marginal == Status.needs_home_visit),
            ],
            [ELIGIBLE, PENDING],
            INELIGIBLE,
        )


class employed(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "有工作（申报或核实）"


class without_job(Variable):
    """Not declared employed and no wage or business income over the averaging window (无业)."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "无业（无工资性、经营性收入）"

    def formula(person, period, parameters):
        earned = person("average_earned_income", period)
        return ~person("employed", period) & (earned <= 0)


class severe_adult_without_job(Variable):
    """Adult (≥ 18 [A]) with disability grade 1–2 (重度残疾) and no job."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "成年无业重度残疾人"
    reference = "审核确认办法 第8条; 2022年10月民政部通知 [V]: 成年无业重度残疾人"

    def formula(person, period, parameters):
        p = parameters(period).dibao.single
        severe = person("is_disabled", period) & (
            person("disability_grade", period) <= p.max_grade_any
        )
        adult = person("age", period) >= p.adult_min_age
        return adult & severe & person("without_job", period)


class dibao_single_adult_person_status(Variable):
    """Route 2: an adult with severe disability and no job, assessed as a one-person household
    (own countable income below the standard; [A] the family's property test), whatever the
    family's income, unless the whole family qualifies for dibao."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "单独纳入低保（成年无业重度残疾人, 单人户）"
    reference = "审核确认办法 第8条; 2022年10月民政部通知 [V]"

    def formula(person, period, parameters):
        own_income_ok = person("countable_income", period) < person.family(
            "dibao_standard", period
        )
        family_on_dibao = person.family("dibao_status", period) == Status.eligible
        route = person("severe_adult_without_job", period) & own_income_ok & ~family_on_dibao
        return combine(route, person.family("property_status", period))


class dibao_single_person_status(Variable):
    """Eligible by either route, else waiting for a visit by either, else not."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "单独纳入低保（个人）"

    def formula(person, period, parameters):
        routes = (
            person("dibao_single_marginal_person_status", period),
            person("dibao_single_adult_person_status", period),
        )
        return np.select(
            [
                np.logical_or.reduce([r == Status.eligible for r in routes]),
                np.logical_or.reduce([r == Status.needs_home_visit for r in routes]),
            ],
            [ELIGIBLE, PENDING],
            INELIGIBLE,
        )


class dibao_single_person_amount(Variable):
    """The full local standard ([3P] Huizhou practice, [A] province-wide)."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "单独纳入低保金（元/月）"

    def formula(person, period, parameters):
        share = parameters(period).dibao.single.amount_share_of_standard
        eligible = person("dibao_single_person_status", period) == Status.eligible
        return np.where(eligible, person.family("dibao_standard", period) * share, 0)


class dibao_single_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "单独纳入低保"

    def formula(family, period, parameters):
        return family_status(family, period, "dibao_single_person_status")


class dibao_single_amount(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "单独纳入低保金合计（元/月）"

    def formula(family, period, parameters):
        return family.sum(family.members("dibao_single_person_amount", period))
