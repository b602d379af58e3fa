"""The 2026-01-01 data-check stage [3P]
(《广东省最低生活保障家庭经济状况核对和生活状况综合评估办法》).

Read for the pre-check (RULES.md § From 2026-01-01): from 2026-01 a family whose per-capita
income is at or above the dibao standard but at most the local minimum wage passes the data
check and needs a home visit for dibao (the living-situation assessment decides, its scoring
is not known), and a single vehicle used to earn a living is reviewed on that visit instead of
refused. Before 2026-01 the parameters switch both off, so nothing changes.
"""

import numpy as np
from openfisca_core.model_api import MONTH, Variable

from eligibility.entities import Family


class dibao_data_check_in_force(Variable):
    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "核对阶段收入上限为当地月最低工资标准（2026年1月1日起）"
    reference = "parameters/dibao/data_check/income_up_to_minimum_wage [3P]"

    def formula(family, period, parameters):
        in_force = parameters(period).dibao.data_check.income_up_to_minimum_wage
        return np.full(family.count, bool(in_force))


class dibao_data_check_band(Variable):
    """Not below the standard (≥) and not above the minimum wage (不超过: ≤), rules of 2026."""

    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "人均收入不低于低保标准、不超过当地月最低工资标准（通过核对, 待入户评估）"
    reference = "《广东省最低生活保障家庭经济状况核对和生活状况综合评估办法》(2026-01-01) [3P]"

    def formula(family, period, parameters):
        income = family("per_capita_income", period)
        return (
            family("dibao_data_check_in_force", period)
            & (income >= family("dibao_standard", period))
            & (income <= family("minimum_wage", period))
        )


class livelihood_vehicles(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "名下机动车中用于谋生的数量"
    reference = "《广东省最低生活保障家庭经济状况核对和生活状况综合评估办法》(2026-01-01) [3P]"


class reviewed_livelihood_vehicles(Variable):
    """Counted motor vehicles used to earn a living, up to the number the rules review
    (0 before 2026-01, 1 from then)."""

    value_type = int
    entity = Family
    definition_period = MONTH
    label = "用于谋生、改为入户核查的机动车数"
    reference = "parameters/property/livelihood_vehicles_reviewed [3P]"

    def formula(family, period, parameters):
        most = parameters(period).property.livelihood_vehicles_reviewed
        used = np.minimum(
            family("livelihood_vehicles", period), family("counted_motor_vehicles", period)
        )
        return np.minimum(used, most)


class vehicle_visit_pending(Variable):
    value_type = bool
    entity = Family
    definition_period = MONTH
    label = "用于谋生的车辆待入户核查"

    def formula(family, period, parameters):
        reviewed = family("reviewed_livelihood_vehicles", period) > 0
        return reviewed & ~family("fails_vehicles", period)
