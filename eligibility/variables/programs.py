"""Programs: dibao, 低保边缘, 单独纳入, 特困, two disability subsidies, medical premium subsidy.

Status codes: ineligible / eligible / needs_home_visit (:class:`eligibility.enums.Status`).
Person-level programs have ``<program>_person_status`` and ``<program>_person_amount``; the
family-level ``<program>_status`` is eligible when any member is, else needs_home_visit when any
member waits for a visit; ``<program>_amount`` is the family total (yuan per month).
"""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family, Person
from eligibility.enums import DisabilityCategory, Status

INELIGIBLE, ELIGIBLE, PENDING = (s.index for s in (Status.ineligible, Status.eligible,
                                                   Status.needs_home_visit))


def _combine(income_ok, property_status):
    """Status of a program that needs ``income_ok`` and the property test."""
    return np.select(
        [~income_ok | (property_status == Status.ineligible),
         property_status == Status.needs_home_visit],
        [INELIGIBLE, PENDING],
        ELIGIBLE,
    )


def _family_status(family, period, person_status_variable):
    status = family.members(person_status_variable, period)
    return np.select(
        [family.any(status == Status.eligible), family.any(status == Status.needs_home_visit)],
        [ELIGIBLE, PENDING],
        INELIGIBLE,
    )


# ---------------------------------------------------------------- dibao

class dibao_income_test(Variable):
    """低于当地低保标准: strictly below (<); at exactly the standard the family does not pass."""

    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "家庭人均收入低于当地低保标准"
    reference = "最低生活保障审核确认办法 第3条、第13条 [V]: 人均收入低于当地低保标准"

    def formula(family, period, parameters):
        return family("per_capita_income", period) < family("dibao_standard", period)


class dibao_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "最低生活保障"
    reference = "最低生活保障审核确认办法 [V]; 粤府办〔2022〕3号 财产认定 [3P] ([A] 低保沿用)"

    def formula(family, period, parameters):
        return _combine(family("dibao_income_test", period), family("property_status", period))


class dibao_amount(Variable):
    """Gap method: (standard − per-capita income) × household size (审核确认办法 art. 23 [V])."""

    value_type = float
    entity = Family
    definition_period = MONTH
    label = "低保金（元/月）"
    reference = "最低生活保障审核确认办法 第23条 [V]"

    def formula(family, period, parameters):
        gap = family("dibao_standard", period) - family("per_capita_income", period)
        eligible = family("dibao_status", period) == Status.eligible
        return np.where(eligible, gap * family("household_size", period), 0)


# ---------------------------------------------------------------- 低保边缘

class marginal_income_test(Variable):
    """Not below the standard, and below 1.5 × the standard (低于…1.5倍: strictly <)."""

    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "家庭人均收入不低于低保标准且低于低保边缘收入线"
    reference = "审核确认办法 第8条; 2023年低收入人口动态监测意见 [V]: 低于当地低保标准1.5倍"

    def formula(family, period, parameters):
        income = family("per_capita_income", period)
        return (income >= family("dibao_standard", period)) & (
            income < family("marginal_line", period)
        )


class low_income_marginal_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "低保边缘家庭"
    reference = "2023年低收入人口动态监测意见 [V]; 粤府办〔2022〕3号 [3P]"

    def formula(family, period, parameters):
        return _combine(
            family("marginal_income_test", period), family("property_status", period)
        )


# ---------------------------------------------------------------- 单独纳入

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
            [severe & (marginal == Status.eligible),
             severe & (marginal == Status.needs_home_visit)],
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
        return _family_status(family, period, "dibao_single_person_status")


class dibao_single_amount(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "单独纳入低保金合计（元/月）"

    def formula(family, period, parameters):
        return family.sum(family.members("dibao_single_person_amount", period))


# ---------------------------------------------------------------- 特困

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
            | (disabled & (category == DisabilityCategory.physical)
               & (grade <= p.max_grade_physical))
            | (disabled & (category == DisabilityCategory.visual)
               & (grade <= p.max_grade_visual))
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
        return _combine(conditions, person.family("property_status", period))


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
        return _family_status(family, period, "tekun_person_status")


class tekun_amount(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "特困人员基本生活费合计（元/月）"

    def formula(family, period, parameters):
        return family.sum(family.members("tekun_person_amount", period))


# ---------------------------------------------------------------- 残疾人两项补贴

class assisted_family_status(Variable):
    """Dibao or marginal family (the living subsidy's target), whichever is better."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "低保或低保边缘家庭"

    def formula(family, period, parameters):
        dibao = family("dibao_status", period)
        marginal = family("low_income_marginal_status", period)
        return np.select(
            [(dibao == Status.eligible) | (marginal == Status.eligible),
             (dibao == Status.needs_home_visit) | (marginal == Status.needs_home_visit)],
            [ELIGIBLE, PENDING],
            INELIGIBLE,
        )


class disability_living_subsidy_person_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "困难残疾人生活补贴（个人）"
    reference = "广东省困难残疾人生活补贴: 低保、低保边缘家庭中的残疾人 [3P]"

    def formula(person, period, parameters):
        disabled = person("is_disabled", period)
        assisted = person.family("assisted_family_status", period)
        return np.select(
            [disabled & (assisted == Status.eligible),
             disabled & (assisted == Status.needs_home_visit)],
            [ELIGIBLE, PENDING],
            INELIGIBLE,
        )


class disability_living_subsidy_person_amount(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "困难残疾人生活补贴（元/月）"
    reference = "parameters/disability/living_subsidy [3P]"

    def formula(person, period, parameters):
        eligible = person("disability_living_subsidy_person_status", period) == Status.eligible
        return np.where(eligible, parameters(period).disability.living_subsidy, 0)


class disability_living_subsidy_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "困难残疾人生活补贴"

    def formula(family, period, parameters):
        return _family_status(family, period, "disability_living_subsidy_person_status")


class disability_living_subsidy_amount(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "困难残疾人生活补贴合计（元/月）"

    def formula(family, period, parameters):
        return family.sum(family.members("disability_living_subsidy_person_amount", period))


class disability_care_subsidy_person_status(Variable):
    """Disability grade 1 or 2 (一级、二级), any category, whatever the family's income."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "重度残疾人护理补贴（个人）"
    reference = "广东省重度残疾人护理补贴: 残疾等级一、二级 [3P]"

    def formula(person, period, parameters):
        grade = person("disability_grade", period)
        max_grade = parameters(period).disability.care_max_grade
        severe = person("is_disabled", period) & (grade <= max_grade)
        return np.where(severe, ELIGIBLE, INELIGIBLE)


class disability_care_subsidy_person_amount(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "重度残疾人护理补贴（元/月）"
    reference = "parameters/disability/care_subsidy [3P]"

    def formula(person, period, parameters):
        eligible = person("disability_care_subsidy_person_status", period) == Status.eligible
        return np.where(eligible, parameters(period).disability.care_subsidy, 0)


class disability_care_subsidy_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "重度残疾人护理补贴"

    def formula(family, period, parameters):
        return _family_status(family, period, "disability_care_subsidy_person_status")


class disability_care_subsidy_amount(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "重度残疾人护理补贴合计（元/月）"

    def formula(family, period, parameters):
        return family.sum(family.members("disability_care_subsidy_person_amount", period))


# ---------------------------------------------------------------- 医疗救助 资助参保

class medical_full_subsidy(Variable):
    """特困, dibao (incl. members included alone): the whole individual premium [3P]."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "全额资助参保"
    reference = "广东省医疗救助: 特困、孤儿、事实无人抚养儿童、低保（含单独纳入）全额资助 [3P]"

    def formula(person, period, parameters):
        statuses = (
            person("tekun_person_status", period),
            person.family("dibao_status", period),
            person("dibao_single_person_status", period),
        )
        eligible = np.logical_or.reduce([s == Status.eligible for s in statuses])
        pending = np.logical_or.reduce([s == Status.needs_home_visit for s in statuses])
        return np.select([eligible, pending], [ELIGIBLE, PENDING], INELIGIBLE)


class medical_insurance_subsidy_person_status(Variable):
    """Full subsidy, or — for a marginal family — the subsidy each city sets [3P]."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "医疗救助资助参保（个人）"
    reference = "广东省医疗救助 [3P]: 低保边缘家庭成员由各市确定资助标准"

    def formula(person, period, parameters):
        full = person("medical_full_subsidy", period)
        marginal = person.family("low_income_marginal_status", period)
        return np.select(
            [(full == Status.eligible) | (marginal == Status.eligible),
             (full == Status.needs_home_visit) | (marginal == Status.needs_home_visit)],
            [ELIGIBLE, PENDING],
            INELIGIBLE,
        )


class medical_insurance_subsidy_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "医疗救助资助参保"

    def formula(family, period, parameters):
        return _family_status(family, period, "medical_insurance_subsidy_person_status")
