"""The two jobs end to end: partitions evaluated (here or on Dask workers), actions written.

A partition is a region-code prefix, or a span of prefectures (``"4401-4409"``).
:func:`review_partition` and :func:`monitor_partition` read their partition from the
database themselves (so a Dask worker reads its own from PostgreSQL) and return plain,
picklable results; the driver writes the cases, messages, audit rows and the
:class:`~store.models.BatchRun` in one transaction, then prints.
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
from batch.columns import DEPARTMENTS, Partition, Reader
from batch.monitor import COLOURS, TALLIED, monitor
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
    words: dict[tuple[str, str], tuple[str, str]] = {}
    for i in wanted:
        outcome, program = outcomes[i], str(done.program[i])
        if (outcome, program) not in words:
            dashed = outcome.replace("_", "-")
            words[(outcome, program)] = (
                texts("cases").t(
                    f"summary-review-{dashed}", program=program, months=p["gradual_exit_months"]
                ),
                texts("batch").t(f"review-message-{dashed}", months=p["gradual_exit_months"]),
            )
        summary, message = words[(outcome, program)]
        wishes.append(actions.CaseWish(
            family_id=int(done.family_ids[i]), region_code=str(done.region_codes[i]),
            kind="periodic_review", outcome=outcome, priority="normal",
            summary=summary,
            data={"review": {"outcome": outcome, "why": WHY[done.why[i]], "program": program,
                             "paid": round(float(done.paid[i]), 2),
                             "computed": round(float(done.computed[i]), 2), "as_of": as_of}},
            report=by_position[int(done.position[i])].to_json_dict(), period=as_of,
            message=message,
        ))  # fmt: skip
    return {"families": len(done.position), "recipients": done.recipients,
            "outcomes": dict(Counter(outcomes)), "by_prefecture": dict(by_prefecture),
            "wishes": [asdict(w) for w in wishes], "rows": part.rows,
            "watermarks": part.watermarks}  # fmt: skip


CHUNK = 200_000
"""[A] Families the monitor evaluates at once: one evaluation holds every column of its
families (about 1.5 GiB per 500,000 families at the demo data's shape), so a partition
goes through in chunks of this many and the peak stays near the partition's own columns."""


def monitor_partition(url: str, prefix: str, as_of: str, new_since: dict[str, int] | None,
                      family_ids: list[int] | None = None) -> dict[str, Any]:  # fmt: skip
    """Watch one partition: colours, warnings with their indicators, cases and outreach wanted.

    ``colours`` counts warnings (families with an indicator) by colour; the tables'
    ``by_prefecture`` and ``fairness`` count every family, ``none`` for no warning.
    """
    part = Reader(url).read(prefix, family_ids)
    out: dict[str, Any] = {"persons": 0, "families": 0, "colours": Counter(), "warnings": [],
                           "wishes": [], "green": [], "tasks": [], "rows": part.rows,
                           "by_prefecture": Counter(), "fairness": Counter(),
                           "watermarks": part.watermarks}  # fmt: skip
    if len(part.families["id"]):  # else nothing changed, or an empty region
        for chunk in part.chunks(CHUNK):
            _monitor_chunk(chunk, as_of, new_since, out)
    for key in ("colours", "by_prefecture", "fairness"):
        out[key] = dict(out[key])
    return out


def _monitor_chunk(part: Partition, as_of: str, new_since: dict[str, int] | None,
                   out: dict[str, Any]) -> None:  # fmt: skip
    w = monitor(part, as_of, new_since=new_since)
    p = in_force("warnings", as_of)
    fam = part.families
    out["persons"] += w.persons
    out["families"] += len(fam["id"])
    tally = np.bincount(w.colour, minlength=len(TALLIED))
    out["colours"].update({c: int(n) for c, n in zip(COLOURS, tally, strict=False) if n})
    labels = texts("batch")
    names = {code: labels.t(f"indicator-{code}") for code in p["weights"]}
    summaries: dict[tuple[str, tuple[str, ...]], str] = {}
    # plain lists: a warning is built from Python values, not numpy scalars
    code, weight = w.ind_code.tolist(), w.ind_weight.tolist()
    date = w.ind_date.astype(str).tolist()
    department = [DEPARTMENTS[t] for t in w.ind_table.tolist()]
    starts = np.searchsorted(w.ind_family, np.arange(len(fam["id"]) + 1)).tolist()
    ids, regions = fam["id"].tolist(), fam["region_code"].tolist()
    colour_of, score = w.colour.tolist(), w.score.tolist()
    for f in w.warned.tolist():
        colour = COLOURS[colour_of[f]]
        indicators = [{"code": code[r], "department": department[r], "date": date[r],
                       "weight": weight[r]} for r in range(starts[f], starts[f + 1])]  # fmt: skip
        fid, region = ids[f], regions[f]
        out["warnings"].append({"family_id": fid, "region_code": region, "colour": colour,
                                "indicators": indicators})  # fmt: skip
        if colour == "green":
            out["green"].append(fid)
            continue
        if colour not in p["priorities"]:  # yellow, blue: the staff task list
            out["tasks"].append({"family_id": fid, "region_code": region, "colour": colour,
                                 "score": score[f], "indicators": indicators})  # fmt: skip
            continue
        key = (colour, tuple(i["code"] for i in indicators))
        if key not in summaries:
            summaries[key] = texts("cases").t(
                "summary-warning",
                colour=labels.t(f"colour-{colour}"),
                indicators=[names[c] for c in key[1]],
            )
        out["wishes"].append(asdict(actions.CaseWish(
            family_id=fid, region_code=region, kind="warning", outcome=colour,
            priority=p["priorities"][colour], summary=summaries[key],
            data={"warning": {"colour": colour, "score": score[f],
                              "indicators": indicators, "as_of": as_of}})))  # fmt: skip
    # fairness: colours by county, the applicant's age band, a disabled member
    members = part.members
    applicant = members["relation"] == "applicant"
    fam_of = np.searchsorted(fam["id"], members["family_id"])
    age = np.full(len(fam["id"]), -1)
    years = (np.datetime64(f"{as_of}-15") - members["birth_date"]).astype("timedelta64[D]")
    age[fam_of[applicant]] = years[applicant].astype(int) // 365
    disabled_people = part.record_member("disability_certificate")
    disabled = np.zeros(len(fam["id"]), dtype=bool)
    disabled[fam_of[disabled_people[disabled_people >= 0]]] = True
    edges = [lo for lo, _, _ in AGE_BANDS] + [AGE_BANDS[-1][1]]
    band = np.array(["?", *(b for _, _, b in AGE_BANDS), "?"])[
        np.searchsorted(edges, age, side="right")
    ]
    region = fam["region_code"].astype("U6")
    _tally(out["fairness"], w.colour, region, "county")
    _tally(out["fairness"], w.colour, band, "age")
    _tally(out["fairness"], w.colour, np.where(disabled, "yes", "no"), "disability")
    _tally(out["by_prefecture"], w.colour, region.astype("U4"))


def _tally(counts: Counter, colour: np.ndarray, keys: np.ndarray, *dimension: str) -> None:
    """``counts[(*dimension, key, colour name)] += families``, one bincount for all."""
    values, inverse = np.unique(keys, return_inverse=True)
    width = len(TALLIED)
    table = np.bincount(inverse * width + colour, minlength=len(values) * width)
    for i, value in enumerate(values.tolist()):
        for j in np.flatnonzero(table[i * width : (i + 1) * width]).tolist():
            counts[(*dimension, value, TALLIED[j])] += int(table[i * width + j])


SPANS_PER_WORKER = 2
"""[A] Partitions per worker: each reads its span with one scan of each record table, so
fewer is cheaper, and two keep a worker's memory at about a quarter of the province's."""


def partitions(url: str, region: str, workers: int) -> list[str]:
    """What to evaluate: ``region`` itself for one process; for ``workers``, its prefectures
    in :data:`SPANS_PER_WORKER` × ``workers`` consecutive spans of about as many families
    each (``"4401-4409"``), for the workers to share."""
    if workers <= 1 or len(region) >= 4:
        return [region]
    counts = Reader(url).prefectures(region)
    if not counts:
        return [region]
    spans: list[list[str]] = [[]]
    share, seen = sum(counts.values()) / (SPANS_PER_WORKER * workers), 0
    for code, n in counts.items():
        if spans[-1] and seen >= share * len(spans):
            spans.append([])
        spans[-1].append(code)
        seen += n
    return [f"{s[0]}-{s[-1]}" if len(s) > 1 else s[0] for s in spans]


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


def canonical(output: dict[str, Any]) -> str:
    """A run's output as canonical JSON (sorted keys): what ``--json`` prints and the digest
    hashes, serialised once (a province's warnings are hundreds of megabytes)."""
    return json.dumps(output, sort_keys=True, ensure_ascii=False)


def record_run(conn: Connection, job: str, as_of: str, region: str, output: dict[str, Any],
               watermarks: dict[str, int], *, seed: int | None = None,
               sample_rate: float | None = None, started=None) -> str:  # fmt: skip
    """Store the run (what it saw, the SHA-256 of what it printed, for audit: same input,
    same digest); returns the output's canonical JSON."""
    printed = canonical(output)
    summary = {k: v for k, v in output.items() if isinstance(v, dict | int)}
    actions.write(conn, T["batch_run"], [{
        "id": actions.reserve_ids(conn, T["batch_run"], 1)[0], "job": job, "as_of": as_of,
        "region_prefix": region, "seed": seed, "sample_rate": sample_rate,
        "started_at": started or utcnow(), "finished_at": utcnow(), "watermarks": watermarks,
        "summary": summary, "digest": hashlib.sha256(printed.encode()).hexdigest()}])  # fmt: skip
    return printed
