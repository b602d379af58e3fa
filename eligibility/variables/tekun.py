"""特困人员救助供养 (tekun): unable to work, no source of living, no able legal supporter."""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family, Person
from eligibility.enums import DisabilityCategory, Status
from eligibility.statuses import combine, family_status


class unable_to_work(Variable):
    """Age ≥ 60 (60周岁以上), age < 16 (未满16周岁), intellectual/mental grade 1–3,
    physical grade 1–2, visual grade 1 (特困人员认定办法 art. 7 [V]); or a caseworker's
    finding (``declared_unable_to_work``). A finding cannot undo art. 7: age and certificate
    are facts of law."""

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
            person("declared_unable_to_work", period)
            | (age >= p.min_age_senior)
            | (age < p.max_age_minor)
            | (disabled & mind & (grade <= p.max_grade_intellectual_mental))
            | (
                disabled
                & (category == DisabilityCategory.physical)
                & (grade <= p.max_grade_physical)
            )
            | (disabled & (category == DisabilityCategory.visual) & (grade <= p.max_grade_visual))
        )


class declared_supporter_outside_household(Variable):
    """A caseworker's finding: a legal supporter able to support lives outside the household
    (the records only show the household). Default False: the rules decide."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "经核查有共同生活以外的具备履行能力的法定义务人"


class declared_no_supporter(Variable):
    """A caseworker's finding: no legal supporter can support, whoever lives in the household
    (e.g. the household's adult cannot in fact support). Default False: the rules decide."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "经核查无具备履行能力的法定义务人"


class able_supporter(Variable):
    """Of supporter age (18 ≤ age < 60, [A]), not a student, not unable to work (art. 7)."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "具备赡养、抚养、扶养能力（共同生活成员）"
    reference = "特困人员认定办法 第6条、第7条 [V]; parameters/tekun/supporter [A]"

    def formula(person, period, parameters):
        p = parameters(period).tekun.supporter
        age = person("age", period)
        return (
            (age >= p.min_age)
            & (age < p.max_age)
            & ~person("student", period)
            & ~person("unable_to_work", period)
        )


class able_supporter_count(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "具备赡养、抚养、扶养能力的共同生活成员人数"

    def formula(family, period, parameters):
        return family.sum(family.members("able_supporter", period))


class has_supporter(Variable):
    """Another household member is an ``able_supporter``, or a caseworker found a supporter
    outside the household; unless a caseworker found that nobody can support."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "有具备赡养、抚养、扶养能力的法定义务人"
    reference = "特困人员认定办法 第6条 [V]; parameters/tekun/supporter [A]"

    def formula(person, period, parameters):
        others = person.family("able_supporter_count", period) - person("able_supporter", period)
        found = (others > 0) | person("declared_supporter_outside_household", period)
        return found & ~person("declared_no_supporter", period)


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
