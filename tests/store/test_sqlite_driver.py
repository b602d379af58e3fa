"""The dialogue's SQLite engine: one thread hop per statement, the same answers as aiosqlite,
and writers served in the order they came."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from store.session import _configure
from store.sqlite_driver import one_hop_dbapi


@pytest.fixture
async def engine(tmp_path: Path):
    module = one_hop_dbapi(5)
    assert module is not None, "the installed aiosqlite/SQLAlchemy lost the one-hop cursor"
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db", module=module)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def test_rows_counts_and_returning(engine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (a) VALUES ('x') RETURNING id"))
        assert inserted.scalar_one() == 1
        many = await conn.execute(text("INSERT INTO t (a) VALUES (:a)"), [{"a": "y"}, {"a": "z"}])
        assert many.rowcount == 2
        updated = await conn.execute(text("UPDATE t SET a = a || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        rows = (await conn.execute(text("SELECT id, a FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "x"), (2, "y!"), (3, "z!")]
        streamed = [r.a async for r in await conn.stream(text("SELECT a FROM t ORDER BY id"))]
        assert streamed == ["x", "y!", "z!"]


async def test_errors_are_the_drivers_and_roll_back(engine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (a) VALUES ('x')"))
            await conn.execute(text("INSERT INTO t (a) VALUES ('x')"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0


def _wal_engine(path: Path, queue_timeout_s: float = 10) -> AsyncEngine:
    """The dialogue's set-up: WAL, ``BEGIN IMMEDIATE``, two connections."""
    url = make_url(f"sqlite+aiosqlite:///{path}")
    module = one_hop_dbapi(queue_timeout_s)
    engine = create_async_engine(url, module=module, pool_size=2, max_overflow=0)
    _configure(engine.sync_engine, url)
    return engine


@pytest.fixture
async def wal_engine(tmp_path: Path):
    engine = _wal_engine(tmp_path / "w.db")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def test_in_a_write_transaction_statements_run_on_the_loop(wal_engine) -> None:
    async with wal_engine.begin() as conn:
        adapted = (await conn.get_raw_connection()).dbapi_connection
        assert adapted.locked  # BEGIN IMMEDIATE took the lock, in the thread
        await conn.execute(text("INSERT INTO t (a) VALUES ('x')"))
        assert (await conn.execute(text("SELECT a FROM t"))).scalar_one() == "x"
    assert not adapted.locked  # committed: the next BEGIN takes it again
    async with wal_engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1


async def test_waiting_for_the_lock_does_not_block_the_loop(wal_engine, tmp_path: Path) -> None:
    """Another process's writer (a batch job) holds the lock: the turn waits, the loop runs."""
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> None:
        async with wal_engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (a) VALUES ('after')"))

    ticker = asyncio.create_task(tick())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writer.done() and ticks >= 10  # waiting in the thread, the loop ticking
    other.execute("INSERT INTO t (a) VALUES ('batch')")
    other.execute("COMMIT")
    await asyncio.wait_for(writer, 10)
    ticker.cancel()
    other.close()
    async with wal_engine.connect() as conn:
        rows = (await conn.execute(text("SELECT a FROM t ORDER BY id"))).scalars().all()
    assert rows == ["batch", "after"]


async def test_writers_are_served_in_the_order_they_came(wal_engine) -> None:
    """Twelve transactions at once on two connections commit in the order they began.

    Each holds the lock 20 ms. In SQLite's busy handler the waiting connection sleeps and
    retries, and a transaction that arrives while it sleeps takes the lock first."""
    committed: list[int] = []

    async def write(n: int) -> None:
        async with wal_engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (a) VALUES (:a)"), {"a": str(n)})
            await asyncio.sleep(0.02)
        committed.append(n)

    writers = []
    for n in range(12):
        writers.append(asyncio.create_task(write(n)))
        await asyncio.sleep(0.003)  # arrivals 3 ms apart, while the lock is held
    await asyncio.wait_for(asyncio.gather(*writers), 30)
    assert committed == list(range(12))
    async with wal_engine.connect() as conn:
        rows = (await conn.execute(text("SELECT a FROM t ORDER BY id"))).scalars().all()
    assert rows == [str(n) for n in range(12)]


async def test_a_failed_transaction_gives_up_its_turn(wal_engine) -> None:
    with pytest.raises(IntegrityError):
        async with wal_engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (a) VALUES ('x')"))
            await conn.execute(text("INSERT INTO t (a) VALUES ('x')"))
    async with asyncio.timeout(5):  # not waiting for a turn nobody gives back
        async with wal_engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (a) VALUES ('y')"))
    async with wal_engine.connect() as conn:
        assert (await conn.execute(text("SELECT a FROM t"))).scalars().all() == ["y"]


async def test_the_queue_gives_up_after_the_busy_timeout(tmp_path: Path) -> None:
    """A transaction that waits past the timeout hears SQLite's own answer."""
    engine = _wal_engine(tmp_path / "q.db", queue_timeout_s=0.2)
    try:
        async with engine.begin() as holder:
            await holder.execute(text("CREATE TABLE t (a TEXT)"))
            with pytest.raises(OperationalError, match="database is locked"):
                async with engine.begin() as waiter:
                    await waiter.execute(text("INSERT INTO t (a) VALUES ('late')"))
            await holder.execute(text("INSERT INTO t (a) VALUES ('first')"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT a FROM t"))).scalars().all() == ["first"]
    finally:
        await engine.dispose()
