"""Pre-check latency on the database path: consented records → situation → rules → stored.

Run: ``.venv/bin/python -m benchmarks.precheck_db [--backend sqlite|postgres] [--repeat 200]``.
Prepares a demo database (the story families plus 2 000 synthetic ones), gives the story
applicants' consents, then times :func:`eligibility.precheck.run_precheck` on the four story
families in turn and prints p50/p95 in milliseconds. PostgreSQL uses (and empties) the
``<test db>_bench`` database. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from benchmarks.database import bench_settings
from eligibility.precheck import load_family, run_precheck
from jiuzhu.settings import Settings
from store.consent import grant_with_minors
from store.crypto import vault
from store.demo.fixtures import fixtures_as_of
from store.demo.generator import generate
from store.models import FamilyMember, Person
from store.session import make_async_engine, make_sessionmaker, make_sync_engine, transaction


async def _families(sessionmaker) -> list[int]:
    ids = []
    async with transaction(sessionmaker) as session:
        for fixture in fixtures_as_of():
            key = vault().lookup_hash("id_number", fixture.members[0].id_number)
            person = await session.scalar(select(Person).where(Person.id_number_hash == key))
            family_id = await session.scalar(
                select(FamilyMember.family_id).where(FamilyMember.person_id == person.id)
            )
            family = await load_family(session, family_id)
            await grant_with_minors(
                session,
                person,
                family,
                text_version="bench",
                text_sha256="0" * 64,
                channel="bench",
            )
            ids.append(family_id)
    return ids


async def measure(settings: Settings, repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` pre-checks, one transaction each."""
    engine = make_async_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    families = await _families(sessionmaker)
    timings = []
    for i in range(repeat):
        started = time.perf_counter()
        async with transaction(sessionmaker) as session:
            await run_precheck(session, families[i % len(families)], "2026-11", actor="bench")
        timings.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(args.backend, Path(tmp))
        with make_sync_engine(settings).connect() as conn:
            generate(conn, families=2000, seed=7)
        timings = asyncio.run(measure(settings, args.repeat))
    q = statistics.quantiles(timings, n=20)
    print(
        f"backend={args.backend} repeat={args.repeat} "
        f"p50_ms={statistics.median(timings):.1f} p95_ms={q[18]:.1f} max_ms={max(timings):.1f}"
    )


if __name__ == "__main__":
    main()
