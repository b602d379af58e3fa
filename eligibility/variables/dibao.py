"""最低生活保障 (dibao): income below the local standard and the property test; the gap amount.

Status codes: :class:`eligibility.enums.Status`; amounts yuan per month.
"""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family
from eligibility.enums import Status
from eligibility.statuses import ELIGIBLE, PENDING, combine


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
    reference = (
        "最低生活保障审核确认办法 [V]; 粤府办〔2022〕3号 财产认定 [3P] ([A] 低保沿用); "
        "2026-01-01 起 广东省低保家庭经济状况核对和生活状况综合评估办法 [3P]"
    )

    def formula(family, period, parameters):
        # from 2026-01, income from the standard up to the minimum wage passes the data check
        # and waits for the home visit (data_check.py); never eligible on the data alone
        band = family("dibao_data_check_band", period)
        income_ok = family("dibao_income_test", period) | band
        status = combine(income_ok, family("property_status", period))
        return np.where(band & (status == ELIGIBLE), PENDING, status)


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
