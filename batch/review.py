"""Periodic review (应退尽退): who is due, a seeded county sample, one evaluation, outcomes.

RULES.md "Reviews, exit, penalties" [V]: stable families yearly; unstable income or able
members every 6 months; after a member's death within 3 months; gradual exit (渐退期) when
employment lifted income: payment may continue up to 6 months. Figures in
``batch/parameters/review.yaml``. Nothing here changes a benefit: the outcomes become staff
cases (:mod:`batch.actions`), and only a four-eyes decision (:mod:`staff.decisions`) ends one.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from batch.arrays import Selection, build, month_number
from batch.columns import Partition
from batch.parameters import in_force
from eligibility.service import STATUS_NAMES, BatchResult, income_window, simulate

OUTCOMES = ("continue", "amount_change", "gradual_exit", "exit_proposed", "home_visit")
"""Review outcomes, in the order of the JSON contract."""
WHY = ("due_yearly", "due_half_yearly", "member_death", "sample")
"""Why a family was reviewed."""
_ELIGIBLE, _INELIGIBLE, _VISIT = (STATUS_NAMES.index(s) for s in
                                  ("eligible", "ineligible", "needs_home_visit"))  # fmt: skip


@dataclass
class Reviewed:
    """The reviewed families of one partition (arrays of equal length R).

    ``position``: index into ``part.families``; ``outcome``, ``why``: indices into
    :data:`OUTCOMES` / :data:`WHY`; ``program``: the program reviewed; ``paid`` and
    ``computed``: yuan per month now paid and recomputed; ``batch`` the evaluation (its
    family rows are the R families, in this order).
    """

    part: Partition
    as_of: str
    position: np.ndarray
    outcome: np.ndarray
    why: np.ndarray
    program: np.ndarray
    paid: np.ndarray
    computed: np.ndarray
    batch: BatchResult | None
    recipients: int

    @property
    def family_ids(self) -> np.ndarray:
        return self.part.families["id"][self.position]

    @property
    def region_codes(self) -> np.ndarray:
        return self.part.families["region_code"][self.position]


def county_sample(region_codes: np.ndarray, family_ids: np.ndarray, rate: float, seed: int,
                  as_of: str) -> np.ndarray:  # fmt: skip
    """A mask of the families drawn: in each county, ``round(rate × n)`` of its ``n``
    families (at least one when ``rate > 0``), without replacement.

    Reproducible for audit: each county draws from its own generator seeded with
    ``(seed, county, month)``, over its families sorted by id, so the draw does not depend
    on how the province is partitioned or in what order the rows arrive.
    """
    drawn = np.zeros(len(family_ids), dtype=bool)
    if rate <= 0 or not len(family_ids):
        return drawn
    order = np.lexsort((family_ids, region_codes))
    counties, starts = np.unique(region_codes[order], return_index=True)
    bounds = [*starts[1:], len(order)]
    for county, start, stop in zip(counties, starts, bounds, strict=True):
        n = stop - start
        k = min(n, max(1, round(rate * n)))
        rng = np.random.default_rng([seed, zlib.crc32(str(county).encode()), month_number(as_of)])
        drawn[order[start + rng.choice(n, size=k, replace=False)]] = True
    return drawn


def review(
    part: Partition, as_of: str, *, seed: int, sample_rate: float | None = None
) -> Reviewed:
    """Select, re-verify (one :func:`eligibility.service.simulate`) and classify.

    :param as_of: the review month ``"YYYY-MM"``; benefits active on its first day count.
    :param sample_rate: share of the not-due recipients drawn per county (default: the
        parameter ``sample_rate`` [A]).
    """
    p = in_force("review", as_of)
    rate = p["sample_rate"] if sample_rate is None else sample_rate
    first = np.datetime64(f"{as_of}-01")
    now = month_number(as_of)
    b = part.benefits
    programs = list(p["reviewed_programs"])
    active = (
        np.isin(b["program"], programs) & (b["start_date"] <= first) & ~(b["end_date"] < first)
    )
    fam_pos = np.searchsorted(part.families["id"], b["family_id"])
    n_f = len(part.families["id"])
    # the program reviewed: the first of ``reviewed_programs`` the family receives
    rank = np.full(n_f, len(programs))
    for i, code in enumerate(programs):
        hit = fam_pos[active & (b["program"] == code)]
        rank[hit] = np.minimum(rank[hit], i)
    recipients = np.flatnonzero(rank < len(programs))
    empty = np.zeros(0, dtype=np.int64)
    if not len(recipients):
        return Reviewed(part, as_of, recipients, empty, empty, np.zeros(0, object), np.zeros(0),
                        np.zeros(0), None, 0)  # fmt: skip
    program = np.asarray(programs, dtype=object)[rank[recipients]]
    key = np.full(n_f, -1)
    key[recipients] = np.arange(len(recipients))
    r_of_b = key[fam_pos]
    mine = active & (r_of_b >= 0)
    mine &= b["program"] == program[np.maximum(r_of_b, 0)]
    paid = np.bincount(r_of_b[mine], b["monthly_amount"][mine], len(recipients))
    start = np.full(len(recipients), np.iinfo(np.int64).max)
    starts = np.array([month_number(str(d)[:7]) for d in b["start_date"][mine]], dtype=np.int64)
    np.minimum.at(start, r_of_b[mine], starts)

    sel = Selection.of(part, recipients)
    batch = simulate(build(part, sel, as_of))
    pf = sel.person_family
    able = ~batch.person["unable_to_work"].astype(bool) & ~batch.arrays.person["student"]
    any_able = np.bincount(pf[able], minlength=len(recipients)) > 0
    window = income_window(as_of)
    months = batch.arrays.person_months
    totals = np.stack([np.bincount(pf, months[m]["monthly_income"], len(recipients))
                       for m in window])  # fmt: skip
    unstable = totals.max(axis=0) - totals.min(axis=0) > 0
    yearly = np.isin(program, p["yearly_programs"])
    interval = np.where(~yearly & (any_able | unstable), p["unstable_interval_months"],
                        p["stable_interval_months"])  # fmt: skip
    since = now - start
    due = (since > 0) & (since % interval == 0)
    # a member died within the window: re-check now
    deaths = part.records["death_record"]
    d_index = part.record_member("death_record")
    where = np.full(len(part.members["person_id"]), -1)
    where[sel.persons] = pf
    d_fam = np.where(d_index >= 0, where[np.maximum(d_index, 0)], -1)
    died = np.array([month_number(str(d)[:7]) for d in deaths["died_on"]], dtype=np.int64)
    recent = (d_fam >= 0) & (now - died >= 0) & (now - died < p["death_window_months"])
    death = np.zeros(len(recipients), dtype=bool)
    death[d_fam[recent]] = True
    why = np.where(death, 2, np.where(due, np.where(interval == 12, 0, 1), 3))
    sampled = county_sample(part.families["region_code"][recipients],
                            part.families["id"][recipients], rate, seed, as_of)  # fmt: skip
    picked = np.flatnonzero(death | due | sampled)

    status = np.zeros(len(recipients), dtype=np.int64)
    computed = np.zeros(len(recipients))
    for code in programs:
        these = program == code
        status[these] = batch.family[f"{code}_status"][these]
        if f"{code}_amount" in batch.family:
            computed[these] = batch.family[f"{code}_amount"][these]
    wage = [np.bincount(pf, months[m].get("income_wage", np.zeros(len(pf))), len(recipients))
            for m in (window[0], window[-1])]  # fmt: skip
    employment_lifted = (batch.family["property_status"] == _ELIGIBLE) & (wage[1] > wage[0])
    outcome = np.select(
        [status == _VISIT, (status == _INELIGIBLE) & employment_lifted, status == _INELIGIBLE,
         np.abs(computed - paid) > p["amount_tolerance"]],
        [OUTCOMES.index("home_visit"), OUTCOMES.index("gradual_exit"),
         OUTCOMES.index("exit_proposed"), OUTCOMES.index("amount_change")],
        OUTCOMES.index("continue"),
    )  # fmt: skip
    return Reviewed(part, as_of, recipients[picked], outcome[picked], why[picked],
                    program[picked], paid[picked], computed[picked],
                    _subset(batch, picked), len(recipients))  # fmt: skip


def _subset(batch: BatchResult, picked: np.ndarray) -> BatchResult:
    """The evaluation's columns for the picked families only (their persons too)."""
    keep = np.isin(batch.arrays.person_family, picked)
    family = {k: v[picked] for k, v in batch.family.items()}
    person = {k: v[keep] for k, v in batch.person.items()}
    return BatchResult(batch.arrays, family, person, batch.figures, batch.offsets)
