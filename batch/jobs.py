"""The two jobs end to end: partitions evaluated (here or on Dask workers), actions written.

A partition is a region-code prefix. :func:`review_partition` and :func:`monitor_partition`
read their partition from the database themselves (so a Dask worker reads its own from
PostgreSQL) and return plain, picklable results; the driver writes the cases, messages,
audit rows and the :class:`~store.models.BatchRun` in one transaction, then prints.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from batch import actions
from batch.arrays import Selection
from batch.columns import DEPARTMENTS, Reader
from batch.monitor import COLOURS, NONE, monitor
from batch.parameters import in_force
from batch.review import OUTCOMES, WHY, review
from batch.situations import situations
from eligibility.service import evaluate
from store.base import Base, utcnow
from templates import texts

T = Base.metadata.tables
CASE_OUTCOMES = ("amount_change", "gradual_exit", "exit_proposed", "home_visit")
"""Review outcomes that become a staff case: any change needs a person (应退尽退 after
verification; four eyes for a stop or a reduction)."""
AGE_BANDS = ((0, 18, "0-17"), (18, 40, "18-39"), (40, 60, "40-59"), (60, 200, "60+"))


def _prefecture(code: str) -> str:
    return code[:4]


def review_partition(url: str, prefix: str, as_of: str, seed: int, rate: float | None,
                     family_ids: list[int] | None = None) -> dict[str, Any]:  # fmt: skip
    """Review one partition: counts, and the cases wanted with their reports."""
    part = Reader(url).read(prefix, family_ids)
    done = review(part, as_of, seed=seed, sample_rate=rate)
    p = in_force("review", as_of)
    outcomes = [OUTCOMES[o] for o in done.outcome]
    by_prefecture = Counter((_prefecture(r), o) for r, o in
                            zip(done.region_codes, outcomes, strict=True))  # fmt: skip
    wanted = np.flatnonzero(np.isin(outcomes, CASE_OUTCOMES)) if outcomes else np.zeros(0, int)
    reports = []
    if len(wanted):
        sel = Selection.of(part, np.sort(done.position[wanted]))
        reports = evaluate(situations(part, sel, as_of))
    by_position = dict(zip(np.sort(done.position[wanted]).tolist(), reports, strict=True))
    wishes = []
    for i in wanted:
        outcome, program = outcomes[i], str(done.program[i])
        code = f"review_{outcome}"
        wishes.append(actions.CaseWish(
            family_id=int(done.family_ids[i]), region_code=str(done.region_codes[i]),
            kind="periodic_review", outcome=outcome, priority="normal",
            summary=texts("cases").t(f"summary-{code.replace('_', '-')}", program=program,
                                     months=p["gradual_exit_months"]),
            data={"review": {"outcome": outcome, "why": WHY[done.why[i]], "program": program,
                             "paid": round(float(done.paid[i]), 2),
                             "computed": round(float(done.computed[i]), 2), "as_of": as_of}},
            report=by_position[int(done.position[i])].to_json_dict(), period=as_of,
            message=texts("batch").t(f"review-message-{outcome.replace('_', '-')}",
                                     months=p["gradual_exit_months"]),
        ))  # fmt: skip
    return {"families": len(done.position), "recipients": done.recipients,
            "outcomes": dict(Counter(outcomes)), "by_prefecture": dict(by_prefecture),
            "wishes": [asdict(w) for w in wishes], "rows": part.rows,
            "watermarks": part.watermarks}  # fmt: skip


def monitor_partition(url: str, prefix: str, as_of: str, new_since: dict[str, int] | None,
                      family_ids: list[int] | None = None) -> dict[str, Any]:  # fmt: skip
    """Watch one partition: colours, warnings with their indicators, cases and outreach wanted."""
    part = Reader(url).read(prefix, family_ids)
    w = monitor(part, as_of, new_since=new_since)
    p = in_force("warnings", as_of)
    fam = part.families
    colours = Counter(COLOURS[c] if c < NONE else "green" for c in w.colour)
    starts = np.searchsorted(w.ind_family, np.arange(len(fam["id"]) + 1))
    labels = texts("batch")
    warnings, wishes, green = [], [], []
    for f in w.warned:
        colour = COLOURS[w.colour[f]]
        rows = range(starts[f], starts[f + 1])
        indicators = [{"code": str(w.ind_code[r]), "department": DEPARTMENTS[w.ind_table[r]],
                       "date": str(w.ind_date[r]), "weight": float(w.ind_weight[r])}
                      for r in rows]  # fmt: skip
        fid, region = int(fam["id"][f]), str(fam["region_code"][f])
        warnings.append({"family_id": fid, "region_code": region, "colour": colour,
                         "indicators": indicators})  # fmt: skip
        if colour == "green":
            green.append(fid)
            continue
        names = [labels.t(f"indicator-{i['code']}") for i in indicators]
        summary = texts("cases").t("summary-warning", colour=labels.t(f"colour-{colour}"),
                                   indicators=names)  # fmt: skip
        wishes.append(asdict(actions.CaseWish(
            family_id=fid, region_code=region, kind="warning", outcome=colour,
            priority=p["priorities"].get(colour, "low"), summary=summary,
            data={"warning": {"colour": colour, "score": float(w.score[f]),
                              "indicators": indicators, "as_of": as_of}})))  # fmt: skip
    # fairness: colours by county, the applicant's age band, a disabled member
    members = part.members
    applicant = members["relation"] == "applicant"
    fam_of = np.searchsorted(fam["id"], members["family_id"])
    age = np.full(len(fam["id"]), -1)
    years = (np.datetime64(f"{as_of}-15") - members["birth_date"]).astype("timedelta64[D]")
    age[fam_of[applicant]] = years[applicant].astype(int) // 365
    disabled_people = part.person_index(part.records["disability_certificate"]["person_id"])
    disabled = np.zeros(len(fam["id"]), dtype=bool)
    disabled[fam_of[disabled_people[disabled_people >= 0]]] = True
    colour_names = [COLOURS[c] if c < NONE else "green" for c in w.colour]
    band = [next((b for lo, hi, b in AGE_BANDS if lo <= a < hi), "?") for a in age]
    fairness = Counter()
    for i, c in enumerate(colour_names):
        fairness[("county", str(fam["region_code"][i]), c)] += 1
        fairness[("age", band[i], c)] += 1
        fairness[("disability", "yes" if disabled[i] else "no", c)] += 1
    by_prefecture = Counter(
        (_prefecture(str(r)), c) for r, c in zip(fam["region_code"], colour_names, strict=True)
    )
    return {"persons": w.persons, "families": len(fam["id"]), "colours": dict(colours),
            "warnings": warnings, "wishes": wishes, "green": green, "rows": part.rows,
            "by_prefecture": dict(by_prefecture), "fairness": dict(fairness),
            "watermarks": part.watermarks}  # fmt: skip


def partitions(url: str, region: str, workers: int) -> list[str]:
    """The region prefixes to evaluate: ``region`` itself for one process, else its
    prefectures (4-digit codes) that have families, for the workers to share."""
    if workers <= 1 or len(region) >= 4:
        return [region]
    codes = Reader(url).prefectures(region)
    return codes or [region]


def run_partitions(fn: Callable[..., dict[str, Any]], prefixes: list[str], args: tuple,
                   *, workers: int, scheduler: str | None,
                   progress: Callable[[], None] | None = None
                   ) -> list[dict[str, Any]]:  # fmt: skip
    """``fn(url, prefix, *args)`` for each prefix: in this process, or on a Dask cluster
    (a ``LocalCluster`` of ``workers`` processes, or the one at ``scheduler``)."""
    if workers <= 1 and scheduler is None:
        out = []
        for prefix in prefixes:
            out.append(fn(args[0], prefix, *args[1:]))
            if progress:
                progress()
        return out
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = (
        None
        if scheduler
        else LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    )
    with Client(scheduler or cluster) as client:
        futures = [
            client.submit(fn, args[0], prefix, *args[1:], pure=False) for prefix in prefixes
        ]
        order = {f.key: i for i, f in enumerate(futures)}
        out: list[Any] = [None] * len(futures)
        for future in as_completed(futures):
            out[order[future.key]] = future.result()
            if progress:
                progress()
    if cluster is not None:
        cluster.close()
    return out


def merge_counts(parts: list[dict[str, Any]], key: str) -> Counter:
    total: Counter = Counter()
    for p in parts:
        total.update(p[key])
    return total


def last_run(conn: Connection, job: str, region: str) -> Any:
    """The latest finished run of ``job`` over ``region``, or None."""
    run = T["batch_run"]
    return conn.execute(select(run).where(run.c.job == job, run.c.region_prefix == region,
                                          run.c.finished_at.is_not(None))
                        .order_by(run.c.id.desc()).limit(1)).first()  # fmt: skip


def digest(output: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a run's output (for audit: same input, same digest)."""
    return hashlib.sha256(
        json.dumps(output, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def record_run(conn: Connection, job: str, as_of: str, region: str, output: dict[str, Any],
               watermarks: dict[str, int], *, seed: int | None = None,
               sample_rate: float | None = None, started=None) -> str:  # fmt: skip
    """Store the run (what it saw, what it printed); returns the output's digest."""
    value = digest(output)
    summary = {k: v for k, v in output.items() if isinstance(v, dict | int)}
    actions.write(conn, T["batch_run"], [{
        "id": actions.reserve_ids(conn, T["batch_run"], 1)[0], "job": job, "as_of": as_of,
        "region_prefix": region, "seed": seed, "sample_rate": sample_rate,
        "started_at": started or utcnow(), "finished_at": utcnow(), "watermarks": watermarks,
        "summary": summary, "digest": value}])  # fmt: skip
    return value
