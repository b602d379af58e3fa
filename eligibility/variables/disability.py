"""残疾人两项补贴: the living subsidy (dibao or marginal families) and the care subsidy
(grade 1–2)."""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family, Person
from eligibility.enums import Status
from eligibility.statuses import ELIGIBLE, INELIGIBLE, PENDING, family_status


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
            [
                (dibao == Status.eligible) | (marginal == Status.eligible),
                (dibao == Status.needs_home_visit) | (marginal == Status.needs_home_visit),
            ],
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
            [
                disabled & (assisted == Status.eligible),
                disabled & (assisted == Status.needs_home_visit),
            ],
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
        return family_status(family, period, "disability_living_subsidy_person_status")


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
        return family_status(family, period, "disability_care_subsidy_person_status")


class disability_care_subsidy_amount(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "重度残疾人护理补贴合计（元/月）"

    def formula(family, period, parameters):
        return family.sum(family.members("disability_care_subsidy_person_amount", period))
