"""低保边缘家庭 (low-income marginal family): income from the standard up to 1.5 × it,
and the property test."""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family, Person
from eligibility.enums import Status
from eligibility.statuses import INELIGIBLE, combine


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
        return combine(family("marginal_income_test", period), family("property_status", period))


class low_income_marginal_person_status(Variable):
    """The family's marginal status for each member not included in dibao alone (a member
    included alone is counted by ``dibao_single``, not as a marginal-family member)."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "低保边缘家庭成员（不含单独纳入低保者）"
    reference = "审核确认办法 第8条 [V]: 单独纳入低保者按单人户纳入"

    def formula(person, period, parameters):
        alone = person("dibao_single_person_status", period) != Status.ineligible
        family = person.family("low_income_marginal_status", period)
        return np.where(alone, INELIGIBLE, np.asarray(family))


class low_income_marginal_amount(Variable):
    """Always 0: a marginal family gets special assistance, no cash standard
    (parameters/cash_benefit: low_income_marginal false)."""

    value_type = float
    entity = Family
    definition_period = MONTH
    label = "低保边缘家庭现金救助（无, 元/月）"
    reference = "parameters/cash_benefit [V]"

    def formula(family, period, parameters):
        return np.zeros(family.count)
