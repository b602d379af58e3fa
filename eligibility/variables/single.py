"""单独纳入低保 (single inclusion): severe members of a marginal family get the full
standard alone."""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family, Person
from eligibility.enums import DisabilityCategory, Status
from eligibility.statuses import ELIGIBLE, INELIGIBLE, PENDING, family_status


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


class dibao_single_person_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "单独纳入低保（个人）"

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
