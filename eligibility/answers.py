"""The figures behind an answer about one programme: conditions, process, review, amounts.

For the chat's policy answers ("特困人员条件", "申请低保要多久", "连山的低保标准是多少"): every
number is read from the parameters in force in the month asked about, the local standards
from the same one-family simulation as the pre-check (:mod:`eligibility.policy`), so an
answer and a pre-check cannot disagree. Sources: RULES.md, cited in each parameter file.
"""

from __future__ import annotations

from typing import Any

from openfisca_core import periods

from eligibility.policy import dibao_standard, marginal_line, property_limits, tekun_standard
from eligibility.result import PROGRAMS
from eligibility.system import tax_benefit_system

TOPICS = ("conditions", "materials", "process", "amounts", "review")
"""What a policy question may be about (``nlu/lexicons.yml``'s ``policy_topics``)."""


def _value(parameter: Any) -> float | bool:
    return parameter if isinstance(parameter, bool) else float(parameter)


def rule_figures(period: str) -> dict[str, Any]:
    """The rule figures of ``period`` (``"2026-12"``) an answer may quote, by parameter group:
    ``tekun`` (``standard_multiple``, ``unable_to_work`` ages and grades), ``marginal``
    (``income_multiple``), ``single`` (dibao alone: grades, share of the standard),
    ``disability`` (subsidies, yuan/month, ``care_max_grade``), ``property`` (limits),
    ``process`` (working days; ``public_notice_days`` calendar days), ``review`` (months,
    ``job_refusals`` a count) and ``averaging_months`` (income averaged over).

    :raises InvalidInput: never; a period without parameters raises OpenFisca's
        ``ParameterNotFoundError``.
    """
    p = tax_benefit_system().parameters(periods.period(period).start)

    def group(node: Any) -> dict[str, Any]:
        return {name: _value(node[name]) for name in node}

    return {
        "tekun": {"standard_multiple": float(p.tekun.standard_multiple),
                  "unable_to_work": group(p.tekun.unable_to_work)},
        "marginal": {"income_multiple": float(p.marginal.income_multiple)},
        "single": group(p.dibao.single),
        "disability": {"living_subsidy": float(p.disability.living_subsidy),
                       "care_subsidy": float(p.disability.care_subsidy),
                       "care_max_grade": float(p.disability.care_max_grade)},
        "property": property_limits(period),
        "process": group(p.process),
        "review": group(p.review),
        "averaging_months": float(p.dibao.income.averaging_months),
    }  # fmt: skip


def floor_since(period: str) -> str:
    """The year from which the provincial floors in force in ``period`` apply (``"2023"``):
    the newest start date among ``dibao.standard.tier_floor``'s values up to ``period``."""
    node = tax_benefit_system().parameters.dibao.standard.tier_floor
    start = str(periods.period(period).start)
    starts = [
        value.instant_str
        for tier in node.children.values()
        for area in tier.children.values()
        for value in area.values_list
        if value.instant_str <= start
    ]
    return max(starts)[:4]


def local_figures(region: str, areas: list[str], period: str) -> list[dict[str, Any]]:
    """Per area of ``region`` in ``period``: ``standard`` and ``marginal``, ``tekun`` lines
    (yuan/person/month) and ``source``: ``region`` or ``prefecture`` (the city's or county's
    own published standard) or ``tier_floor`` (the provincial floor, as no local figure was
    found; RULES.md § floors).

    :raises InvalidInput: bad region code, area or period.
    """
    figures = []
    for area in areas:
        standard, source = dibao_standard(region, area, period)
        figures.append({
            "area": area, "standard": standard, "source": source,
            "marginal": marginal_line(region, area, period),
            "tekun": tekun_standard(region, area, period),
        })  # fmt: skip
    return figures


def known_program(code: str | None) -> str:
    """``code`` if the rules cover it (:data:`eligibility.result.PROGRAMS`), else ``dibao``
    (a question naming no programme, or one the pre-check does not cover, is about dibao)."""
    return code if code in PROGRAMS else "dibao"
