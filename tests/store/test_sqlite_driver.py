"""The dialogue's SQLite engine: one thread hop per statement, the same answers as aiosqlite."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from store.session import _configure
from store.sqlite_driver import one_hop_dbapi


@pytest.fixture
async def engine(tmp_path: Path):
    module = one_hop_dbapi()
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


@pytest.fixture
async def wal_engine(tmp_path: Path):
    """The dialogue's set-up: WAL, ``BEGIN IMMEDIATE``, a short busy timeout for the test."""
    url = make_url(f"sqlite+aiosqlite:///{tmp_path}/w.db")
    engine = create_async_engine(url, module=one_hop_dbapi(), pool_size=2, max_overflow=0)
    _configure(engine.sync_engine, url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)"))
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
