"""Five-colour warnings (低收入人口动态监测) over everyone monitored, recipients or not.

Department events of the month watched become indicators, each with its department and
date; a family's score is the sum of its indicators' weights and its colour the highest
threshold the score reaches (``batch/parameters/warnings.yaml``, all [A]: RULES.md says the
method is not public and reads the tiers). The same input gives the same colours: nothing
here is random. Income conditions ("below the standard", "below the marginal line") come
from ONE evaluation of the rules over the partition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from batch.arrays import Selection, build, month_number
from batch.columns import DEPARTMENTS, Partition
from batch.parameters import in_force
from eligibility.service import income_window, simulate

COLOURS = ("red", "orange", "yellow", "blue", "green")
"""Most urgent first; the JSON contract's order."""
NONE = len(COLOURS)
"""Colour index of a family with no indicator: no warning."""
TALLIED = (*COLOURS, "none")
"""Columns of the summary and fairness tables: the colours, then the families with no
warning (index :data:`NONE`)."""


@dataclass
class Warnings:
    """Indicators and colours of one partition.

    Indicators (arrays of length I): ``ind_family`` (index into ``part.families``),
    ``ind_code`` (a key of the parameters' ``weights``), ``ind_table`` (the record table,
    whose department :data:`batch.columns.DEPARTMENTS` names), ``ind_date``, ``ind_weight``.
    Families (length F): ``score`` and ``colour`` (index into :data:`COLOURS`, or
    :data:`NONE`). ``per_capita_income`` and ``supported`` (receives a benefit) per family.
    """

    part: Partition
    as_of: str
    ind_family: np.ndarray
    ind_code: np.ndarray
    ind_table: np.ndarray
    ind_date: np.ndarray
    ind_weight: np.ndarray
    score: np.ndarray
    colour: np.ndarray
    persons: int

    @property
    def warned(self) -> np.ndarray:
        """Indices of the families with at least one indicator, most urgent first."""
        hit = np.flatnonzero(self.colour < NONE)
        return hit[np.lexsort((self.part.families["id"][hit], -self.score[hit]))]


def _months(dates: np.ndarray) -> np.ndarray:
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12
    out = years * 12 + months
    return np.where(np.isnat(dates), -(10**6), out)


def monitor(part: Partition, as_of: str, *, new_since: dict[str, int] | None = None) -> Warnings:
    """Indicators of the month ``as_of`` (``"YYYY-MM"``) and each family's colour.

    :param new_since: the watermarks of the previous run: a house with a higher id
        "appears" (houses carry no date).
    """
    p = in_force("warnings", as_of)
    weights: dict[str, float] = p["weights"]
    now = month_number(as_of)
    lo = now - p["window_months"] + 1
    n_f = len(part.families["id"])
    sel = Selection.of(part, np.arange(n_f))
    batch = simulate(build(part, sel, as_of))
    fam = batch.family
    below_standard = fam["per_capita_income"] < fam["dibao_standard"]
    below_marginal = fam["per_capita_income"] < fam["marginal_line"]
    income = batch.person["average_monthly_income"]
    member_family = sel.person_family  # every family selected: positions are family indices

    found: list[tuple[np.ndarray, str, str, np.ndarray] | tuple] = []

    def family_of(table: str) -> np.ndarray:
        index = part.record_member(table)
        return np.where(index >= 0, member_family[np.maximum(index, 0)], -1)

    def add(table: str, mask: np.ndarray, code: np.ndarray | str, dates: np.ndarray,
            fams: np.ndarray) -> None:  # fmt: skip
        mask = mask & (fams >= 0)
        codes = np.broadcast_to(np.asarray(code, dtype=object), mask.shape)[mask]
        found.append((fams[mask], codes, table, dates[mask].astype("datetime64[D]")))

    # death of a member: the breadwinner (largest income, above 0) or another member
    t = "death_record"
    rec, fams = part.records[t], family_of(t)
    index = part.record_member(t)
    top = np.zeros(n_f)
    np.maximum.at(top, member_family, income)
    own = np.where(index >= 0, income[np.maximum(index, 0)], 0)
    bread = (own > 0) & (own >= top[np.maximum(fams, 0)])
    m = _months(rec["died_on"])
    add(t, (m >= lo) & (m <= now), np.where(bread, "breadwinner_death", "member_death"),
        rec["died_on"], fams)  # fmt: skip
    # serious illness, and medical spending against income
    t = "medical_expense"
    rec, fams = part.records[t], family_of(t)
    m = rec["month"]
    in_window = (m >= lo) & (m <= now)
    low = below_standard[np.maximum(fams, 0)]
    dates = (np.maximum(m, 0) - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    add(
        t,
        in_window & rec["serious_illness"],
        np.where(low, "serious_illness_low_income", "serious_illness"),
        dates,
        fams,
    )
    recent = (m > now - p["medical_months"]) & (m <= now) & (fams >= 0)
    spent = np.bincount(fams[recent], rec["amount"][recent], n_f)
    family_income = np.bincount(member_family, income, n_f) * 12
    heavy = spent >= p["medical_share"] * family_income
    latest = np.full(n_f, -1)
    np.maximum.at(latest, fams[recent], m[recent])
    newly = np.zeros(n_f, dtype=bool)
    newly[fams[in_window & (fams >= 0)]] = True
    hit = heavy & newly & (spent > 0)
    rows = np.flatnonzero(in_window & (fams >= 0))
    _, first = np.unique(fams[rows], return_index=True)  # each family's first row this month
    rows = rows[first]
    mask = np.zeros(len(m), dtype=bool)
    mask[rows[hit[fams[rows]]]] = True
    add(t, mask, "medical_spending", dates, fams)
    # a new disability certificate
    t = "disability_certificate"
    rec, fams = part.records[t], family_of(t)
    m = _months(rec["issued_on"])
    severe = (rec["grade"] <= 2) & below_standard[np.maximum(fams, 0)]
    add(
        t,
        (m >= lo) & (m <= now),
        np.where(severe, "severe_disability_low_income", "new_disability"),
        rec["issued_on"],
        fams,
    )
    # unemployment
    t = "unemployment_registration"
    rec, fams = part.records[t], family_of(t)
    m = _months(rec["registered_on"])
    add(t, (m >= lo) & (m <= now),
        np.where(below_marginal[np.maximum(fams, 0)], "unemployment_low_income", "unemployment"),
        rec["registered_on"], fams)  # fmt: skip
    # a child starts kindergarten or school
    t = "school_enrolment"
    rec, fams = part.records[t], family_of(t)
    m = _months(rec["start_date"])
    school = np.isin(rec["level"], ["primary", "junior", "senior"])
    starts = (m >= lo) & (m <= now)
    add(
        t, starts & (rec["level"] == "kindergarten"), "kindergarten_entry", rec["start_date"], fams
    )
    add(t, starts & school,
        np.where(below_marginal[np.maximum(fams, 0)], "school_entry_low_income", "school_entry"),
        rec["start_date"], fams)  # fmt: skip
    # a vehicle registered, a house appearing since the last run
    t = "vehicle"
    rec, fams = part.records[t], family_of(t)
    m = _months(rec["registered_on"])
    add(t, (m >= lo) & (m <= now), "vehicle_appears", rec["registered_on"], fams)
    if new_since is not None:
        t = "real_estate"
        rec, fams = part.records[t], family_of(t)
        day = np.full(len(fams), np.datetime64(f"{as_of}-01"))
        add(t, rec["id"] > new_since.get(t, 0), "property_appears", day, fams)
    # income dropped: the last month of the window against the window's average
    window = income_window(as_of)
    months = batch.arrays.person_months
    totals = np.stack([np.bincount(member_family, months[w]["monthly_income"], n_f)
                       for w in window])  # fmt: skip
    average = totals.mean(axis=0)
    drop = (average > 0) & (totals[-1] < (1 - p["income_drop_share"]) * average)
    fams = np.flatnonzero(drop)
    found.append(
        (
            fams,
            np.full(len(fams), "income_drop", dtype=object),
            "income_record",
            np.full(len(fams), np.datetime64(f"{window[-1]}-01")),
        )
    )

    ind_family = np.concatenate([f[0] for f in found]).astype(np.int64)
    ind_code = np.concatenate([f[1] for f in found]).astype(object)
    ind_table = np.concatenate([np.full(len(f[0]), f[2], dtype=object) for f in found])
    ind_date = np.concatenate([f[3] for f in found]).astype("datetime64[D]")
    order = np.lexsort((ind_code.astype(str), ind_date, ind_family)) if len(ind_family) else []
    ind_family, ind_code, ind_table, ind_date = (
        a[order] for a in (ind_family, ind_code, ind_table, ind_date)
    )
    # an indicator counts once per family (two children starting school: one school_entry)
    codes = np.array(sorted(weights), dtype=object)
    code_index = np.searchsorted(codes, ind_code)
    _, first = np.unique(ind_family * len(codes) + code_index, return_index=True)
    first.sort()
    ind_family, ind_code, ind_table, ind_date = (
        a[first] for a in (ind_family, ind_code, ind_table, ind_date)
    )
    ind_weight = np.array([weights[c] for c in codes], dtype=float)[code_index[first]]
    score = np.bincount(ind_family, ind_weight, n_f)
    colour = np.full(n_f, NONE, dtype=np.int64)
    for i in reversed(range(len(COLOURS))):
        colour[score >= p["thresholds"][COLOURS[i]]] = i
    colour[np.bincount(ind_family, minlength=n_f) == 0] = NONE
    return Warnings(part, as_of, ind_family, ind_code, ind_table, ind_date, ind_weight, score,
                    colour, len(part.members["person_id"]))  # fmt: skip


def department(table: str) -> str:
    """The department that keeps ``table``'s records."""
    return DEPARTMENTS[table]
