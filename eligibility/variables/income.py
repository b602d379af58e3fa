"""Countable income (审核确认办法 art. 13 [V]; 特困人员认定办法 [V]), per capita.

``monthly_income`` is a person's average monthly income over the 6 months before applying
(广东 省政府令第262号 [3P]); ``income_<kind>`` say how much of it is of that kind, so exempt
kinds can be taken out. The ``income_<kind>`` variables are made from
:data:`eligibility.kinds.INCOME_KINDS` in ``eligibility/system.py``.
"""

import numpy as np
from openfisca_core.model_api import MONTH, Variable

from eligibility.entities import Family, Person

#: kinds excluded from dibao income: 审核确认办法 art. 13 [V]
DIBAO_EXEMPT = (
    "special_care",
    "family_planning_award",
    "scholarship",
    "bravery_award",
    "social_assistance",
    "pension_basic_resident",
)
#: kinds excluded from tekun income: 特困人员认定办法 [V] (basic resident pension, insurance
#: benefits, 优待抚恤金, 高龄津贴) plus [A] assumption: everything dibao excludes
TEKUN_EXEMPT = (*DIBAO_EXEMPT, "insurance_benefit", "old_age_allowance")


class monthly_income(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "月均收入（申请前6个月平均, 元/月）"
    reference = "广东省最低生活保障制度实施办法（省政府令第262号）[3P]"


class countable_income(Variable):
    """Monthly income minus the kinds 审核确认办法 art. 13 excludes and the deductions, never
    below 0; at least the minimum wage for a member who refuses work (``income_adjustments``)."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "低保计算收入（元/月）"
    reference = "最低生活保障审核确认办法 第13条 [V]; 省政府令第262号 [3P]"

    def formula(person, period, parameters):
        exempt = sum(person(f"income_{k}", period) for k in DIBAO_EXEMPT)
        net = person("monthly_income", period) - exempt - person("income_deductions", period)
        return np.maximum(np.maximum(net, 0), person("imputed_minimum_income", period))


class tekun_countable_income(Variable):
    """Monthly income minus the kinds 特困人员认定办法 excludes; never below 0."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "特困认定计算收入（元/月）"
    reference = "特困人员认定办法 第8条 [V]"

    def formula(person, period, parameters):
        exempt = sum(person(f"income_{k}", period) for k in TEKUN_EXEMPT)
        return np.maximum(person("monthly_income", period) - exempt, 0)


class household_size(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "共同生活家庭成员人数"
    reference = "最低生活保障审核确认办法 第7条 [V]"

    def formula(family, period, parameters):
        return family.nb_persons()


class family_countable_income(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "家庭月收入（计算收入之和, 元/月）"

    def formula(family, period, parameters):
        return family.sum(family.members("countable_income", period))


class per_capita_income(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "家庭月人均收入（元/人·月）"
    reference = "最低生活保障审核确认办法 第13条 [V]"

    def formula(family, period, parameters):
        size = family("household_size", period)
        return family("family_countable_income", period) / np.maximum(size, 1)
