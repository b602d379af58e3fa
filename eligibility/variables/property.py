"""Property test (粤府办〔2022〕3号 [3P]; [A] dibao uses the same test), with the business flag.

A business registration that is micro, has no employees and sells no luxury goods is a reason
for a home visit, never a rejection (DESIGN.md; 预警不等于一票否决). The visit's findings
(``home_visit_business``, ``home_visit_income``) resolve it.
"""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family
from eligibility.enums import Status, VisitFinding


class residential_properties(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "家庭成员名下住宅套数"


class exempt_residential_properties(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "其中无人居住的泥砖房、祖屋套数（不计入）"


class nonresidential_properties(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "非住宅房产数（商铺、车库、车位、办公用房）"


class business_count(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "名下市场主体登记数"


class business_micro_count(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "其中微型经营（个体、夫妻小店）登记数"


class business_with_employees_count(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "其中有雇工的登记数"


class business_luxury_count(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "其中经营高档烟酒、奢侈品的登记数"


class financial_assets(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "家庭金融资产合计（元）"
    reference = (
        "最低生活保障审核确认办法 第14条 [V]: 存款、有价证券、基金、商业保险、债权、互联网金融资产"
    )


class home_visit_business(Variable):
    value_type = Enum
    possible_values = VisitFinding
    default_value = VisitFinding.not_recorded
    entity = Family
    definition_period = MONTH
    label = "入户核查: 经营为无雇工微型经营"


class home_visit_income(Variable):
    value_type = Enum
    possible_values = VisitFinding
    default_value = VisitFinding.not_recorded
    entity = Family
    definition_period = MONTH
    label = "入户核查: 收入情况属实"


class counted_residential_properties(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "计入的住宅套数"

    def formula(family, period, parameters):
        counted = family("residential_properties", period) - family(
            "exempt_residential_properties", period
        )
        return np.maximum(counted, 0)


class counted_motor_vehicles(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "计入的机动车数"
    reference = "粤府办〔2022〕3号 [3P]; parameters/property/counted_vehicles"

    def formula(family, period, parameters):
        counted = parameters(period).property.counted_vehicles
        return sum(
            (family(f"vehicles_{kind}", period) for kind in counted if counted[kind]),
            np.zeros(family.count, dtype=int),
        )


class financial_assets_per_capita(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "人均金融资产（元）"

    def formula(family, period, parameters):
        size = np.maximum(family("household_size", period), 1)
        return family("financial_assets", period) / size


class financial_assets_limit(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "人均金融资产上限（元）= 24 × 当地城市低保标准"
    reference = "粤府办〔2022〕3号 [3P]"

    def formula(family, period, parameters):
        multiple = parameters(period).property.financial_assets_multiple
        return family("dibao_standard_urban", period) * multiple


class fails_financial_assets(Variable):
    """Wording 不超过 (≤): exactly at the limit passes."""

    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "人均金融资产超过上限"

    def formula(family, period, parameters):
        per_capita = family("financial_assets_per_capita", period)
        return per_capita > family("financial_assets_limit", period)


class fails_residential(Variable):
    """Wording 不超过1套 (≤ 1)."""

    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "住宅超过1套"

    def formula(family, period, parameters):
        limit = parameters(period).property.max_residential_properties
        return family("counted_residential_properties", period) > limit


class fails_nonresidential(Variable):
    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "有非住宅房产"

    def formula(family, period, parameters):
        limit = parameters(period).property.max_nonresidential_properties
        return family("nonresidential_properties", period) > limit


class fails_vehicles(Variable):
    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "有机动车（代步车、摩托车、电动车除外）"

    def formula(family, period, parameters):
        # from 2026-01 one vehicle used to earn a living goes to a home visit (data_check.py)
        limit = parameters(period).property.max_motor_vehicles
        counted = family("counted_motor_vehicles", period)
        return counted - family("reviewed_livelihood_vehicles", period) > limit


class business_reviewable(Variable):
    """Every registration is micro, without employees, without luxury goods (→ home visit)."""

    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "市场主体登记可经入户核查认定（无雇工微型经营）"

    def formula(family, period, parameters):
        count = family("business_count", period)
        return (
            (count > 0)
            & (family("business_micro_count", period) == count)
            & (family("business_with_employees_count", period) == 0)
            & (family("business_luxury_count", period) == 0)
        )


class fails_business(Variable):
    """A registration that is not micro, has employees or sells luxury goods; or a visit
    that found the micro business was not what the data suggested."""

    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "有市场主体登记（不属于无雇工微型经营）"

    def formula(family, period, parameters):
        count = family("business_count", period)
        reviewable = family("business_reviewable", period)
        refuted = family("home_visit_business", period) == VisitFinding.refuted
        return (count > 0) & (~reviewable | refuted)


class business_visit_pending(Variable):
    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "市场主体登记待入户核查"

    def formula(family, period, parameters):
        business = family("home_visit_business", period)
        income = family("home_visit_income", period)
        cleared = (business == VisitFinding.confirmed) & (income == VisitFinding.confirmed)
        return family("business_reviewable", period) & ~cleared & ~family("fails_business", period)


class business_cleared_by_visit(Variable):
    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "入户核查已认定为无雇工微型经营、收入属实"

    def formula(family, period, parameters):
        return (
            family("business_reviewable", period)
            & ~family("fails_business", period)
            & ~family("business_visit_pending", period)
        )


class property_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "财产状况认定结果"

    def formula(family, period, parameters):
        fails = (
            family("fails_financial_assets", period)
            | family("fails_residential", period)
            | family("fails_nonresidential", period)
            | family("fails_vehicles", period)
            | family("fails_business", period)
        )
        pending = family("business_visit_pending", period) | family(
            "vehicle_visit_pending", period
        )
        return np.select(
            [fails, pending],
            [Status.ineligible.index, Status.needs_home_visit.index],
            Status.eligible.index,
        )
