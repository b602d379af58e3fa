"""Countable income (审核确认办法 art. 13 [V]; 特困人员认定办法 [V]), per capita.

The income inputs are per **calendar month**: ``monthly_income`` is a person's income in that
month and ``income_<kind>`` how much of it is of that kind (made from
:data:`eligibility.kinds.INCOME_KINDS` in ``eligibility/system.py``). The income counted for a
month is the average over the ``dibao.income.averaging_months`` (6) months before it
(广东 省政府令第262号 [3P]); the kinds ``dibao.income.exempt`` / ``tekun.income_exempt`` mark
are taken out. Both inputs take a value given for several months as that value in each month
(``set_input_dispatch_by_period``), so ``month:2024-01:6: 800`` means 800 in each of 6 months.
"""

from functools import cache

import numpy as np
from openfisca_core import periods
from openfisca_core.model_api import ADD, MONTH, Variable, set_input_dispatch_by_period

from eligibility.entities import Family, Person


class monthly_income(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    set_input = set_input_dispatch_by_period
    label = "当月收入（元）"
    reference = "最低生活保障审核确认办法 第13条 [V]"


def averaging_window(period, parameters):
    """``(months, n)``: the ``n`` months before ``period`` (省政府令第262号 [3P])."""
    n = int(parameters(period).dibao.income.averaging_months)
    return _window(period, n), n


@cache
def _window(period, n):
    """The ``n`` months before ``period`` as one period. Cached: OpenFisca's period arithmetic
    (pendulum) costs more than the averaging itself, and a pre-check asks ~20 times."""
    return periods.period(f"month:{period.offset(-n, MONTH).start}:{n}")


@cache
def _months(window):
    """The months of ``window``, oldest first (cached like :func:`_window`)."""
    return tuple(window.get_subperiods(MONTH))


def _average(person, name, period, parameters):
    """Mean of ``name`` over the averaging window: the same sum as ``options=[ADD]`` (month
    by month, oldest first), but an input variable (no formula: ``monthly_income``,
    ``income_<kind>``) is read from its holder, where ``set_input`` put it, instead of through
    one ``calculate`` per month; a month without input counts its default, as there."""
    window, n = averaging_window(period, parameters)
    variable = person.simulation.tax_benefit_system.get_variable(name, check_existence=True)
    if variable.formulas:
        return person(name, window, options=[ADD]) / n
    holder = person.get_holder(name)
    total = 0
    for month in _months(window):
        values = holder.get_array(month)
        total = total + (holder.default_array() if values is None else values)
    return total / n


def _average_exempt(person, period, parameters, exempt):
    return sum(
        (
            _average(person, f"income_{kind}", period, parameters)
            for kind in exempt
            if exempt[kind]
        ),
        np.zeros(person.count),
    )


class average_monthly_income(Variable):
    """Mean of ``monthly_income`` over the averaging window before the period (yuan/month)."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "月均收入（申请前6个月平均, 元/月）"
    reference = "广东省最低生活保障制度实施办法（省政府令第262号）[3P]; parameters/dibao/income"

    def formula(person, period, parameters):
        return _average(person, "monthly_income", period, parameters)


class average_earned_income(Variable):
    """Mean wage and business income over the averaging window (yuan/month): whether a member
    works, for the 单独纳入 route of adults with severe disability and no job."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "月均工资性、经营性收入（元/月）"

    def formula(person, period, parameters):
        return sum(_average(person, f"income_{kind}", period, parameters)
                   for kind in ("wage", "business"))


class countable_income(Variable):
    """Average income minus the kinds 审核确认办法 art. 13 excludes and the deductions, never
    below 0; at least the minimum wage for a member who refuses work (``income_adjustments``)."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "低保计算收入（元/月）"
    reference = ("最低生活保障审核确认办法 第13条 [V]; parameters/dibao/income/exempt; "
                 "省政府令第262号 [3P]")

    def formula(person, period, parameters):
        exempt = parameters(period).dibao.income.exempt
        excluded = _average_exempt(person, period, parameters, exempt)
        net = (person("average_monthly_income", period) - excluded
               - person("income_deductions", period))
        return np.maximum(np.maximum(net, 0), person("imputed_minimum_income", period))


class tekun_countable_income(Variable):
    """Average income minus the kinds 特困人员认定办法 excludes; never below 0."""

    value_type = float
    entity = Person
    definition_period = MONTH
    label = "特困认定计算收入（元/月）"
    reference = "特困人员认定办法 第8条 [V]; parameters/tekun/income_exempt"

    def formula(person, period, parameters):
        exempt = parameters(period).tekun.income_exempt
        excluded = _average_exempt(person, period, parameters, exempt)
        return np.maximum(person("average_monthly_income", period) - excluded, 0)


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
