"""特困人员救助供养 (tekun): unable to work, no source of living, no able legal supporter."""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family, Person
from eligibility.enums import DisabilityCategory, Status
from eligibility.statuses import combine, family_status


class unable_to_work(Variable):
    """Age ≥ 60 (60周岁以上), age < 16 (未满16周岁), intellectual/mental grade 1–3,
    physical grade 1–2, visual grade 1 (特困人员认定办法 art. 7 [V])."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "无劳动能力（特困认定）"
    reference = "特困人员认定办法 第7条 [V]"

    def formula(person, period, parameters):
        p = parameters(period).tekun.unable_to_work
        age = person("age", period)
        grade = person("disability_grade", period)
        category = person("disability_category", period)
        disabled = person("is_disabled", period)
        mind = (category == DisabilityCategory.intellectual) | (
            category == DisabilityCategory.mental
        )
        return (
            (age >= p.min_age_senior)
            | (age < p.max_age_minor)
            | (disabled & mind & (grade <= p.max_grade_intellectual_mental))
            | (
                disabled
                & (category == DisabilityCategory.physical)
                & (grade <= p.max_grade_physical)
            )
            | (disabled & (category == DisabilityCategory.visual) & (grade <= p.max_grade_visual))
        )


class tekun_income_test(Variable):
    """Own income (pension, insurance, 优待抚恤金, 高龄津贴 excluded) below the dibao standard."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "本人收入低于当地低保标准"
    reference = "特困人员认定办法 第8条 [V]: 收入低于当地最低生活保障标准"

    def formula(person, period, parameters):
        income = person("tekun_countable_income", period)
        return income < person.family("dibao_standard", period)


class tekun_person_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "特困人员（个人）"
    reference = (
        "特困人员认定办法 第6条 [V]: 无劳动能力、无生活来源、"
        "无法定赡养抚养扶养义务人或其无履行能力"
    )

    def formula(person, period, parameters):
        conditions = (
            person("unable_to_work", period)
            & person("tekun_income_test", period)
            & ~person("has_supporter", period)
        )
        return combine(conditions, person.family("property_status", period))


class tekun_person_amount(Variable):
    """The tekun basic living standard, paid in full ([A] full standard, not a gap)."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "特困人员基本生活费（元/月）"

    def formula(person, period, parameters):
        eligible = person("tekun_person_status", period) == Status.eligible
        return np.where(eligible, person.family("tekun_standard", period), 0)


class tekun_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "特困人员救助供养"

    def formula(family, period, parameters):
        return family_status(family, period, "tekun_person_status")


class tekun_amount(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "特困人员基本生活费合计（元/月）"

    def formula(family, period, parameters):
        return family.sum(family.members("tekun_person_amount", period))
