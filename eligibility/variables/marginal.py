"""低保边缘家庭 (low-income marginal family): income from the standard up to 1.5 × it,
and the property test."""

from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family
from eligibility.enums import Status
from eligibility.statuses import combine


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
