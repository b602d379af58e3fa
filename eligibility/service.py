"""Evaluate situations with ONE OpenFisca simulation per month, however many families.

``evaluate(situations)`` → ``list[PrecheckResult]``. Families are laid out as arrays
(:class:`SituationArrays`); the rules run once over all of them (:func:`simulate`); only the
final formatting of reasons walks families one by one. A batch that needs no per-family
objects (periodic review of a million families) uses :func:`simulate` on arrays and reads the
columns of :class:`BatchResult` directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from openfisca_core import periods
from openfisca_core.simulation_builder import SimulationBuilder

from eligibility import reasons as reason_rules
from eligibility.entities import ROLE_KEYS
from eligibility.enums import Area, DisabilityCategory, StandardSource, Status, VisitFinding
from eligibility.kinds import DEDUCTION_KINDS, VEHICLE_KINDS
from eligibility.result import PROGRAMS, Flag, PrecheckResult, ProgramResult, Reason
from eligibility.situation import Situation
from eligibility.system import RULES_VERSION, tax_benefit_system

STATUS_NAMES: tuple[str, ...] = tuple(s.name for s in Status)
SOURCE_NAMES: tuple[str, ...] = tuple(s.name for s in StandardSource)
_CATEGORY_INDEX = {c.name: c.index for c in DisabilityCategory}

FAMILY_OUTPUTS: tuple[str, ...] = (
    "household_size", "per_capita_income", "dibao_standard", "dibao_standard_source",
    "dibao_standard_urban", "marginal_line", "tekun_standard", "financial_assets_per_capita",
    "financial_assets_limit", "counted_residential_properties", "nonresidential_properties",
    "counted_motor_vehicles", "business_count", "fails_financial_assets", "fails_residential",
    "fails_nonresidential", "fails_vehicles", "fails_business", "business_reviewable",
    "business_visit_pending", "business_cleared_by_visit", "property_status",
    "dibao_income_test", "marginal_income_test", "residential_properties",
    "exempt_residential_properties",
    "dibao_status", "dibao_amount", "low_income_marginal_status",
    "dibao_single_status", "dibao_single_amount", "tekun_status", "tekun_amount",
    "disability_living_subsidy_status", "disability_living_subsidy_amount",
    "disability_care_subsidy_status", "disability_care_subsidy_amount",
    "medical_insurance_subsidy_status", "low_income_marginal_amount",
    "medical_insurance_subsidy_amount",
    "minimum_wage", "dibao_data_check_in_force", "dibao_data_check_band",
    "vehicle_visit_pending", "reviewed_livelihood_vehicles",
)
PERSON_OUTPUTS: tuple[str, ...] = (
    "dibao_single_person_status", "tekun_person_status",
    "disability_living_subsidy_person_status", "disability_care_subsidy_person_status",
    "medical_insurance_subsidy_person_status", "medical_full_subsidy",
    "unable_to_work", "has_supporter", "tekun_income_test", "severe_for_single_inclusion",
    "is_disabled", "age", "disability_grade", "disability_category", "serious_illness",
    "average_monthly_income", "tekun_countable_income", "low_income_marginal_person_status",
    "income_counted_at_minimum_wage", "severe_adult_without_job",
    "dibao_single_marginal_person_status", "dibao_single_adult_person_status",
    "orphan_or_unsupported_child",
)
_ENUM_DECODE = {"dibao_standard_source": SOURCE_NAMES}


@dataclass
class SituationArrays:
    """Families of one month as columns.

    ``family``: variable name → array of length F; ``person``: variable name → length P,
    persons of a family contiguous and in family order, set for ``period``;
    ``person_months``: month ``"YYYY-MM"`` → variable name → length P, set for that month
    (the per-month income inputs ``monthly_income`` and ``income_<kind>``: the rules average
    the :func:`income_window` before ``period``); ``person_family``: family index of each
    person (int, non-decreasing); ``person_role``: index into
    :data:`eligibility.entities.ROLE_KEYS`. Variables left out take their defaults.
    """

    period: str
    family: dict[str, np.ndarray]
    person: dict[str, np.ndarray]
    person_family: np.ndarray
    person_role: np.ndarray
    situations: Sequence[Situation] | None = None
    person_months: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def family_count(self) -> int:
        return len(self.family["region"])


def income_window(period: str) -> list[str]:
    """The months whose income the rules average for ``period`` (``"YYYY-MM"``), oldest first:
    the ``dibao.income.averaging_months`` months before it (省政府令第262号 [3P])."""
    return list(_income_window(period))


@cache
def _income_window(period: str) -> tuple[str, ...]:
    """:func:`income_window`, cached: the parameters are loaded once per process
    (:func:`tax_benefit_system`), so the window of a period never changes, and a pre-check
    asks for it three times (pendulum period arithmetic each time)."""
    from eligibility.variables.income import averaging_window

    system = tax_benefit_system()
    window, _ = averaging_window(_period(period), system.get_parameters_at_instant)
    return tuple(str(month) for month in window.get_subperiods(periods.DateUnit.MONTH))


@cache
def _period(text: str) -> periods.Period:
    """``periods.period(text)``, cached: parsing goes through pendulum (~60 µs, ~50 times a
    pre-check: one per month of income input); a Period is an immutable tuple."""
    return periods.period(text)


def _income_months(
    members: list[tuple[int, Any]], period: str
) -> dict[str, dict[str, np.ndarray]]:
    """Per-month income inputs: a member's average (``monthly_income``) in each month of the
    window, or the amounts of ``income_months`` (facts of the database path)."""
    months = sorted({*income_window(period), *(k for _, m in members for k in m.income_months)})
    kinds = sorted({k for _, m in members for k in m.income_kinds}
                   | {k for _, m in members for v in m.income_months.values() for k in v})
    window = set(income_window(period))
    out: dict[str, dict[str, np.ndarray]] = {}
    for month in months:

        def kinds_of(m: Any, month: str = month) -> dict[str, float]:
            if m.income_months:
                return m.income_months.get(month, {})
            return m.income_kinds if month in window else {}

        def total_of(m: Any, month: str = month) -> float:
            if m.income_months:
                return sum(m.income_months.get(month, {}).values())
            return m.monthly_income if month in window else 0.0

        columns = {"monthly_income": np.array([total_of(m) for _, m in members], dtype=float)}
        for kind in kinds:
            columns[f"income_{kind}"] = np.array(
                [kinds_of(m).get(kind, 0.0) for _, m in members], dtype=float)
        out[month] = columns
    return out


def situations_to_arrays(situations: Sequence[Situation]) -> SituationArrays:
    """Lay out situations of the same period as :class:`SituationArrays`.

    A member's ``monthly_income`` (an average) is set in each month of the
    :func:`income_window`; ``income_months`` are set month by month. Caseworker findings
    (``able_to_work: false``, ``has_supporter``) become the ``declared_*`` inputs.

    :raises ValueError: when the situations do not share one period.
    """
    periods_seen = {s.period for s in situations}
    if len(periods_seen) != 1:
        msg = f"expected situations of one period, got {sorted(periods_seen)}"
        raise ValueError(msg)
    members = [(i, m) for i, s in enumerate(situations) for m in s.members]
    role_index = {key: n for n, key in enumerate(ROLE_KEYS)}
    person: dict[str, np.ndarray] = {
        "birth_date": np.array([m.birth_date for _, m in members], dtype="datetime64[D]"),
        "disability_grade": np.array([m.disability.grade if m.disability else 0
                                      for _, m in members], dtype=np.int32),
        "disability_category": np.array(
            [_CATEGORY_INDEX[m.disability.category] if m.disability else 0
             for _, m in members], dtype=np.int16),
        "serious_illness": np.array([m.serious_illness for _, m in members], dtype=bool),
        "student": np.array([m.student for _, m in members], dtype=bool),
        "declared_unable_to_work": np.array(
            [m.able_to_work is False for _, m in members], dtype=bool),
        "declared_supporter_outside_household": np.array(
            [m.has_supporter is True for _, m in members], dtype=bool),
        "declared_no_supporter": np.array(
            [m.has_supporter is False for _, m in members], dtype=bool),
        "refuses_work": np.array([m.refuses_work for _, m in members], dtype=bool),
        "employed": np.array([m.employed for _, m in members], dtype=bool),
        "orphan": np.array([m.orphan for _, m in members], dtype=bool),
        "child_without_carer": np.array([m.child_without_carer for _, m in members], dtype=bool),
    }
    for name in DEDUCTION_KINDS:
        person[f"deduction_{name}"] = np.array(
            [getattr(m.deductions, name) for _, m in members], dtype=float)

    def visit(s: Situation, name: str) -> int:
        value = getattr(s.home_visit, name) if s.home_visit else None
        finding = {None: VisitFinding.not_recorded, True: VisitFinding.confirmed,
                   False: VisitFinding.refuted}[value]
        return finding.index

    def column(values: list[Any], dtype: Any) -> np.ndarray:
        return np.array(values, dtype=dtype)

    family: dict[str, np.ndarray] = {
        "region": column([int(s.region) for s in situations], np.int32),
        "area": column([Area[s.area].index for s in situations], np.int16),
        "residential_properties": column(
            [s.assets.residential_properties for s in situations], np.int32),
        "exempt_residential_properties": column(
            [s.assets.exempt_residential_properties for s in situations], np.int32),
        "nonresidential_properties": column(
            [s.assets.nonresidential_properties for s in situations], np.int32),
        "financial_assets": column([s.assets.financial_assets for s in situations], float),
        "livelihood_vehicles": column(
            [s.assets.livelihood_vehicles for s in situations], np.int32),
        "business_count": column(
            [len(s.assets.business_registrations) for s in situations], np.int32),
        "business_micro_count": column(
            [sum(b.kind == "micro" for b in s.assets.business_registrations)
             for s in situations], np.int32),
        "business_with_employees_count": column(
            [sum(b.employees > 0 for b in s.assets.business_registrations)
             for s in situations], np.int32),
        "business_luxury_count": column(
            [sum(b.luxury_goods for b in s.assets.business_registrations)
             for s in situations], np.int32),
        "home_visit_business": column(
            [visit(s, "business_confirmed_micro") for s in situations], np.int16),
        "home_visit_income": column(
            [visit(s, "income_confirmed") for s in situations], np.int16),
    }
    for kind in VEHICLE_KINDS:
        family[f"vehicles_{kind}"] = column(
            [s.assets.vehicles.count(kind) for s in situations], np.int32)
    period = next(iter(periods_seen))
    return SituationArrays(
        period=period,
        family=family,
        person=person,
        person_family=np.array([i for i, _ in members], dtype=np.int64),
        person_role=np.array([role_index[m.relation] for _, m in members], dtype=np.int64),
        situations=situations,
        person_months=_income_months(members, period),
    )


@dataclass
class BatchResult:
    """Columns computed by one simulation: ``family[name]`` (F) and ``person[name]`` (P).

    Enum columns hold integer indices (:data:`STATUS_NAMES`, :data:`SOURCE_NAMES`).
    """

    arrays: SituationArrays
    family: dict[str, np.ndarray]
    person: dict[str, np.ndarray]
    figures: dict[str, float]
    offsets: np.ndarray = field(repr=False)

    def status_names(self, program: str) -> np.ndarray:
        """Family status of ``program`` as an array of names."""
        return np.asarray(STATUS_NAMES)[self.family[f"{program}_status"]]

    def result(self, i: int) -> PrecheckResult:
        """The :class:`PrecheckResult` of family ``i`` (needs the situations)."""
        situations = self.arrays.situations
        if situations is None:
            msg = "results need the situations; this batch was built from bare arrays"
            raise ValueError(msg)
        return _family_result(_FamilyView(self, i, situations[i]), situations[i])

    def results(self) -> list[PrecheckResult]:
        """Every family's :class:`PrecheckResult`, in input order."""
        return [self.result(i) for i in range(self.arrays.family_count)]


def simulate(arrays: SituationArrays) -> BatchResult:
    """Run the rules once over every family in ``arrays``.

    :raises KeyError: when a region has no standard (not a Guangdong code).
    """
    system = tax_benefit_system()
    n_families = arrays.family_count
    n_persons = len(arrays.person_family)
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", np.arange(n_persons))
    families = builder.declare_entity("family", np.arange(n_families))
    builder.join_with_persons(families, arrays.person_family, arrays.person_role)
    simulation = builder.build(system)
    period = _period(arrays.period)
    for name, values in arrays.person.items():
        when = _period("eternity") if name == "birth_date" else period
        simulation.set_input(name, when, values)
    for name, values in arrays.family.items():
        simulation.set_input(name, period, values)
    for month, columns in arrays.person_months.items():
        for name, values in columns.items():
            simulation.set_input(name, _period(month), values)

    def column(name: str) -> np.ndarray:
        values = simulation.calculate(name, period)
        return np.asarray(getattr(values, "view", lambda *_: values)(np.ndarray))

    family = {name: column(name) for name in FAMILY_OUTPUTS}
    person = {name: column(name) for name in PERSON_OUTPUTS}
    p = system.parameters(period.start)
    figures = {
        "financial_assets_multiple": float(p.property.financial_assets_multiple),
        "max_residential_properties": int(p.property.max_residential_properties),
        "max_nonresidential_properties": int(p.property.max_nonresidential_properties),
        "max_motor_vehicles": int(p.property.max_motor_vehicles),
        "living_subsidy": float(p.disability.living_subsidy),
        "care_subsidy": float(p.disability.care_subsidy),
        **{f"{code}_pays_cash": bool(p.cash_benefit[code]) for code in PROGRAMS},
    }
    offsets = np.searchsorted(arrays.person_family, np.arange(n_families + 1))
    return BatchResult(arrays, family, person, figures, offsets)


class _FamilyView:
    """Scalars of family ``i`` for :mod:`eligibility.reasons` (formatting only, no rules)."""

    def __init__(self, batch: BatchResult, i: int, situation: Situation) -> None:
        self._batch = batch
        self._i = i
        self._slice = slice(int(batch.offsets[i]), int(batch.offsets[i + 1]))
        self.member_ids = [m.id for m in situation.members]
        self.situation = situation  # the records a reason names (input only, never a rule)

    def __getattr__(self, name: str) -> Any:
        batch = self._batch
        if name in batch.figures:
            return batch.figures[name]
        value = batch.family[name][self._i]
        if name.endswith("_status"):
            return STATUS_NAMES[int(value)]
        if name in _ENUM_DECODE:
            return _ENUM_DECODE[name][int(value)]
        return value.item() if hasattr(value, "item") else value

    def person_mask(self, name: str) -> np.ndarray:
        return np.asarray(self._batch.person[name][self._slice], dtype=bool)

    def person_values(self, name: str) -> dict[str, Any]:
        """Member id → the member's value of person variable ``name`` (enums as names)."""
        values = self._batch.person[name][self._slice]
        if name == "disability_category":
            decode = [c.name for c in DisabilityCategory]
            return {m: decode[int(v)] for m, v in zip(self.member_ids, values, strict=True)}
        if name.endswith("_status"):
            return {m: STATUS_NAMES[int(v)] for m, v in zip(self.member_ids, values, strict=True)}
        return {m: v.item() for m, v in zip(self.member_ids, values, strict=True)}

    def any_person(self, name: str) -> bool:
        return bool(self.person_mask(name).any())

    def members_where(self, name: str) -> list[str]:
        """Ids of the members for whom the person variable ``name`` (bool) is true."""
        mask = self.person_mask(name)
        return [m for m, yes in zip(self.member_ids, mask, strict=True) if yes]

    def members_with(self, program: str) -> list[str]:
        """Members whose own status in ``program`` equals the family's (eligible or visit)."""
        column = ("medical_full_subsidy" if program == "medical_full"
                  else f"{program}_person_status")
        statuses = self._batch.person[column][self._slice]
        wanted = (Status.eligible.index if (statuses == Status.eligible.index).any()
                  else Status.needs_home_visit.index)
        return [m for m, s in zip(self.member_ids, statuses, strict=True) if s == wanted]


def _family_result(f: _FamilyView, situation: Situation) -> PrecheckResult:
    programs: dict[str, ProgramResult] = {}
    for code in PROGRAMS:
        status = getattr(f, f"{code}_status")
        reasons = [Reason(**r) for r in reason_rules.BY_PROGRAM[code](f)]
        if status == "needs_home_visit":  # a program waiting on the family's visit says why
            given = {r.code for r in reasons}
            reasons += [Reason(**r) for r in reason_rules.pending_reasons(f, code)
                        if r["code"] not in given]
        if status == "ineligible":
            members: list[str] = []
        elif code == "dibao":
            members = list(f.member_ids)
        else:
            members = f.members_with(code)
        paid = getattr(f, f"{code}_pays_cash")  # parameters/cash_benefit
        amount = round(float(getattr(f, f"{code}_amount")), 2) if paid else None
        programs[code] = ProgramResult(status=status, monthly_amount=amount, members=members,
                                       reasons=reasons)
    flags: list[Flag] = []
    if f.business_visit_pending:
        owners = {b.member or situation.applicant.id
                  for b in situation.assets.business_registrations}
        flags += [Flag(code="business_registration", action="home_visit", member=m)
                  for m in sorted(owners)]
    flags += [Flag(code="member_unverified", action="obtain_consent", member=m)
              for m in situation.unverified_members]
    return PrecheckResult(
        region=situation.region,
        area=situation.area,
        period=situation.period,
        rules_version=RULES_VERSION,
        household_size=int(f.household_size),
        per_capita_income=round(float(f.per_capita_income), 2),
        dibao_standard=round(float(f.dibao_standard), 2),
        dibao_standard_source=f.dibao_standard_source,
        programs=programs,
        flags=flags,
        unverified_members=list(situation.unverified_members),
        records=list(situation.assets.records),
    )


def evaluate(situations: Sequence[Situation]) -> list[PrecheckResult]:
    """Pre-check every situation; one simulation per distinct period (usually one).

    :returns: results in input order.
    """
    results: list[PrecheckResult | None] = [None] * len(situations)
    by_period: dict[str, list[int]] = {}
    for i, s in enumerate(situations):
        by_period.setdefault(s.period, []).append(i)
    for indices in by_period.values():
        batch = simulate(situations_to_arrays([situations[i] for i in indices]))
        for k, i in enumerate(indices):
            results[i] = batch.result(k)
    return [r for r in results if r is not None]


def evaluate_one(situation: Situation) -> PrecheckResult:
    """Pre-check one family (the what-if CLI and the chat)."""
    return evaluate([situation])[0]
