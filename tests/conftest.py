"""Shared fixtures: a migrated database on SQLite (a temp file) and on the real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jiuzhu.clock import FrozenClock, set_clock
from jiuzhu.settings import Settings
from nlu import rasa_env
from store.crypto import configure_vault
from store.migrate import upgrade
from store.session import make_async_engine, make_sessionmaker, make_sync_engine

TEST_SECRET = "test-secret-key-for-jiuzhu-tests-only"

TEST_TODAY = date.fromisoformat(os.environ.get("JIUZHU_TEST_TODAY", "2026-12-01"))
"""The day every test runs on: ``JIUZHU_TEST_TODAY=2031-06-01 pytest`` replays the suite then.
Installed at import, before any test module builds data from the date."""
TEST_CLOCK = FrozenClock(datetime.combine(TEST_TODAY, time(4), UTC))  # noon in Guangdong
set_clock(TEST_CLOCK)
POSTGRES_URL = os.environ.get(
    "JIUZHU_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True, scope="session")
def _vault() -> None:
    # Session scope, so module- and session-scoped fixtures encrypt with the test key too.
    configure_vault(TEST_SECRET.encode())


def reset_postgres(url: str) -> None:
    """Drop every table of the test database (its ``public`` schema)."""
    engine = make_sync_engine(Settings(database_url=url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def migrated(backend: str, tmp_path: Path) -> Settings:
    """Settings for a fresh, migrated database: ``sqlite`` (a temp file) or ``postgres``."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'jiuzhu.db'}"
    else:
        url = POSTGRES_URL
        reset_postgres(url)
    settings = Settings(database_url=url, data_dir=tmp_path, secret_key=TEST_SECRET)
    upgrade(settings)
    return settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a freshly migrated database of each backend."""
    return migrated(request.param, tmp_path)


@pytest.fixture
def sync_engine(db_settings: Settings) -> Iterator[Engine]:
    engine = make_sync_engine(db_settings)
    yield engine
    engine.dispose()


@pytest.fixture
async def sessionmaker(db_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_async_engine(db_settings)
    yield make_sessionmaker(engine)
    await engine.dispose()


def rasa_venv() -> Path:
    """The Rasa venv built by ``jiuzhu nlu rasa-setup``; skips the test when it is missing,
    fails it instead when ``JIUZHU_REQUIRE_RASA=1`` (CI)."""
    venv = rasa_env.default_venv()
    if not rasa_env.is_ready(venv):
        why = f"Rasa venv not built at {venv}: run `jiuzhu nlu rasa-setup`"
        if os.environ.get("JIUZHU_REQUIRE_RASA") == "1":
            pytest.fail(f"JIUZHU_REQUIRE_RASA=1 but {why}")
        pytest.skip(why)
    return venv
