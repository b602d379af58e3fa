"""The local dibao standard and the lines derived from it (yuan per person per month)."""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility import standard
from eligibility.entities import Family
from eligibility.enums import Area, StandardSource


class region(Variable):
    value_type = int
    entity = Family
    definition_period = MONTH
    label = "户籍所在地行政区划代码（6位）"


class area(Variable):
    value_type = Enum
    possible_values = Area
    default_value = Area.urban
    entity = Family
    definition_period = MONTH
    label = "城市 / 农村"


def _resolved(family, period, parameters, rural):
    node = parameters(period).dibao.standard
    return standard.resolve(node, family("region", period), rural)


class dibao_standard(Variable):
    """Own figure of the region, else its prefecture's, else its tier floor (issue 3)."""

    value_type = float
    entity = Family
    definition_period = MONTH
    label = "当地低保标准（元/人·月）"
    reference = "parameters/dibao/standard: 广东省2023年分档底线 [3P]; 广州市标准 [3P]"

    def formula(family, period, parameters):
        rural = family("area", period) == Area.rural
        return _resolved(family, period, parameters, rural)[0]


class dibao_standard_source(Variable):
    value_type = Enum
    possible_values = StandardSource
    default_value = StandardSource.tier_floor
    entity = Family
    definition_period = MONTH
    label = "低保标准来源"

    def formula(family, period, parameters):
        rural = family("area", period) == Area.rural
        return _resolved(family, period, parameters, rural)[1]


class dibao_standard_urban(Variable):
    """The urban standard of the region, whatever the family's area (asset limit base)."""

    value_type = float
    entity = Family
    definition_period = MONTH
    label = "当地城市低保标准（元/人·月）"
    reference = "粤府办〔2022〕3号: 金融资产以当地城市低保标准计 [3P]"

    def formula(family, period, parameters):
        rural = np.zeros(family.count, dtype=bool)
        return _resolved(family, period, parameters, rural)[0]


class marginal_line(Variable):
    value_type = float
    entity = Family
    definition_period = MONTH
    label = "低保边缘收入线（元/人·月）"
    reference = "parameters/marginal/income_multiple [V]"

    def formula(family, period, parameters):
        multiple = parameters(period).marginal.income_multiple
        return family("dibao_standard", period) * multiple


class tekun_standard(Variable):
    """≥ 1.6 × the dibao standard: rounded UP to whole yuan ([A] rounding, so never below
    1.6×; 857 × 1.6 = 1371.2 → 1372; 广州 1238 × 1.6 = 1980.8 → 1981). The product is first
    rounded to 1e-6 so that a float such as 1000 × 1.6 = 1600.0000000000002 stays 1600."""

    value_type = float
    entity = Family
    definition_period = MONTH
    label = "特困人员基本生活标准（元/人·月）"
    reference = "parameters/tekun/standard_multiple [3P]"

    def formula(family, period, parameters):
        multiple = parameters(period).tekun.standard_multiple
        return np.ceil(np.round(family("dibao_standard", period) * multiple, 6))
