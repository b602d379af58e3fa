"""What changes a member's countable income besides the exempt kinds: deductions and refused work.

- Deductions (审核确认办法 art. 13 [V]): extra costs of disability or serious illness, and
  employment costs, may be deducted. No cap was found: none is applied (RULES.md gives no figure).
- Refused work ([3P], RULES.md § Income): an able working-age member who refuses work without
  good reason has income counted at the local minimum wage. "Able working-age" is read as not
  unable to work under 特困人员认定办法 art. 7 (16–59, not severely disabled); the refusal itself
  is a caseworker's finding (``refuses_work``).

Amounts are yuan per month.
"""

import numpy as np
from openfisca_core.model_api import MONTH, Variable

from eligibility.entities import Person
from eligibility.kinds import DEDUCTION_KINDS

_DEDUCTION_RULE = (
    "最低生活保障审核确认办法 第13条 [V]: 因残疾、患重病增加的刚性支出、必要的就业成本可适当扣减"
)


class deduction_disability_costs(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "可扣减的因残疾增加的刚性支出（元/月）"
    reference = _DEDUCTION_RULE


class deduction_illness_costs(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "可扣减的因患重病增加的刚性支出（元/月）"
    reference = _DEDUCTION_RULE


class deduction_employment_costs(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "可扣减的必要的就业成本（元/月）"
    reference = _DEDUCTION_RULE


class income_deductions(Variable):
    """Sum of the member's deductions; no cap ([A]: none found)."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "收入扣减合计（元/月）"
    reference = "最低生活保障审核确认办法 第13条 [V]; 扣减上限: 未找到, 不设 [A]"

    def formula(person, period, parameters):
        return sum(person(f"deduction_{name}", period) for name in DEDUCTION_KINDS)


class refuses_work(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "有劳动能力但无正当理由拒绝就业（工作人员认定）"
    reference = "广东省最低生活保障制度实施办法（省政府令第262号）[3P]"


class income_counted_at_minimum_wage(Variable):
    """Refuses work and is not unable to work (特困人员认定办法 art. 7): income ≥ minimum wage."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "按当地最低工资标准计算收入"
    reference = (
        "广东省最低生活保障制度实施办法（省政府令第262号）[3P]: "
        "无正当理由拒绝就业的, 按最低工资标准计算收入"
    )

    def formula(person, period, parameters):
        return person("refuses_work", period) & ~person("unable_to_work", period)


class imputed_minimum_income(Variable):
    """The least countable income of the member: the local minimum wage when counted so, else 0."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "计算收入下限（元/月）"

    def formula(person, period, parameters):
        counted = person("income_counted_at_minimum_wage", period)
        return np.where(counted, person.family("minimum_wage", period), 0)
