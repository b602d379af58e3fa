"""Province scale: demo data, then ``jiuzhu review`` and ``jiuzhu monitor`` over all of it.

    python -m benchmarks.batch_scale                        # 1.5 M families, both databases
    python -m benchmarks.batch_scale --families 20000 --backend sqlite

Builds the demo database once per (backend, families, seed, day) and keeps it outside the
repo (``--cache``, default ``~/.cache/jiuzhu-bench``: a SQLite file, or a PostgreSQL database
``<test db>_bench_f<families>_s<seed>`` with a marker file there; migrated to the head before
use); ``--rebuild`` builds it again. Then runs ``review --as-of … --json`` and
``monitor --as-of … --json`` as subprocesses, in one process and with ``--workers 2``, and
prints for each step its wall time, the peak RSS of its process tree (sampled every 0.1 s,
Dask workers included), the department rows read per second and what the JSON said
(families, outcomes, colours). Before each run, what earlier runs wrote is removed
(:func:`forget_runs`), so each writes its cases as a first run does. The slowest step runs
once more under ``py-spy`` (all processes of the tree), whose busiest functions are
printed. ``--out FILE.json`` keeps every figure. Nothing is asserted. A step that fails (a
command not there yet) is reported and skipped. Last, the incremental run: a full monitor,
then a new income spell for 1 % of the families (:func:`change_share`, seeded; it stays in
the cached database), then ``monitor --changed-since last``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, select, text

from benchmarks.database import BENCH_DATABASE
from jiuzhu.settings import Settings
from store.base import Base
from store.demo.generator import TABLE_ORDER
from store.models import RECORD_MODELS, Family, Person
from store.session import make_sync_engine
from tests.conftest import POSTGRES_URL, TEST_SECRET, reset_postgres

JIUZHU = [sys.executable, "-m", "jiuzhu"]
CACHE = Path.home() / ".cache" / "jiuzhu-bench"


@dataclass
class Step:
    """One measured subprocess: wall seconds, CPU seconds and peak RSS (MiB) of its process
    tree (CPU is the figure to compare on a shared machine), what it printed."""

    name: str
    backend: str
    command: list[str]
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_rss_mib: float = 0.0
    returncode: int = 0
    rows_per_s: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def measure(step: Step, env: dict[str, str], rows: int) -> Step:
    """Run ``step.command``; fill in its time, its tree's peak RSS and the JSON it printed."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        before = _children_cpu()
        started = time.perf_counter()
        proc = subprocess.Popen(step.command, stdout=out, stderr=err, env=env)
        step.peak_rss_mib = _peak_rss(proc) / 2**20
        step.seconds = time.perf_counter() - started
        step.cpu_seconds = _children_cpu() - before
        step.returncode = proc.returncode
        out.seek(0)
        err.seek(0)
        printed, errors = out.read(), err.read()
    step.rows_per_s = rows / step.seconds if step.seconds else 0.0
    if step.returncode:
        step.error = (errors.strip().splitlines() or ["(no message)"])[-1][:300]
        return step
    step.summary = _summary(printed)
    return step


def _children_cpu() -> float:
    """User + system seconds of every ended child and its descendants so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _peak_rss(proc: subprocess.Popen[bytes]) -> int:
    """Largest sum of RSS over the process and its descendants until it ends, in bytes."""
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                total += p.memory_info().rss
        except psutil.Error:
            pass  # a process ended while we looked
        peak = max(peak, total)
        time.sleep(0.1)
    return peak


def _summary(printed: str) -> dict[str, Any]:
    """The JSON object's counts (issue 15's contract), or the last line printed."""
    try:
        data = json.loads(printed)
    except json.JSONDecodeError:
        lines = printed.strip().splitlines()
        return {"printed": lines[-1] if lines else ""}
    keep = ("as_of", "families", "persons", "outcomes", "colours", "cases_opened",
            "outreach_queued")  # fmt: skip
    found = {k: data[k] for k in keep if k in data}
    for key in ("cases", "warnings"):
        if key in data:
            found[key] = len(data[key])
    return found


def database(backend: str, families: int, seed: int, cache: Path) -> tuple[str, Path]:
    """The URL of the cached demo database and its marker (present when the build finished)."""
    key = f"f{families}_s{seed}"
    if backend == "sqlite":
        path = cache / f"demo-{key}.db"
        return f"sqlite:///{path}", path.with_suffix(".done")
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}_{key}", cache / f"pg-{key}.done"


def build(backend: str, args: argparse.Namespace, env: dict[str, str]) -> Step | None:
    """Build the demo database unless the cache has it; the measured build, or None."""
    url, marker = database(backend, args.families, args.seed, args.cache)
    if marker.exists() and not args.rebuild:
        return None
    marker.unlink(missing_ok=True)
    if backend == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        name = url.rsplit("/", 1)[1]
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name],
                       check=False, capture_output=True)  # fmt: skip
        reset_postgres(url)
    command = [*JIUZHU, "demo-data", "--families", str(args.families), "--seed", str(args.seed),
               "--as-of", args.day]  # fmt: skip
    step = measure(Step("demo-data", backend, command), env | {"JIUZHU_DATABASE_URL": url}, 0)
    if step.returncode:
        return step
    marker.write_text(json.dumps(asdict(step)))
    rows = _count_rows(url)
    step.rows_per_s = rows["rows"] / step.seconds
    step.summary |= rows
    return step


def _count_rows(url: str) -> dict[str, int]:
    """Families, persons, department rows (every record table) and all rows demo data
    writes."""
    engine = make_sync_engine(Settings(database_url=url, secret_key=TEST_SECRET))
    with engine.connect() as conn:
        counts = {
            "families": conn.scalar(select(func.count()).select_from(Family)),
            "persons": conn.scalar(select(func.count()).select_from(Person)),
            "department_rows": sum(
                conn.scalar(select(func.count()).select_from(m)) for m in RECORD_MODELS.values()
            ),
        }
        counts["rows"] = sum(
            conn.scalar(select(func.count()).select_from(Base.metadata.tables[t]))
            for t in TABLE_ORDER
        )
    engine.dispose()
    return counts


def forget_runs(url: str) -> None:
    """Remove what earlier ``review``/``monitor`` runs wrote (their cases with events,
    reports and messages, task list, outreach, audit rows, runs), so that every measured run
    writes its cases again, as a first run does."""
    engine = make_sync_engine(Settings(database_url=url, secret_key=TEST_SECRET))
    batch = "actor LIKE 'batch:%'"
    cases = "SELECT id FROM batch_cases"
    with engine.begin() as conn:
        for sql in (
            "CREATE TEMPORARY TABLE batch_cases AS SELECT case_id AS id FROM case_event "
            f"WHERE kind = 'opened' AND {batch}",
            f"DELETE FROM outbound WHERE case_id IN ({cases}) OR (case_id IS NULL AND "
            "created_at >= (SELECT MIN(started_at) FROM batch_run))",
            f"DELETE FROM case_event WHERE case_id IN ({cases})",
            f'DELETE FROM "case" WHERE id IN ({cases})',
            f"DELETE FROM precheck_result WHERE {batch}",
            "DELETE FROM warning_task",
            f"DELETE FROM audit_log WHERE {batch}",
            "DELETE FROM batch_run",
            "DROP TABLE batch_cases",
        ):
            conn.execute(text(sql))
    if engine.dialect.name == "postgresql":  # and the space of the deleted rows reclaimed
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text('VACUUM (ANALYZE) audit_log, "case", case_event, outbound, '
                              "precheck_result, warning_task, batch_run"))  # fmt: skip
    engine.dispose()


def change_share(url: str, share: float, seed: int, month: str) -> int:
    """A day's change from the departments: a new wage spell from ``month`` for one member of
    ``share`` of the families, drawn with ``seed``; returns how many families changed."""
    import numpy as np

    engine = make_sync_engine(Settings(database_url=url, secret_key=TEST_SECRET))
    with engine.begin() as conn:
        persons = conn.execute(text(
            "SELECT MIN(person_id) FROM family_member GROUP BY family_id ORDER BY family_id"
        )).scalars().all()  # fmt: skip
        rng = np.random.default_rng(seed)
        drawn = rng.choice(len(persons), size=int(len(persons) * share), replace=False)
        rows = [{"person_id": persons[i], "kind": "wage", "monthly_amount": 1500,
                 "month_from": month} for i in sorted(drawn.tolist())]  # fmt: skip
        conn.execute(Base.metadata.tables["income_record"].insert(), rows)
    engine.dispose()
    return len(rows)


def profile(step: Step, env: dict[str, str], top: int = 25) -> list[str]:
    """The busiest functions of ``step`` under py-spy (share of samples, all processes)."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        return ["py-spy not installed: pip install py-spy"]
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp, "profile.txt")
        command = [spy, "record", "--subprocesses", "--rate", "50", "--format", "raw",
                   "--output", str(raw), "--", *step.command]  # fmt: skip
        subprocess.run(command, env=env, capture_output=True, check=False)
        if not raw.exists():
            return ["py-spy recorded nothing (ptrace not permitted?)"]
        own, inclusive, total = Counter(), Counter(), 0
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")[1:]  # the first frame names the process
            total += int(count)
            if frames:
                own[frames[-1]] += int(count)
            for frame in set(frames):
                inclusive[frame] += int(count)
    lines = [f"self {n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    return lines + [f"incl {n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1_500_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--day", default="2026-12-01", help="demo data reads as of this day")
    parser.add_argument("--review-as-of", default="2026-06", help="review's --as-of")
    # September: the school year (story A's kindergarten) and the synthetic medical spending
    parser.add_argument("--monitor-as-of", default="2026-09", help="monitor's --as-of")
    parser.add_argument("--workers", default="1,2", help="comma-separated --workers values")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--no-incremental",
        action="store_true",
        help="skip the --changed-since step (it adds rows to the database)",
    )
    parser.add_argument("--out", type=Path, help="write every figure to this JSON file")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"JIUZHU_SECRET_KEY": TEST_SECRET, "JIUZHU_DATA_DIR": str(args.cache)}
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    steps: list[Step] = []
    for backend in backends:
        built = build(backend, args, env)
        if built:
            steps.append(built)
            _print(built)
        url, _ = database(backend, args.families, args.seed, args.cache)
        # a cached database follows the migrations added since it was built
        upgrade = [*JIUZHU, "db", "upgrade"]
        subprocess.run(upgrade, env=env | {"JIUZHU_DATABASE_URL": url}, check=True,
                       capture_output=True)  # fmt: skip
        rows = _count_rows(url)["department_rows"]
        for command in ("review", "monitor"):
            for workers in args.workers.split(","):
                as_of = args.review_as_of if command == "review" else args.monitor_as_of
                argv = [*JIUZHU, command, "--as-of", as_of, "--json"]
                if workers != "1":
                    argv += ["--workers", workers]
                name = f"{command} --workers {workers}"
                forget_runs(url)
                step = measure(Step(name, backend, argv), env | {"JIUZHU_DATABASE_URL": url}, rows)
                steps.append(step)
                _print(step)
        # incremental: a full run remembers what it saw, 1 % of the families change, then
        # only those are read and evaluated again
        if not args.no_incremental:
            argv = [*JIUZHU, "monitor", "--as-of", args.monitor_as_of, "--json"]
            forget_runs(url)
            measure(Step("monitor (first)", backend, argv), env | {"JIUZHU_DATABASE_URL": url},
                    rows)  # fmt: skip
            changed = change_share(url, 0.01, args.seed, args.monitor_as_of)
            step = measure(Step(f"monitor --changed-since last ({changed} families)", backend,
                                [*argv, "--changed-since", "last"]),
                           env | {"JIUZHU_DATABASE_URL": url}, rows)  # fmt: skip
            steps.append(step)
            _print(step)
    report: dict[str, Any] = {
        "families": args.families,
        "seed": args.seed,
        "load": os.getloadavg(),
        "steps": [asdict(s) for s in steps],
    }
    ok = [s for s in steps if not s.returncode]
    if ok and not args.no_profile:
        slowest = max(ok, key=lambda s: s.seconds)
        url, _ = database(slowest.backend, args.families, args.seed, args.cache)
        if slowest.name == "demo-data":
            slowest = Step(slowest.name, slowest.backend, [*slowest.command])
            url = _scratch(slowest.backend, args)
        lines = profile(slowest, env | {"JIUZHU_DATABASE_URL": url})
        report["profile"] = {"step": f"{slowest.backend} {slowest.name}", "lines": lines}
        print(f"\nprofile of the slowest step ({slowest.backend} {slowest.name}):")
        print("\n".join(lines))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))


def _scratch(backend: str, args: argparse.Namespace) -> str:
    """An empty database for profiling a demo-data build (the cached one stays)."""
    if backend == "sqlite":
        path = args.cache / "profile-scratch.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DATABASE],
                   check=False, capture_output=True)  # fmt: skip
    reset_postgres(url)
    return url


def _print(step: Step) -> None:
    head = (f"{step.backend:8} {step.name:20} {step.seconds:8.1f} s  {step.cpu_seconds:8.1f} s CPU"
            f"  {step.peak_rss_mib:7.0f} MiB")  # fmt: skip
    if step.returncode:
        print(f"{head}  failed ({step.returncode}): {step.error}")
        return
    said = json.dumps(step.summary, ensure_ascii=False)
    print(f"{head}  {step.rows_per_s:12,.0f} rows/s  {said}")


if __name__ == "__main__":
    main()
