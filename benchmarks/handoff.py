"""What the handoff lock costs a chat turn, and how fast a queue answers.

Run: ``.venv/bin/python -m benchmarks.handoff [--backend sqlite|postgres] [--cases 20000]``.
Fills a demo database with ``--cases`` cases (a tenth held, each with a delivered message),
then, in one run:

- **lock**: the middleware's read on every turn (held case, undelivered messages, a wait to
  announce: :func:`staff.relay.relay_state`) for a sender with no case, p50/p95 in µs;
- **SELECT 1** in the same session, the driver's own round trip, to read the lock against;
- **turn**: a whole chat turn (``你好`` through the gateway, transcript and all), p50/p95 ms,
  so the lock's share of a turn is their ratio;
- **queue**: a county caseworker's open-case list (jurisdiction filter, clocks), p50 ms.

PostgreSQL uses (and empties) the ``<test db>_bench`` database. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from benchmarks.database import bench_settings
from bot.app import create_app_context
from bot.channels.gateway import Gateway
from staff import relay
from staff.access import Principal
from staff.accounts import add_account
from staff.cases import CaseFilter, list_cases
from store.base import utcnow
from store.demo.generator import generate
from store.models import Case, Outbound
from store.session import make_sync_engine, transaction

REGIONS = ("441825", "441802", "440203", "445303", "440781", "440106")


async def _fill(sessionmaker, cases: int) -> None:
    now = utcnow()
    async with transaction(sessionmaker) as session:
        for i in range(cases):
            held = i % 10 == 0
            case = Case(kind="handoff", status="assigned" if held else "open",
                        region_code=REGIONS[i % len(REGIONS)], summary="asked for a person",
                        sender_hash=f"{i:064x}", channel="rest", address=f"s{i}", held=held,
                        created_at=now - timedelta(minutes=i % 600))  # fmt: skip
            session.add(case)
            if i % 1000 == 999:
                await session.flush()
        await session.flush()
        for i in range(0, cases, 10):
            session.add(Outbound(sender_hash=f"{i:064x}", channel="rest", address=f"s{i}",
                                 text="hi", delivered_at=now))  # fmt: skip


def _quantiles(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=20)
    return statistics.median(values), q[18]


async def measure(settings, cases: int, repeat: int) -> dict[str, tuple[float, float]]:
    ctx = await create_app_context(settings, throttle=False)
    sessionmaker = ctx.workflow_data["sessionmaker"]
    await _fill(sessionmaker, cases)
    lock, trivial, turn, queue = [], [], [], []
    async with sessionmaker() as session:  # in a turn, the update's session is open already
        for _ in range(repeat):
            started = time.perf_counter()
            await relay.relay_state(session, "f" * 64, timedelta(minutes=10))
            lock.append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            await session.execute(text("SELECT 1"))  # the driver's own round trip
            trivial.append((time.perf_counter() - started) * 1e6)
    gateway = Gateway(ctx.dispatcher, channel="rest")
    for i in range(repeat):
        started = time.perf_counter()
        await gateway.handle(f"bench-{i % 50}", "你好")
        turn.append((time.perf_counter() - started) * 1000)
    async with transaction(sessionmaker) as session:
        account = await add_account(session, username="bench", password="bench-password",
                                    role="caseworker", region_prefix="441825")  # fmt: skip
    county = Principal.of(account)
    for _ in range(max(repeat // 10, 20)):
        started = time.perf_counter()
        async with transaction(sessionmaker) as session:
            await list_cases(session, county, CaseFilter(status="active"))
        queue.append((time.perf_counter() - started) * 1000)
    await ctx.close()
    return {"lock_us": _quantiles(lock), "select1_us": _quantiles(trivial),
            "turn_ms": _quantiles(turn),
            "queue_ms": _quantiles(queue)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(args.backend, Path(tmp))
        with make_sync_engine(settings).connect() as conn:
            generate(conn, families=200, seed=7)
        found = asyncio.run(measure(settings, args.cases, args.repeat))
    lock, turn, queue = found["lock_us"], found["turn_ms"], found["queue_ms"]
    select1 = found["select1_us"][0]
    print(f"{args.backend}, {args.cases} cases: handoff lock p50 {lock[0]:.0f} / p95 "
          f"{lock[1]:.0f} µs per turn (SELECT 1: {select1:.0f} µs); a whole turn p50 "
          f"{turn[0]:.2f} / p95 {turn[1]:.2f} ms "
          f"(lock = {lock[0] / 10 / turn[0]:.1f} % of a turn); county queue "
          f"({len(REGIONS)} regions) p50 {queue[0]:.1f} / p95 {queue[1]:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
