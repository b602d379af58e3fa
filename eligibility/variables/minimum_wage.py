"""The local monthly minimum wage (广东省月最低工资标准, [A] figures; RULES.md § 2026-01-01)."""

import numpy as np
from openfisca_core.model_api import MONTH, Variable

from eligibility.entities import Family


class minimum_wage(Variable):
    """Yuan per month of the class of the family's prefecture (``parameters/minimum_wage``)."""

    value_type = float
    entity = Family
    definition_period = MONTH
    label = "当地月最低工资标准（元/月）"
    reference = "parameters/minimum_wage: 广东省最低工资标准 2021-12-01, 2025-03-01 [A]"

    def formula(family, period, parameters):
        p = parameters(period).minimum_wage
        prefectures = np.char.add("p", (family("region", period) // 100).astype(str))
        classes = p.prefecture_class[prefectures]
        return p.monthly[classes]
