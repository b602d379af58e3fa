"""A resident of Rasa's callback channel: the whole conversation arrives at the integrator's
endpoint, and so does what a caseworker writes, at once, without the resident writing first.

What ``jiuzhu serve`` serves (``build_server``) on a demo database, over loopback HTTP.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from nlu import NluEngine
from store.models import Case
from tests.journeys.conftest import demo_database, story_ids
from tests.staff.conftest import StaffClient, _serve


class Endpoint:
    """The integrator's callback endpoint on loopback; records each message."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        return web.Response(text="ok")


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[Endpoint, str]]:
    recorder = Endpoint()
    app = web.Application()
    app.router.add_post("/bot", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield recorder, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/bot"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


class CallbackResident:
    """Sends to ``/webhooks/callback/webhook``; reads the replies at the endpoint."""

    def __init__(self, base: str, sender: str, endpoint: Endpoint) -> None:
        self.base, self.sender, self.endpoint = base, sender, endpoint
        self.last: list[dict[str, Any]] = []

    async def say(self, text: str) -> str:
        before = len(self.endpoint.received)
        body = {"sender": self.sender, "message": text}
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.base + "/webhooks/callback/webhook", json=body) as resp,
        ):
            assert (resp.status, await resp.text()) == (200, "success")
        self.last = self.endpoint.received[before:]
        return "\n".join(m.get("text", "") for m in self.last)

    async def press(self, title: str) -> str:
        buttons = [b for m in self.last for b in m.get("buttons", [])]
        return await self.say(next(b["payload"] for b in buttons if b["title"] == title))


async def test_a_callback_resident_signs_in_and_gets_the_caseworker_at_once(
    tmp_path: Path, nlu_engine: NluEngine, endpoint: tuple[Endpoint, str]
) -> None:
    recorder, url = endpoint
    settings = demo_database("sqlite", tmp_path).model_copy(update={"rest_callback_url": url})
    async for served in _serve(settings, nlu_engine):
        resident = CallbackResident(served.base, "cb:erin", recorder)
        await resident.say("/start")
        await resident.press("查看我的待遇")
        code = re.search(r"本次验证码：(\d{6})", await resident.say(story_ids("A")[0]))
        assert code, resident.last
        assert "幸福清单" in await resident.say(code.group(1))
        await resident.say("转人工")
        async with served.sessionmaker() as session:
            case = await session.scalar(select(Case).where(Case.kind == "handoff"))
        assert case is not None and case.channel == "callback"
        worker = StaffClient(served.base)
        try:
            await worker.login("lianshan")
            before = len(recorder.received)
            assert (await worker.call("POST", f"/staff/api/cases/{case.id}/take"))[0] == 200
            await worker.call("POST", f"/staff/api/cases/{case.id}/messages", {"text": "在的"})
        finally:
            await worker.close()
        pushed = recorder.received[before:]
        assert {m["recipient_id"] for m in pushed} == {"cb:erin"}
        assert "已接入" in pushed[0]["text"]
        assert re.fullmatch(r"【\d+号工作人员】在的", pushed[-1]["text"])
