"""``jiuzhu review`` and ``jiuzhu monitor``: the province-scale batch jobs.

``--json`` prints exactly the issue's output object on stdout (nothing else); exit status
0 on success, 2 for bad input, 1 when the database cannot be used. Settings come from the
environment as for every command (``JIUZHU_DATABASE_URL`` …).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import typer

from jiuzhu.errors import InvalidInput

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _as_of(value: str, job: str) -> str:
    from batch.parameters import first_month
    from jiuzhu import clock

    month = value or f"{clock.today():%Y-%m}"
    if not _MONTH.match(month):
        msg = f"--as-of: expected YYYY-MM, got {value!r}"
        raise InvalidInput(msg)
    parameters = "review" if job == "review" else "warnings"
    if month < first_month(parameters):
        msg = f"--as-of: the {job} rules start in {first_month(parameters)}, got {month}"
        raise InvalidInput(msg)
    return month


def _region(value: str) -> str:
    if not re.fullmatch(r"\d{0,6}", value):
        msg = f"--region: expected up to 6 digits of a region code, got {value!r}"
        raise InvalidInput(msg)
    return value


class _Run:
    """Shared plumbing: settings, the database URL, partitions, the progress bar."""

    def __init__(self, region: str, workers: int, scheduler: str | None, as_json: bool) -> None:
        from jiuzhu.settings import get_settings
        from store.migrate import require_current

        self.settings = get_settings()
        require_current(self.settings)
        self.url = self.settings.sync_database_url.render_as_string(hide_password=False)
        self.region, self.workers, self.scheduler = region, workers, scheduler
        self.as_json = as_json

    def engine(self):
        from store.session import make_sync_engine

        return make_sync_engine(self.settings)

    def changed(self, job: str, changed_since: str) -> tuple[list[int] | None, dict | None]:
        """Families to re-evaluate (None: all) and the previous run's watermarks."""
        from batch.columns import Reader
        from batch.jobs import last_run

        with self.engine().connect() as conn:
            previous = last_run(conn, job, self.region)
        marks = dict(previous.watermarks) if previous is not None else None
        if not changed_since:
            return None, marks
        if changed_since != "last":
            msg = "--changed-since: only 'last' (the previous run of this job and region)"
            raise InvalidInput(msg)
        if previous is None:
            return None, None
        return Reader(self.url).changed_families(marks, self.region).tolist(), marks

    def evaluate(self, fn, args: tuple, family_ids: list[int] | None) -> list[dict[str, Any]]:
        from batch.jobs import partitions, run_partitions

        if family_ids is not None:
            return [fn(self.url, self.region, *args, family_ids)]
        prefixes = partitions(self.url, self.region, max(self.workers, 2 if self.scheduler
                                                          else 1))  # fmt: skip
        if self.as_json or not sys.stderr.isatty():
            return run_partitions(fn, prefixes, (self.url, *args), workers=self.workers,
                                  scheduler=self.scheduler)  # fmt: skip
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("partitions", total=len(prefixes))
            return run_partitions(fn, prefixes, (self.url, *args), workers=self.workers,
                                  scheduler=self.scheduler,
                                  progress=lambda: progress.advance(task))  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``review`` and ``monitor`` to the ``jiuzhu`` CLI."""

    @app.command("review")
    def review_cmd(
        as_of: str = typer.Option(
            "", "--as-of", help="Review month YYYY-MM (default: this month)."
        ),
        sample_rate: float = typer.Option(-1.0, "--sample-rate", help="Share drawn per county."),
        seed: int = typer.Option(2026, "--seed", help="Seed of the county sample (audit)."),
        region: str = typer.Option("", "--region", help="Region-code prefix (a partition)."),
        as_json: bool = typer.Option(False, "--json", help="Print the output object only."),
        changed_since: str = typer.Option(
            "", "--changed-since", help="'last': only families changed since then."
        ),
        workers: int = typer.Option(1, "--workers", help="Dask worker processes."),
        scheduler: str = typer.Option(
            "", "--scheduler", help="tcp://HOST:PORT of a Dask cluster."
        ),
        chart: str = typer.Option("", "--chart", help="Write a PNG of outcomes by prefecture."),
    ) -> None:
        """Periodic review: re-verify the recipients due and a county sample; staff cases."""
        from batch import actions, jobs, report
        from store.base import utcnow

        month, prefix = _as_of(as_of, "review"), _region(region)
        if sample_rate != -1.0 and not 0 <= sample_rate <= 1:
            msg = f"--sample-rate: expected 0 to 1, got {sample_rate}"
            raise InvalidInput(msg)
        rate = None if sample_rate == -1.0 else sample_rate
        run = _Run(prefix, workers, scheduler or None, as_json)
        started = utcnow()
        family_ids, _ = run.changed("review", changed_since)
        parts = run.evaluate(jobs.review_partition, (month, seed, rate), family_ids)
        wishes = [actions.CaseWish(**w) for p in parts for w in p["wishes"]]
        engine = run.engine()
        with engine.connect() as conn:
            chats = actions.linked_chats(conn, [w.family_id for w in wishes])
            written = actions.write_cases(
                conn, wishes, actor="batch:review", purpose="periodic review", chats=chats
            )
            outcomes = jobs.merge_counts(parts, "outcomes")
            output = {
                "as_of": month, "families": sum(p["families"] for p in parts),
                "outcomes": {o: outcomes.get(o, 0) for o in jobs.OUTCOMES},
                "cases": [{"id": c[0], "family_id": c[1], "kind": c[2], "region_code": c[3],
                           "outcome": c[4]} for c in sorted(written.cases)],
            }  # fmt: skip
            marks = _watermarks(parts)
            printed = jobs.record_run(conn, "review", month, prefix, output, marks, seed=seed,
                                      sample_rate=rate, started=started)  # fmt: skip
            conn.commit()
        engine.dispose()
        by_prefecture = Counter()
        for p in parts:
            by_prefecture.update(p["by_prefecture"])
        if chart:
            report.chart(
                Path(chart), by_prefecture, jobs.CASE_OUTCOMES, "chart-title-review", month
            )
        if as_json:
            typer.echo(printed)
            return
        from rich.console import Console

        console = Console()
        report.print_review(console, by_prefecture)
        console.print(
            f"{output['families']} families reviewed, {written.opened} cases opened, "
            f"{len(written.cases)} listed, {written.messages} messages queued"
        )

    @app.command("monitor")
    def monitor_cmd(
        as_of: str = typer.Option(
            "", "--as-of", help="Month watched YYYY-MM (default: this month)."
        ),
        region: str = typer.Option("", "--region", help="Region-code prefix (a partition)."),
        as_json: bool = typer.Option(False, "--json", help="Print the output object only."),
        changed_since: str = typer.Option(
            "", "--changed-since", help="'last': only families changed since then."
        ),
        workers: int = typer.Option(1, "--workers", help="Dask worker processes."),
        scheduler: str = typer.Option(
            "", "--scheduler", help="tcp://HOST:PORT of a Dask cluster."
        ),
        chart: str = typer.Option("", "--chart", help="Write a PNG of warnings by prefecture."),
    ) -> None:
        """Five-colour warnings over everyone monitored; cases, task list, outreach."""
        from batch import actions, jobs, report
        from store.base import utcnow

        month, prefix = _as_of(as_of, "monitor"), _region(region)
        run = _Run(prefix, workers, scheduler or None, as_json)
        started = utcnow()
        family_ids, marks_before = run.changed("monitor", changed_since)
        parts = run.evaluate(jobs.monitor_partition, (month, marks_before), family_ids)
        wishes = [actions.CaseWish(**w) for p in parts for w in p["wishes"]]
        rank = {c: i for i, c in enumerate(jobs.COLOURS)}
        wishes.sort(key=lambda w: (rank[w.outcome], w.family_id))
        green = [f for p in parts for f in p["green"]]
        engine = run.engine()
        with engine.connect() as conn:
            chats = actions.linked_chats(conn, [w.family_id for w in wishes] + green)
            written = actions.write_cases(
                conn, wishes, actor="batch:monitor", purpose="low-income monitoring", chats={}
            )
            tasks = [t for p in parts for t in p["tasks"]]
            actions.write_tasks(conn, tasks, as_of=month, actor="batch:monitor",
                                purpose="low-income monitoring")  # fmt: skip
            queued = actions.queue_outreach(conn, green, chats, actor="batch:monitor",
                                            purpose="low-income monitoring")  # fmt: skip
            colours = jobs.merge_counts(parts, "colours")
            warnings = sorted(
                (w for p in parts for w in p["warnings"]),
                key=lambda w: (rank[w["colour"]], w["family_id"]),
            )
            output = {
                "as_of": month, "persons": sum(p["persons"] for p in parts),
                "families": sum(p["families"] for p in parts),
                "colours": {c: colours.get(c, 0) for c in jobs.COLOURS},
                "warnings": warnings, "cases_opened": written.opened, "outreach_queued": queued,
            }  # fmt: skip
            printed = jobs.record_run(conn, "monitor", month, prefix, output,
                                      _watermarks(parts), started=started)  # fmt: skip
            conn.commit()
        engine.dispose()
        by_prefecture, fairness, warned = Counter(), Counter(), Counter()
        for p in parts:
            by_prefecture.update(p["by_prefecture"])
            fairness.update(p["fairness"])
        for w in warnings:
            warned[(w["region_code"][:4], w["colour"])] += 1
        if chart:
            report.chart(Path(chart), warned, jobs.COLOURS, "chart-title", month)
        if as_json:
            typer.echo(printed)
            return
        from rich.console import Console

        from templates import texts

        console = Console()
        report.print_monitor(console, by_prefecture, fairness)
        console.print(texts("batch").t("outreach-rate", queued=queued, rate=30))
        console.print(
            f"{output['families']} families, {len(warnings)} warnings, "
            f"{written.opened} cases opened, {len(tasks)} on the task list"
        )


def _watermarks(parts: list[dict[str, Any]]) -> dict[str, int]:
    marks: dict[str, int] = {}
    for p in parts:
        for k, v in p["watermarks"].items():
            marks[k] = max(marks.get(k, 0), v)
    return marks
