"""Engines and sessions: async for the bot path, blocking for batch and bulk work.

SQLite gets WAL mode, foreign keys and a busy timeout so a chat and a batch job can share
the embedded file. :func:`transaction` commits on success *and* on expected errors
(:class:`~jiuzhu.errors.JiuzhuError`), so audit rows written before a refusal survive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from jiuzhu.errors import JiuzhuError
from jiuzhu.settings import Settings


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _configure(engine: Engine, url: URL) -> None:
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def make_async_engine(settings: Settings) -> AsyncEngine:
    """An async engine for ``settings.async_database_url``."""
    url = settings.async_database_url
    engine = create_async_engine(url, pool_pre_ping=url.get_backend_name() != "sqlite")
    _configure(engine.sync_engine, url)
    return engine


def make_sync_engine(settings: Settings) -> Engine:
    """A blocking engine for ``settings.sync_database_url`` (migrations, demo data, batch)."""
    url = settings.sync_database_url
    engine = create_engine(url)
    _configure(engine, url)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep objects usable after commit (no lazy reloads in handlers)."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed on success or on a :class:`JiuzhuError`.

    Unexpected exceptions roll back. Either way the exception propagates.
    """
    async with sessionmaker() as session:
        try:
            yield session
        except JiuzhuError:
            await session.commit()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
