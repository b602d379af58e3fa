"""Answers to policy questions without a family: the local standard and the lines built on it.

For the chat ("广州的低保标准是多少？"). Each answer is read from a one-family OpenFisca
simulation of the same variables the pre-check uses, so the two cannot disagree.
"""

from __future__ import annotations

import numpy as np
from openfisca_core import periods
from openfisca_core.simulation_builder import SimulationBuilder

from eligibility.bounds import period_problem
from eligibility.enums import Area, StandardSource
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


def _lines(region: str, area: str, period: str) -> dict[str, float | str]:
    """One-family simulation: the variables ``dibao_standard``, ``dibao_standard_source``,
    ``marginal_line`` and ``tekun_standard`` of a family in ``region``/``area``/``period``."""
    _check(region, area, period)
    system = tax_benefit_system()
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", np.arange(1))
    families = builder.declare_entity("family", np.arange(1))
    builder.join_with_persons(families, np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64))
    simulation = builder.build(system)
    month = periods.period(period)
    simulation.set_input("region", month, np.array([int(region)], dtype=np.int32))
    simulation.set_input("area", month, np.array([Area[area].index], dtype=np.int16))
    source = simulation.calculate("dibao_standard_source", month)
    return {
        "dibao_standard": float(simulation.calculate("dibao_standard", month)[0]),
        "source": StandardSource(source.decode()[0]).name,
        "marginal_line": float(simulation.calculate("marginal_line", month)[0]),
        "tekun_standard": float(simulation.calculate("tekun_standard", month)[0]),
    }


def dibao_standard(region: str, area: str, period: str) -> tuple[float, str]:
    """``(yuan per person per month, source)`` where source is ``region``, ``prefecture`` or
    ``tier_floor`` (the variables ``dibao_standard``/``dibao_standard_source``;
    parameters/dibao/standard; RULES.md § Guangdong).

    :raises InvalidInput: bad region code, area or period.
    """
    lines = _lines(region, area, period)
    return float(lines["dibao_standard"]), str(lines["source"])


def marginal_line(region: str, area: str, period: str) -> float:
    """低保边缘 income line (the variable ``marginal_line``: 1.5 × the standard [V]),
    yuan/person/month, rounded to the fen; income must be below it.

    :raises InvalidInput: bad region code, area or period.
    """
    return round(float(_lines(region, area, period)["marginal_line"]), 2)


def tekun_standard(region: str, area: str, period: str) -> float:
    """特困 basic living standard (the variable ``tekun_standard``: ≥ 1.6 × the standard,
    rounded up to whole yuan [A]), yuan/person/month.

    :raises InvalidInput: bad region code, area or period.
    """
    return float(_lines(region, area, period)["tekun_standard"])


def property_limits(period: str) -> dict[str, float]:
    """The property test's limits in ``period`` (粤府办〔2022〕3号 [3P], see the YAML):
    ``financial_assets_multiple`` (× local urban standard, per person), and the most
    residential, non-residential properties and motor vehicles a family may hold."""
    p = tax_benefit_system().parameters(periods.period(period)).property
    names = ("financial_assets_multiple", "max_residential_properties",
             "max_nonresidential_properties", "max_motor_vehicles")  # fmt: skip
    return {name: float(p[name]) for name in names}
