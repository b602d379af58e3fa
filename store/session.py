"""Engines and sessions: async for the bot path, blocking for batch and bulk work.

SQLite gets WAL mode, foreign keys and a busy timeout so a chat and a batch job can share
the embedded file. Its transactions begin with ``BEGIN IMMEDIATE``: a deferred transaction
that read first and writes later cannot wait for the lock (SQLite answers "database is
locked" at once when another writer committed since its read), an immediate one waits its
turn within the busy timeout. The dialogue commits before every reply
(:mod:`bot.middlewares.db`), so the lock is never held while a message travels.
Engines hide statement parameters from errors and logs: a failing INSERT must not print a
name, a phone or an ID number. :func:`transaction` commits on success *and* on expected errors
(:class:`~jiuzhu.errors.JiuzhuError`), so audit rows written before a refusal survive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from jiuzhu.errors import JiuzhuError
from jiuzhu.settings import Settings
from store.sqlite_driver import one_hop_dbapi
from store.sqlite_file import FileIdentity, read_write_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""[A] How long a SQLite writer waits for the lock: 500 concurrent conversations queue for
it, each holding it a few milliseconds between replies."""
SQLITE_CONNECTIONS = 2
"""Connections of one process to the SQLite file: two, so that a second session opened
while one is held (a transcript, a nested read) never waits for itself."""


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The driver's own implicit BEGIN is deferred; ours (below) is immediate.
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _configure(engine: Engine, url: URL) -> None:
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)


def make_async_engine(settings: Settings) -> AsyncEngine:
    """An async engine for ``settings.async_database_url`` (the dialogue's).

    A SQLite file must exist and stay the same file (:mod:`store.sqlite_file`).

    :raises DatabaseFileGone: the SQLite file does not exist.
    """
    url = settings.async_database_url
    identity = None
    driver: dict[str, object] = {}
    if url.get_backend_name() == "sqlite" and (module := one_hop_dbapi()) is not None:
        driver["module"] = module  # a thread hop per statement, not four (store/sqlite_driver.py)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        identity = FileIdentity.of(Path(url.database))
        url = read_write_url(url)
        # One writer at a time anyway (BEGIN IMMEDIATE): updates queue for a connection in
        # arrival order here instead of polling SQLite's lock from many threads.
        pool = {"pool_size": SQLITE_CONNECTIONS, "max_overflow": 0, "pool_timeout": 120}
    else:
        pool = {"pool_pre_ping": True}
    engine = create_async_engine(url, hide_parameters=True, **pool, **driver)
    if identity is not None:
        identity.guard(engine.sync_engine)
    _configure(engine.sync_engine, url)
    return engine


def make_sync_engine(settings: Settings) -> Engine:
    """A blocking engine for ``settings.sync_database_url`` (migrations, demo data, batch)."""
    url = settings.sync_database_url
    engine = create_engine(url, hide_parameters=True)
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
