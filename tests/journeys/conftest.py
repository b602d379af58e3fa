"""A resident talking to the real dialogue: real Dispatcher, real database, local NLU.

``Resident`` sends text (or a button's payload) through the channel gateway and keeps what
came back, so a test reads like the conversation it replays.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import AppContext, create_app_context
from bot.channels.gateway import Gateway
from jiuzhu.settings import Settings
from nlu import LocalNlu, NluEngine, get_engine
from store.demo.fixtures import fixture_by_story
from store.demo.generator import generate
from store.session import make_async_engine, make_sessionmaker, make_sync_engine
from tests.conftest import TEST_SECRET, migrated


@pytest.fixture(scope="session")
def nlu_engine(tmp_path_factory: pytest.TempPathFactory) -> NluEngine:
    """One trained local NLU for the whole session (training takes a few seconds)."""
    data_dir = tmp_path_factory.mktemp("nlu")
    engine = get_engine(Settings(data_dir=data_dir, secret_key=TEST_SECRET))
    assert isinstance(engine, LocalNlu)
    return engine


def demo_database(backend: str, tmp_path: Path) -> Settings:
    """A migrated database with the story families and 30 synthetic ones."""
    settings = migrated(backend, tmp_path)
    engine = make_sync_engine(settings)
    with engine.connect() as conn:
        generate(conn, families=30, seed=7)
    engine.dispose()
    return settings


class Resident:
    """One sender in a conversation; ``last`` holds the replies to the latest message."""

    def __init__(self, gateway: Gateway, sender: str) -> None:
        self.gateway = gateway
        self.sender = sender
        self.last: list[dict[str, Any]] = []
        self.seen: list[dict[str, Any]] = []
        self._ids = 0

    async def say(self, text: str) -> str:
        """Send ``text``; returns all reply texts joined by newlines."""
        self._ids += 1
        self.last = list(
            await self.gateway.handle(self.sender, text, f"{self.sender}-{self._ids}")
        )
        self.seen += self.last
        return self.text

    async def press(self, title: str) -> str:
        """Press the button titled ``title`` among the latest replies' buttons."""
        for reply in reversed(self.last):
            for button in reply.get("buttons") or []:
                if button["title"] == title:
                    return await self.say(button["payload"])
        titles = [b["title"] for r in self.last for b in r.get("buttons") or []]
        msg = f"no button {title!r} in {titles}"
        raise AssertionError(msg)

    @property
    def text(self) -> str:
        return "\n".join(r.get("text") or "" for r in self.last)

    @property
    def documents(self) -> list[dict[str, Any]]:
        return [r["document"] for r in self.last if r.get("document")]

    def demo_code(self) -> str:
        """The one-time code the demo mode showed (in Chinese or in English)."""
        match = re.search(r"(?:本次验证码：|The code this time: )(\d{6})", self.text)
        assert match, self.text
        return match.group(1)

    async def sign_in(self, id_number: str) -> str:
        """Give the ID number, then the code shown in demo mode."""
        await self.say(id_number)
        return await self.say(self.demo_code())


@asynccontextmanager
async def dialogue(backend: str, tmp_path: Path, nlu: NluEngine) -> AsyncIterator[AppContext]:
    """The dialogue over a demo database of ``backend``, without rate limits."""
    settings = demo_database(backend, tmp_path)
    engine = make_async_engine(settings)
    ctx = await create_app_context(
        settings, throttle=False, sessionmaker=make_sessionmaker(engine), nlu=nlu
    )
    ctx.exit_stack.push_async_callback(engine.dispose)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def app(
    request: pytest.FixtureRequest, tmp_path: Path, nlu_engine: NluEngine
) -> AsyncIterator[AppContext]:
    """The dialogue over a demo database (SQLite and PostgreSQL)."""
    async with dialogue(request.param, tmp_path, nlu_engine) as ctx:
        yield ctx


@pytest.fixture
def gateway(app: AppContext) -> Gateway:
    return Gateway(app.dispatcher, channel="rest")


@pytest.fixture
def resident(gateway: Gateway) -> Resident:
    return Resident(gateway, "resident-1")


def story_ids(story: str) -> list[str]:
    """The ID numbers of a story family, applicant first."""
    return [m.id_number for m in fixture_by_story(story).members]
