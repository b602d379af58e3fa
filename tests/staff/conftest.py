"""The served application on loopback HTTP, staff accounts, and clients for both sides.

``server`` runs what ``jiuzhu serve`` runs (:func:`bot.server.build_server`) on a demo
database (SQLite by default; ``server_pg`` on the real PostgreSQL). ``StaffClient`` signs in
over the JSON API and keeps its cookie and CSRF token; ``RestResident`` talks to the REST
webhook as an integrator would.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import AppContext, create_app_context
from bot.server import build_server
from jiuzhu.settings import Settings
from nlu import NluEngine
from staff.accounts import add_account
from store.session import transaction
from tests.journeys.conftest import demo_database, nlu_engine, story_ids  # noqa: F401  (fixture)

PASSWORD = "correct horse battery"
STAFF = {
    "lianshan": ("caseworker", "441825"),  # 连山 only
    "qingyuan": ("caseworker", "4418"),  # all of 清远
    "qy-super": ("supervisor", "4418"),
    "shaoguan": ("caseworker", "4402"),  # 韶关
    "yunfu": ("caseworker", "4453"),  # 云浮 (story D)
    "province": ("caseworker", "44"),
    "auditor": ("auditor", "44"),
}
"""Accounts every served test has; all with :data:`PASSWORD`."""


@dataclass
class Served:
    ctx: AppContext
    base: str
    settings: Settings

    @property
    def sessionmaker(self) -> Any:
        return self.ctx.workflow_data["sessionmaker"]


async def add_staff(served: Served, accounts: dict[str, tuple[str, str]] = STAFF) -> None:
    async with transaction(served.sessionmaker) as session:
        for username, (role, region) in accounts.items():
            await add_account(session, username=username, password=PASSWORD, role=role,
                              region_prefix=region)  # fmt: skip


async def _serve(settings: Settings, nlu: NluEngine, **pushers: Any) -> AsyncIterator[Served]:
    ctx = await create_app_context(settings, throttle=False, nlu=nlu)
    runner = web.AppRunner(build_server(ctx, pushers=pushers or None))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    served = Served(ctx, f"http://127.0.0.1:{port}", settings)
    try:
        await add_staff(served)
        yield served
    finally:
        await runner.cleanup()
        await ctx.close()


@pytest.fixture
async def server(tmp_path: Path, nlu_engine: NluEngine) -> AsyncIterator[Served]:  # noqa: F811
    """The served app on a SQLite demo database, with the :data:`STAFF` accounts."""
    async for served in _serve(demo_database("sqlite", tmp_path), nlu_engine):
        yield served


@pytest.fixture
async def server_pg(tmp_path: Path, nlu_engine: NluEngine) -> AsyncIterator[Served]:  # noqa: F811
    """The same on the real PostgreSQL (database ``test``, reset first)."""
    async for served in _serve(demo_database("postgres", tmp_path), nlu_engine):
        yield served


class StaffClient:
    """A staff member's HTTP client: cookie jar, CSRF token, JSON in and out."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf: str | None = None

    async def login(self, username: str, password: str = PASSWORD) -> int:
        status, body = await self.call("POST", "/staff/api/login",
                                       {"username": username, "password": password})  # fmt: skip
        if status == 200:
            self.csrf = body["csrf_token"]
        return status

    async def call(
        self, method: str, path: str, json: Any = None, *, csrf: bool = True
    ) -> tuple[int, Any]:
        """``(status, JSON body or text)``; sends the CSRF token unless ``csrf=False``."""
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        async with self.http.request(method, self.base + path, json=json,
                                     headers=headers) as response:  # fmt: skip
            try:
                return response.status, await response.json()
            except (aiohttp.ContentTypeError, ValueError):
                return response.status, await response.text()

    async def close(self) -> None:
        await self.http.close()


class RestResident:
    """A resident behind an integrator: POSTs to the REST webhook, keeps the replies."""

    def __init__(self, base: str, sender: str) -> None:
        self.base, self.sender = base, sender
        self.http = aiohttp.ClientSession()
        self.last: list[dict[str, Any]] = []
        self._n = 0

    async def say(self, text: str) -> str:
        self._n += 1
        payload = {"sender": self.sender, "message": text, "message_id": f"m{self._n}"}
        async with self.http.post(self.base + "/webhooks/rest/webhook", json=payload) as r:
            assert r.status == 200, await r.text()
            self.last = await r.json()
        return "\n".join(m.get("text", "") for m in self.last)

    async def press(self, title: str) -> str:
        for reply in reversed(self.last):
            for button in reply.get("buttons") or []:
                if button["title"] == title:
                    return await self.say(button["payload"])
        titles = [b["title"] for r in self.last for b in r.get("buttons") or []]
        msg = f"no button {title!r} in {titles}"
        raise AssertionError(msg)

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.last)

    async def sign_in(self, id_number: str) -> str:
        """Give the ID number, then the code shown in demo mode."""
        await self.say(id_number)
        match = re.search(r"(?:本次验证码：|The code this time: )(\d{6})", self.text)
        assert match, self.text
        return await self.say(match.group(1))

    async def close(self) -> None:
        await self.http.close()


async def open_handoff(base: str, sender: str, story: str = "A") -> RestResident:
    """A REST resident of ``story`` signs in (via the happiness list) and asks for a person;
    returned still connected (the caller closes it)."""
    resident = RestResident(base, sender)
    await resident.say("/start")
    await resident.press("查看我的待遇")
    await resident.sign_in(story_ids(story)[0])
    await resident.say("转人工")
    return resident


@pytest.fixture
async def staff_client(server: Served) -> AsyncIterator[Any]:
    """A factory of signed-out :class:`StaffClient`s for ``server``, closed after the test."""
    clients: list[StaffClient] = []

    def make() -> StaffClient:
        clients.append(StaffClient(server.base))
        return clients[-1]

    yield make
    for c in clients:
        await c.close()
