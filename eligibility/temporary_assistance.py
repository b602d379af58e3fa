"""临时救助 in figures: the criteria of its 支出型 kind, read from the parameters.

The chat explains 临时救助 rather than pre-checking it (its amounts are set by counties and
an emergency is assessed by a caseworker), so this module only hands out the figures the
explanation names (``parameters/temporary_assistance``, RULES.md § 临时救助 and
§ Spending-based hardship).
"""

from __future__ import annotations

from dataclasses import dataclass

from openfisca_core import periods

from eligibility.bounds import period_problem
from eligibility.system import tax_benefit_system
from jiuzhu.errors import InvalidInput


@dataclass(frozen=True)
class SpendingCriteria:
    """支出型临时救助's test in ``period`` [3P].

    :ivar spending_share: medical, education, rehabilitation, disaster or accident spending
        must reach this share of the household's annual income (0.6 = 60 %).
    :ivar income_months: the months of income averaged (the previous 12).
    """

    spending_share: float
    income_months: int

    @property
    def spending_percent(self) -> int:
        """:attr:`spending_share` in whole per cent (60)."""
        return round(self.spending_share * 100)


def spending_criteria(period: str) -> SpendingCriteria:
    """The 支出型 criteria in force in ``period`` (a month, ``"2026-12"``).

    :raises InvalidInput: a period outside the months the rules accept.
    """
    problem = period_problem(period)
    if problem:
        raise InvalidInput(f"period: {problem}")
    p = tax_benefit_system().parameters(periods.period(period)).temporary_assistance
    return SpendingCriteria(float(p.spending_share), int(p.income_months))
