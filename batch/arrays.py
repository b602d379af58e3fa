"""A partition's columns → :class:`eligibility.service.SituationArrays`, without a loop per family.

The same readings of the records as the per-family database path
(:mod:`eligibility.precheck`, whose docstring lists them): income spells by kind in each
month of the rules' averaging window (an employee ``pension`` is ``transfer``), houses,
vehicles, businesses and financial assets summed per family, a member's most severe
disability certificate, ``student`` for an enrolment open on the 15th of the period,
``serious_illness`` for any 重特大疾病 record. Every member is read (the batch's legal basis
is the monitoring duty, see docs/ARCHITECTURE.md "Batch"); home-visit findings are not
applied here (the case's caseworker re-runs the pre-check after a visit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from batch.columns import Partition
from eligibility.entities import ROLE_KEYS
from eligibility.enums import Area, DisabilityCategory, VisitFinding
from eligibility.kinds import VEHICLE_KINDS
from eligibility.precheck import INCOME_KIND_MAP
from eligibility.service import SituationArrays, income_window

_CATEGORY = {c.name: c.index for c in DisabilityCategory}
_ROLE = {key: n for n, key in enumerate(ROLE_KEYS)}


def month_number(month: str) -> int:
    """``"2026-06"`` → ``2026 * 12 + 5`` (the months of :mod:`batch.columns`)."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


@dataclass
class Selection:
    """Families picked from a partition: ``families`` indexes ``part.families``,
    ``persons`` indexes ``part.members`` (grouped by family, in the same order), and
    ``person_family`` gives each selected person's position in ``families``."""

    families: np.ndarray
    persons: np.ndarray
    person_family: np.ndarray

    @classmethod
    def of(cls, part: Partition, families: np.ndarray) -> Selection:
        """Select ``families`` (sorted indices into ``part.families``) and their members."""
        fam_of_member = np.searchsorted(part.families["id"], part.members["family_id"])
        picked = np.zeros(len(part.families["id"]), dtype=bool)
        picked[families] = True
        persons = np.flatnonzero(picked[fam_of_member])
        position = np.cumsum(picked) - 1
        return cls(families, persons, position[fam_of_member[persons]])


def _per_person(part: Partition, table: str, sel: Selection) -> tuple[np.ndarray, np.ndarray]:
    """For the rows of ``table``: the selected person's position (-1 outside) and a mask."""
    where = np.full(len(part.members["person_id"]), -1, dtype=np.int64)
    where[sel.persons] = np.arange(len(sel.persons))
    index = part.record_member(table)
    pos = np.where(index >= 0, where[np.maximum(index, 0)], -1)
    return pos, pos >= 0


def build(part: Partition, sel: Selection, period: str) -> SituationArrays:
    """The situations of the selected families in ``period`` (``"YYYY-MM"``) as arrays."""
    n_p, n_f = len(sel.persons), len(sel.families)
    day = np.datetime64(f"{period}-15")
    members = part.members
    person: dict[str, np.ndarray] = {
        "birth_date": members["birth_date"][sel.persons].astype("datetime64[D]"),
    }
    # disability: the most severe certificate (lowest grade) and its category
    pos, ok = _per_person(part, "disability_certificate", sel)
    rec = part.records["disability_certificate"]
    grade = np.zeros(n_p, dtype=np.int32)
    category = np.zeros(n_p, dtype=np.int16)
    if ok.any():
        order = np.lexsort((-rec["grade"][ok], pos[ok]))  # per person, most severe last
        p, g = pos[ok][order], rec["grade"][ok][order]
        grade[p] = g
        category[p] = [_CATEGORY[c] for c in rec["category"][ok][order]]
    person["disability_grade"] = grade
    person["disability_category"] = category
    pos, ok = _per_person(part, "medical_expense", sel)
    illness = np.zeros(n_p, dtype=bool)
    illness[pos[ok & part.records["medical_expense"]["serious_illness"]]] = True
    person["serious_illness"] = illness
    pos, ok = _per_person(part, "school_enrolment", sel)
    rec = part.records["school_enrolment"]
    open_now = (rec["start_date"] <= day) & ~(rec["end_date"] < day)
    student = np.zeros(n_p, dtype=bool)
    student[pos[ok & open_now]] = True
    person["student"] = student

    # income: each month of the window, by kind (the rules average and exempt)
    pos, ok = _per_person(part, "income_record", sel)
    rec = part.records["income_record"]
    kinds = np.array([INCOME_KIND_MAP.get(k, k) for k in rec["kind"][ok]], dtype=object)
    amount, start, end, pos = (rec["monthly_amount"][ok], rec["month_from"][ok],
                               rec["month_to"][ok], pos[ok])  # fmt: skip
    person_months: dict[str, dict[str, np.ndarray]] = {}
    for month in income_window(period):
        m = month_number(month)
        live = (start <= m) & ((end < 0) | (m <= end))
        columns = {"monthly_income": np.bincount(pos[live], amount[live], n_p)}
        for kind in sorted(set(kinds[live])):
            these = live & (kinds == kind)
            columns[f"income_{kind}"] = np.bincount(pos[these], amount[these], n_p)
        person_months[month] = columns

    family: dict[str, np.ndarray] = {
        "region": part.families["region_code"][sel.families].astype(np.int32),
        "area": np.where(part.families["area"][sel.families] == "rural",
                         Area.rural.index, Area.urban.index).astype(np.int16),
    }  # fmt: skip
    pf = sel.person_family

    def per_family(table: str, mask: np.ndarray | None = None, weight: np.ndarray | None = None):
        pos, ok = _per_person(part, table, sel)
        if mask is not None:
            ok = ok & mask
        w = None if weight is None else weight[ok]
        return np.bincount(pf[pos[ok]], w, n_f)

    houses = part.records["real_estate"]
    residential = houses["kind"] == "residential"
    family["residential_properties"] = per_family("real_estate", residential).astype(np.int32)
    family["exempt_residential_properties"] = per_family(
        "real_estate",
        residential & (houses["exemption"] != None),  # noqa: E711
    ).astype(np.int32)
    family["nonresidential_properties"] = per_family("real_estate", ~residential).astype(np.int32)
    assets = part.records["financial_asset"]
    family["financial_assets"] = per_family("financial_asset", weight=assets["amount"])
    vehicles = part.records["vehicle"]["kind"]
    for kind in VEHICLE_KINDS:
        family[f"vehicles_{kind}"] = per_family("vehicle", vehicles == kind).astype(np.int32)
    business = part.records["business_registration"]
    family["business_count"] = per_family("business_registration").astype(np.int32)
    family["business_micro_count"] = per_family(
        "business_registration", business["kind"] == "micro"
    ).astype(np.int32)
    family["business_with_employees_count"] = per_family(
        "business_registration", business["employees"] > 0
    ).astype(np.int32)
    family["business_luxury_count"] = per_family(
        "business_registration", business["luxury_goods"]
    ).astype(np.int32)
    family["home_visit_business"] = np.full(n_f, VisitFinding.not_recorded.index, np.int16)
    family["home_visit_income"] = np.full(n_f, VisitFinding.not_recorded.index, np.int16)
    roles = np.array([_ROLE.get(r, _ROLE["other"]) for r in members["relation"][sel.persons]],
                     dtype=np.int64)  # fmt: skip
    return SituationArrays(period=period, family=family, person=person,
                           person_family=pf.astype(np.int64), person_role=roles,
                           person_months=person_months)  # fmt: skip
