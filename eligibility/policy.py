"""Answers to policy questions without a family: the local standard and the lines built on it.

For the chat ("广州的低保标准是多少？"). Same parameters and resolution order as the pre-check.
"""

from __future__ import annotations

from openfisca_core import periods

from eligibility import standard
from eligibility.bounds import period_problem
from eligibility.regions import is_guangdong_code
from eligibility.system import tax_benefit_system
from jiuzhu.errors import InvalidInput


def _check(region: str, area: str, period: str) -> None:
    if not is_guangdong_code(region):
        msg = f"region: expected a Guangdong 6-digit code like 440106, got {region!r}"
        raise InvalidInput(msg)
    if area not in {"urban", "rural"}:
        msg = f"area: expected 'urban' or 'rural', got {area!r}"
        raise InvalidInput(msg)
    problem = period_problem(period)
    if problem:
        raise InvalidInput(f"period: {problem}")


def dibao_standard(region: str, area: str, period: str) -> tuple[float, str]:
    """``(yuan per person per month, source)`` where source is ``region``, ``prefecture`` or
    ``tier_floor`` (parameters/dibao/standard; RULES.md § Guangdong).

    :raises InvalidInput: bad region code, area or period.
    """
    _check(region, area, period)
    node = tax_benefit_system().parameters(periods.period(period).start).dibao.standard
    value, source = standard.resolve_one(node, int(region), area == "rural")
    return value, standard.SOURCES[source]


def marginal_line(region: str, area: str, period: str) -> float:
    """低保边缘 income line: 1.5 × the standard (yuan/person/month; income must be below it)."""
    value, _ = dibao_standard(region, area, period)
    p = tax_benefit_system().parameters(periods.period(period).start)
    return round(value * float(p.marginal.income_multiple), 2)


def tekun_standard(region: str, area: str, period: str) -> float:
    """特困 basic living standard: 1.6 × the standard, whole yuan ([A] rounding)."""
    value, _ = dibao_standard(region, area, period)
    p = tax_benefit_system().parameters(periods.period(period).start)
    return float(int(value * float(p.tekun.standard_multiple) + 0.5))


def property_limits(period: str) -> dict[str, float]:
    """The property test's limits in ``period`` (粤府办〔2022〕3号 [3P], see the YAML):
    ``financial_assets_multiple`` (× local urban standard, per person), and the most
    residential, non-residential properties and motor vehicles a family may hold."""
    p = tax_benefit_system().parameters(periods.period(period)).property
    names = ("financial_assets_multiple", "max_residential_properties",
             "max_nonresidential_properties", "max_motor_vehicles")  # fmt: skip
    return {name: float(p[name]) for name in names}
