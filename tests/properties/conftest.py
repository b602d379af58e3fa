"""Hypothesis profiles and one dialogue per module, on an event loop of its own.

``ci`` (default) is bounded for CI; ``HYPOTHESIS_PROFILE=long`` runs thousands of examples
by hand. The dialogue is built once per module and each example speaks as a new sender,
so examples do not share a conversation (hypothesis does not mix with per-test async
fixtures, hence the loop owned here).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from hypothesis import HealthCheck, settings

from bot.app import AppContext, create_app_context
from bot.channels.gateway import Gateway
from bot.channels.rest import build_rest_app
from jiuzhu.settings import Settings
from nlu import LocalNlu, get_engine
from store.demo.fixtures import fixtures_as_of
from store.session import make_async_engine, make_sessionmaker
from tests.conftest import TEST_SECRET
from tests.journeys.conftest import demo_database

settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
settings.register_profile(
    "long", max_examples=3000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


class Recorder(logging.Handler):
    """Every log record of the run, formatted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class World:
    """The dialogue of a module, its REST server, its loop and what was logged."""

    loop: asyncio.AbstractEventLoop
    app: AppContext
    gateway: Gateway
    base: str
    logs: Recorder

    def run(self, coro: object) -> object:
        return self.loop.run_until_complete(coro)  # type: ignore[arg-type]


PERSONAL = [
    value
    for family in fixtures_as_of()
    for m in family.members
    for value in (m.name, m.id_number, m.phone)
    if value
]
"""What must never appear in a log line in clear."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    loop = asyncio.new_event_loop()
    tmp = tmp_path_factory.mktemp("properties")
    nlu = get_engine(Settings(data_dir=Path(tmp), secret_key=TEST_SECRET))
    assert isinstance(nlu, LocalNlu)
    database = demo_database("sqlite", tmp)
    recorder = Recorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    previous = root.level
    root.setLevel(logging.DEBUG)

    async def start() -> tuple[AppContext, web.AppRunner, str, object]:
        engine = make_async_engine(database)
        app = await create_app_context(
            database, throttle=False, sessionmaker=make_sessionmaker(engine), nlu=nlu
        )
        gateway = Gateway(app.dispatcher, channel="rest")
        runner = web.AppRunner(build_rest_app(gateway, token="token"))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return app, runner, f"http://127.0.0.1:{port}", engine

    app, runner, base, engine = loop.run_until_complete(start())
    try:
        yield World(loop, app, Gateway(app.dispatcher, channel="rest"), base, recorder)
    finally:
        loop.run_until_complete(runner.cleanup())
        loop.run_until_complete(app.close())
        loop.run_until_complete(engine.dispose())  # type: ignore[attr-defined]
        loop.close()
        root.removeHandler(recorder)
        root.setLevel(previous)
