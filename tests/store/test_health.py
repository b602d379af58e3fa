"""Issue 9, finding 7: the database probe behind ``/readyz`` and the SQLite file rule.

Real files (made unwritable with the immutable flag when running as root, who writes
through file modes) and the real PostgreSQL, in a database of each test's own.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from jiuzhu.settings import Settings
from store.health import database_problem
from store.migrate import upgrade
from store.session import make_async_engine, make_sessionmaker, make_sync_engine
from store.sqlite_file import DatabaseFileUnwritable
from tests.conftest import POSTGRES_URL, TEST_SECRET, migrated


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """``path`` cannot be written by this process inside the block."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    try:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    except FileNotFoundError:
        pytest.skip("no chattr: cannot make a file unwritable for root")
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not supported here: {done.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_an_unwritable_shm_is_refused_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = migrated("sqlite", tmp_path)
    path = tmp_path / "jiuzhu.db"
    engine = make_async_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with sessionmaker() as session:  # a pooled connection keeps -wal and -shm
            await session.execute(text("SELECT 1"))
        shm = Path(f"{path}-shm")
        assert shm.exists()
        with unwritable(shm):
            # Before: SQLite's own "attempt to write a readonly database" on the first write
            # (or SIGBUS when the mapping cannot be backed), no log line naming the file.
            with pytest.raises(DatabaseFileUnwritable, match="-shm is not writable"):
                async with sessionmaker() as session:
                    await session.execute(text("SELECT 1"))
            refused = [r for r in caplog.records if r.levelno == logging.ERROR]
            assert any(f"{shm} is not writable" in r.getMessage() for r in refused)
            assert await database_problem(sessionmaker, path) == f"{shm} is not writable"
        assert await database_problem(sessionmaker, path) is None  # and usable again
    finally:
        await engine.dispose()


async def test_a_read_only_database_file_is_not_ready(tmp_path: Path) -> None:
    settings = migrated("sqlite", tmp_path)
    path = tmp_path / "jiuzhu.db"
    engine = make_async_engine(settings)
    try:
        with unwritable(path):
            problem = await database_problem(make_sessionmaker(engine), path)
            assert problem is not None and f"{path} is not writable" in problem
            # And without the file check, the probe's BEGIN IMMEDIATE fails on its own.
            blocking = make_sync_engine(settings)
            try:
                with pytest.raises(OperationalError, match="readonly"), blocking.begin():
                    pass
            finally:
                blocking.dispose()
    finally:
        await engine.dispose()


@contextmanager
def own_postgres_database() -> Iterator[Settings]:
    """Settings for a new, empty database on the test server; dropped afterwards."""
    name = f"jiuzhu_health_{secrets.token_hex(4)}"
    admin = make_url(POSTGRES_URL).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin.set(database=name).render_as_string(hide_password=False)
        yield Settings(database_url=url, secret_key=TEST_SECRET)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.postgres
async def test_postgres_ready_then_refused_read_only_and_without_the_schema() -> None:
    with own_postgres_database() as settings:
        engine = make_async_engine(settings)
        try:
            # Before: "SELECT 1" passed on a database without the schema.
            assert await database_problem(make_sessionmaker(engine)) is not None
        finally:
            await engine.dispose()

        upgrade(settings)
        engine = make_async_engine(settings)
        try:
            assert await database_problem(make_sessionmaker(engine)) is None
        finally:
            await engine.dispose()

        dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            name = settings.sync_database_url.database
            conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        engine = make_async_engine(settings)  # new connections are read-only
        try:
            problem = await database_problem(make_sessionmaker(engine))
            assert problem is not None and "read and a write" in problem
        finally:
            await engine.dispose()
