"""The handoff relay beyond the happy path: pushes to an integrator's callback URL (Rasa's
``CallbackOutput`` form), the lock held in the database (any worker stays silent), a
resident left waiting told the expected wait and offered a call-back, a crisis while held."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.channels.gateway import Gateway
from jiuzhu.clock import FrozenClock, use_clock
from nlu import NluEngine
from store.models import Case, CaseEvent
from tests.conftest import TEST_CLOCK
from tests.journeys.conftest import Resident, demo_database
from tests.staff.conftest import RestResident, Served, StaffClient, _serve, open_handoff


class CallbackEndpoint:
    """An integrator's endpoint on loopback that records what jiuzhu POSTs to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        self.arrived.set()
        return web.json_response({"status": "ok"})


@pytest.fixture
async def callback() -> AsyncIterator[tuple[CallbackEndpoint, str]]:
    endpoint = CallbackEndpoint()
    app = web.Application()
    app.router.add_post("/bot", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield endpoint, f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


async def _case_id(served: Served) -> int:
    async with served.sessionmaker() as session:
        return await session.scalar(select(Case.id).where(Case.kind == "handoff"))


async def test_replies_are_pushed_to_the_callback_url(
    tmp_path: Path, nlu_engine: NluEngine, callback: tuple[CallbackEndpoint, str]
) -> None:
    endpoint, url = callback
    settings = demo_database("sqlite", tmp_path).model_copy(update={"rest_callback_url": url})
    async for served in _serve(settings, nlu_engine):
        resident = await open_handoff(served.base, "line:carol")
        worker = StaffClient(served.base)
        try:
            await worker.login("lianshan")
            case_id = await _case_id(served)
            assert (await worker.call("POST", f"/staff/api/cases/{case_id}/take"))[0] == 200
            await worker.call("POST", f"/staff/api/cases/{case_id}/messages", {"text": "在的"})
            # Pushed at once, without the resident writing first, one JSON message each.
            assert [m["recipient_id"] for m in endpoint.received] == ["line:carol"] * 2
            assert "已接入" in endpoint.received[0]["text"]
            assert re.fullmatch(r"【\d+号工作人员】在的", endpoint.received[1]["text"])
            # ...and not again with the next reply (the resident is held: nothing comes back).
            assert await resident.say("谢谢") == ""
        finally:
            await worker.close()
            await resident.close()


async def test_the_lock_is_in_the_database_not_in_a_worker(
    server: Served, staff_client: Any
) -> None:
    resident = await open_handoff(server.base, "wechat:dan")
    try:
        worker = staff_client()
        await worker.login("qingyuan")  # all of 清远 covers 连山
        case_id = await _case_id(server)
        await worker.call("POST", f"/staff/api/cases/{case_id}/take")
        # A second worker (its own gateway memory) serves the same resident: still silent.
        other = Resident(Gateway(server.ctx.dispatcher, channel="rest"), "wechat:dan")
        shown = await other.say("我想查我的待遇")
        assert "已接入" in shown and "幸福清单" not in shown
        assert await other.say("/start") == ""  # even a command waits for the caseworker
        async with server.sessionmaker() as session:
            words = list(await session.scalars(
                select(CaseEvent.text).where(CaseEvent.case_id == case_id,
                                             CaseEvent.kind == "message_in")
            ))  # fmt: skip
        assert words == ["我想查我的待遇", "/start"]
    finally:
        await resident.close()


async def test_a_crisis_while_held_makes_the_case_urgent(
    server: Served, staff_client: Any
) -> None:
    resident = await open_handoff(server.base, "wechat:erin")
    try:
        worker = staff_client()
        await worker.login("lianshan")
        case_id = await _case_id(server)
        await worker.call("POST", f"/staff/api/cases/{case_id}/take")
        helped = await resident.say("我不想活了")
        assert "12356" in helped  # the emergency numbers, even while held
        _, detail = await worker.call("GET", f"/staff/api/cases/{case_id}")
        assert detail["priority"] == "urgent"
    finally:
        await resident.close()


async def test_a_long_wait_is_announced_with_a_call_back(server: Served) -> None:
    resident = await open_handoff(server.base, "wechat:fay")
    try:
        assert "已接入" not in await resident.say("你好")  # nobody has taken it yet
        later = FrozenClock(TEST_CLOCK.now() + timedelta(minutes=11))  # past the 10-minute wait
        with use_clock(later):
            waiting = await resident.say("还要等多久？")
            assert "工作人员都在忙" in waiting
            assert "3个工作日" in waiting  # none of the region taken yet: the first-contact clock
            noted = await resident.press("请给我回电")
            assert "已请工作人员回电" in noted
            again = await resident.say("你好")
        assert "工作人员都在忙" not in again  # said once per case
        async with server.sessionmaker() as session:
            case = await session.scalar(select(Case).where(Case.kind == "handoff"))
            notes = list(await session.scalars(
                select(CaseEvent.data).where(CaseEvent.case_id == case.id,
                                             CaseEvent.kind == "note")
            ))  # fmt: skip
        assert case.priority == "high" and {"callback": True} in notes
    finally:
        await resident.close()


async def test_terminal_resident_not_signed_in_reaches_the_province_queue(
    server: Served, staff_client: Any
) -> None:
    resident = Resident(Gateway(server.ctx.dispatcher, channel="terminal"), "terminal")
    assert "服务编号" in await resident.say("我要找人工")
    county, province = staff_client(), staff_client()
    await county.login("lianshan")
    await province.login("province")
    _, theirs = await county.call("GET", "/staff/api/cases")
    _, ours = await province.call("GET", "/staff/api/cases")
    assert theirs["cases"] == [] and [c["region_code"] for c in ours["cases"]] == ["440000"]
    case_id = ours["cases"][0]["id"]
    await province.call("POST", f"/staff/api/cases/{case_id}/take")
    await province.call("POST", f"/staff/api/cases/{case_id}/messages", {"text": "请讲"})
    shown = await resident.say("我是连山的")  # the terminal shows it at the next turn
    assert "已接入" in shown and re.search(r"【\d+号工作人员】请讲", shown)


async def test_a_caseworker_s_words_reach_rest_as_typed(server: Served, staff_client: Any) -> None:
    resident = await open_handoff(server.base, "wechat:gus")
    try:
        worker = staff_client()
        await worker.login("lianshan")
        case_id = await _case_id(server)
        await worker.call("POST", f"/staff/api/cases/{case_id}/take")
        typed = "It's <b>5</b> & 10 元 \"ok\""
        await worker.call("POST", f"/staff/api/cases/{case_id}/messages", {"text": typed})
        assert f"号工作人员】{typed}" in await resident.say("?")
    finally:
        await resident.close()


async def test_no_call_back_is_offered_without_a_phone_to_call(server: Served) -> None:
    resident = RestResident(server.base, "wechat:anonymous")
    try:
        await resident.say("我要找工作人员")  # not signed in: nobody's phone is known
        with use_clock(FrozenClock(TEST_CLOCK.now() + timedelta(minutes=11))):
            waiting = await resident.say("有人吗")
        assert "工作人员都在忙" in waiting and "12345" in waiting
        titles = [b["title"] for r in resident.last for b in r.get("buttons") or []]
        assert "请给我回电" not in titles and "继续等待" in titles
    finally:
        await resident.close()
