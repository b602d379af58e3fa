"""The dialogue's SQLite engine: one thread hop per statement, the same answers as aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

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
