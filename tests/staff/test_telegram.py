"""Issue 10 on Telegram: residents in private chats, staff in the staff group, over a fake
Bot API on loopback (aiogram's real ``Bot`` and polling, the real served app and database).

A resident asks for a person → a masked card is posted in the staff group → a linked
caseworker presses 接手 → the card shows who took it → their reply to the card reaches the
resident's chat by push → the resident's answer reaches the case → /close → the resident
is told the assistant is back, and it answers again.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import create_app_context
from bot.channels.telegram import TelegramChannel, connect, make_bot
from bot.middlewares.handoff import KEPT_ON_RETURN
from bot.server import build_server
from jiuzhu.settings import Settings
from nlu import NluEngine
from staff.accounts import account_named, link_telegram
from staff.cases import Resident, open_case
from staff.telegram.board import Board
from staff.telegram.notifier import CardNotifier
from staff.web.keys import PUSHERS
from store.demo.fixtures import fixture_by_story
from store.migrate import upgrade
from store.models import Case, CaseEvent, StaffAccess
from store.session import transaction
from templates import texts
from tests.fakes.telegram_api import TOKEN, ApiCall, FakeTelegram, user
from tests.journeys.conftest import demo_database, story_ids
from tests.staff.conftest import RestResident, Served, StaffClient, add_staff

BOT = texts("bot")
RELAY = texts("relay")
GROUP = texts("staff_group")
STAFF_CHAT = -1001234567890
RESIDENT = user(5001, "阿玲")
LIANSHAN = user(7001, "连山社工", "ls_worker")
SHAOGUAN = user(7002, "韶关社工", "sg_worker")
QINGYUAN = user(7003, "清远社工", "qy_worker")
PROVINCE = user(7004, "省厅社工", "gd_worker")
STRANGER = user(7999, "路人", "passer_by")
LINKED = {"lianshan": LIANSHAN, "shaoguan": SHAOGUAN, "qingyuan": QINGYUAN,
          "province": PROVINCE}  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class OnTelegram:
    fake: FakeTelegram
    served: Served
    channel: TelegramChannel

    async def card_of(self, case_id: int) -> ApiCall:
        """The card the group got for ``case_id``, once its message id is stored."""
        call = await self.fake.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == STAFF_CHAT
            and f"案件 #{case_id} " in c.text
        )  # fmt: skip
        for _ in range(100):
            if (await self.case(id=case_id)).group_card_id:
                return call
            await asyncio.sleep(0.05)
        raise AssertionError(f"card of case {case_id} posted but its id not stored")

    def message(self, call: ApiCall) -> dict[str, Any]:
        """The message ``call`` sent, as the fake holds it now (edits included)."""
        return self.fake.messages[(call.chat_id, call.result["message_id"])]

    async def case(self, **where: Any) -> Case:
        async with self.served.sessionmaker() as session:
            return await session.scalar(select(Case).filter_by(**where).order_by(Case.id.desc()))


async def _on_telegram(backend: str, tmp_path: Path, nlu: NluEngine) -> AsyncIterator[OnTelegram]:
    await nlu.parse("你好")  # trained once per session, before any wait for a reply
    fake = FakeTelegram()
    await fake.start()
    settings = demo_database(backend, tmp_path).model_copy(update={
        "bot_token": SecretStr(TOKEN), "telegram_api_base": fake.base,
        "telegram_staff_chat_id": STAFF_CHAT,
    })  # fmt: skip
    bot = make_bot(settings)
    ctx = await create_app_context(settings, throttle=False, nlu=nlu)
    channel = TelegramChannel(ctx, bot, staff_chat_id=STAFF_CHAT, poll_seconds=0.2)
    server = build_server(ctx, pushers=channel.pushers)
    channel.use_pushers(dict(server[PUSHERS]))
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    served = Served(ctx, f"http://127.0.0.1:{port}", settings)
    try:
        await add_staff(served)
        async with transaction(served.sessionmaker) as session:
            for username, who in LINKED.items():
                await link_telegram(session, username, who["id"])
        await connect(bot)
        await channel.start()
        yield OnTelegram(fake, served, channel)
    finally:
        await channel.stop()
        await runner.cleanup()
        await ctx.close()
        await bot.session.close()
        await fake.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def tg(
    request: pytest.FixtureRequest, tmp_path: Path, nlu_engine: NluEngine
) -> AsyncIterator[OnTelegram]:
    """Bot, staff group and served app on SQLite and PostgreSQL."""
    async for on in _on_telegram(request.param, tmp_path, nlu_engine):
        yield on


@pytest.fixture
async def tg_sqlite(tmp_path: Path, nlu_engine: NluEngine) -> AsyncIterator[OnTelegram]:
    async for on in _on_telegram("sqlite", tmp_path, nlu_engine):
        yield on


class TelegramResident:
    """A resident in a private chat with the bot (chat id = user id, as on Telegram)."""

    def __init__(self, fake: FakeTelegram, who: dict[str, Any]) -> None:
        self.fake, self.user, self.chat = fake, who, who["id"]

    async def say(self, text: str, *, until: str) -> str:
        """Write ``text``; wait for a message containing ``until``; all the bot sent since."""
        mark = len(self.fake.calls)
        await self.fake.say(self.user, self.chat, text)
        return await self._until(mark, until)

    async def press(self, title: str, *, until: str) -> str:
        """Press the button ``title`` on the latest message of the bot that has it."""
        mark = len(self.fake.calls)
        for message in reversed(list(self.fake.messages.values())):
            if message["chat"]["id"] != self.chat or message["from"].get("is_bot") is not True:
                continue
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            if any(b["text"] == title for row in rows for b in row):
                await self.fake.press(self.user, message, title)
                return await self._until(mark, until)
        msg = f"no button {title!r} in chat {self.chat}"
        raise AssertionError(msg)

    async def pushed(self, until: str, *, after: int) -> str:
        """Wait for a message containing ``until`` that the resident did not ask for."""
        return await self._until(after, until)

    async def _until(self, mark: int, until: str) -> str:
        await self.fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == self.chat
                                 and until in html.unescape(c.text), after=mark)  # fmt: skip
        return "\n".join(html.unescape(c.text) for c in self.fake.sent_to(self.chat, after=mark))


def buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


async def signed_in_asking_for_a_person(resident: TelegramResident, story: str = "A") -> str:
    await resident.say("/start", until=BOT.t("welcome").splitlines()[0])
    await resident.press(BOT.t("menu-benefits"), until="身份证号码")
    code_sent = await resident.say(story_ids(story)[0], until="本次验证码")
    code = code_sent.split("本次验证码：")[1][:6]
    await resident.say(code, until="幸福清单")
    return await resident.say("我要找人工客服", until="服务编号")


# --- the journey ---------------------------------------------------------------------------


async def test_resident_on_telegram_to_the_staff_group_and_back(tg: OnTelegram) -> None:
    fake, resident = tg.fake, TelegramResident(tg.fake, RESIDENT)
    opened = await signed_in_asking_for_a_person(resident)
    case = await tg.case(kind="handoff")
    assert f"服务编号：{case.id}" in opened
    assert (case.channel, case.address, case.region_code) == ("telegram", "5001", "441825")

    # The card: masked, in the group, with 接手 and 结案.
    card_call = await tg.card_of(case.id)
    card = tg.message(card_call)
    text = html.unescape(card_call.text)
    assert "清远市连山壮族瑶族自治县" in text and "转人工" in text and "待接手" in text
    assert "首次联系" in text and "居民在对话中要求转人工" in text
    family = fixture_by_story("A")
    for member in family.members:
        assert member.name not in text and member.id_number not in text
        assert not member.phone or member.phone not in text
    assert buttons(card) == ["接手", "结案"]
    assert (await tg.case(id=case.id)).group_card_id == card["message_id"]

    # 接手 by the linked 连山 caseworker: the card says so, the resident is told at once.
    mark = len(fake.calls)
    await fake.press(LIANSHAN, card, "接手")
    joined = await resident.pushed("已接入", after=mark)
    assert re.search(r"\d+号工作人员已接入", joined) and "lianshan" not in joined
    answer = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
    assert html.unescape(answer.params["text"]) == GROUP.t("group-taken", number=case.id)
    assert not answer.params.get("show_alert")
    edited = await fake.wait_for(lambda c: c.method == "editMessageText"
                                 and c.params["message_id"] == card["message_id"], after=mark)
    assert "经办人 lianshan" in edited.text and "已接手" in edited.text
    assert buttons(fake.messages[(STAFF_CHAT, card["message_id"])]) == ["结案"]
    assert [c for c in fake.calls[mark:] if c.chat_id == RESIDENT["id"]
            and c.method == "sendMessage"], "pushed without the resident writing"  # fmt: skip

    # A colleague's reply to the card stays in the group; the assignee's reaches the resident.
    mark = len(fake.calls)
    await fake.say(QINGYUAN, STAFF_CHAT, "这户我去年走访过", reply_to=card)
    told = await fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == STAFF_CHAT,
                               after=mark)  # fmt: skip
    assert html.unescape(told.text) == GROUP.t("group-not-assignee", name="lianshan")
    mark = len(fake.calls)
    await fake.say(LIANSHAN, STAFF_CHAT, "您好，我是连山的社工，正在帮您查。", reply_to=card)
    relayed = await resident.pushed("正在帮您查", after=mark)
    assert re.search(r"【\d+号工作人员】您好，我是连山的社工，正在帮您查。", relayed)
    assert "去年走访" not in "".join(c.text for c in fake.sent_to(RESIDENT["id"]))
    ack = await fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == STAFF_CHAT,
                              after=mark)  # fmt: skip
    assert html.unescape(ack.text) == GROUP.t("group-relayed")

    # The resident answers: it reaches the case, and the assistant says nothing.
    mark = len(fake.calls)
    await fake.say(RESIDENT, RESIDENT["id"], "好的谢谢，我家低保什么时候批？")
    words = await _event_texts(tg, case.id, "message_in", count=1)
    assert words == ["好的谢谢，我家低保什么时候批？"]
    assert fake.sent_to(RESIDENT["id"], after=mark) == []
    lianshan = StaffClient(tg.served.base)
    try:
        assert await lianshan.login("lianshan") == 200
        status, detail = await lianshan.call("GET", f"/staff/api/cases/{case.id}")
        assert status == 200 and detail["held"] is True
        out = [e["text"] for e in detail["events"] if e["kind"] == "message_out"]
        assert out == ["您好，我是连山的社工，正在帮您查。"]
    finally:
        await lianshan.close()

    # /close with a resolution, in reply to the card.
    key = StorageKey(bot_id=tg.channel.bot.id, chat_id=RESIDENT["id"], user_id=RESIDENT["id"])
    assert set(await tg.served.ctx.storage.get_data(key)) - set(KEPT_ON_RETURN)
    mark = len(fake.calls)
    await fake.say(LIANSHAN, STAFF_CHAT, "/close 已解释复核时间", reply_to=card)
    back = await resident.pushed("小助手回来了", after=mark)
    assert RELAY.t("relay-released") in back
    await fake.wait_for(lambda c: c.method == "editMessageText" and "已结案" in c.text,
                        after=mark)  # fmt: skip
    assert buttons(fake.messages[(STAFF_CHAT, card["message_id"])]) == []
    closed = await tg.case(id=case.id)
    assert (closed.status, closed.resolution, closed.held) == ("closed", "已解释复核时间", False)
    kept = await tg.served.ctx.storage.get_data(key)  # back at the menu, identity kept
    assert "person_id" in kept and set(kept) <= set(KEPT_ON_RETURN)
    assert await tg.served.ctx.storage.get_state(key) is None
    assert fake.refused == []  # no edit that changed nothing, no message edited twice

    # The assistant answers again, and the resident is still signed in.
    again = await resident.say("我想看看我的待遇", until="幸福清单")
    assert "身份证" not in again


async def test_an_unlinked_user_and_another_jurisdiction_are_refused_and_audited(
    tg_sqlite: OnTelegram,
) -> None:
    tg = tg_sqlite
    fake, resident = tg.fake, TelegramResident(tg.fake, RESIDENT)
    await signed_in_asking_for_a_person(resident)
    case = await tg.case(kind="handoff")
    card = tg.message(await tg.card_of(case.id))

    for who, expected in ((STRANGER, GROUP.t("group-unlinked")),
                          (SHAOGUAN, GROUP.t("group-outside", number=case.id))):  # fmt: skip
        mark = len(fake.calls)
        await fake.press(who, card, "接手")
        answer = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert html.unescape(answer.params["text"]) == expected
        assert answer.params["show_alert"] is True
    mark = len(fake.calls)
    await fake.say(STRANGER, STAFF_CHAT, "我来回复", reply_to=card)
    told = await fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == STAFF_CHAT,
                               after=mark)  # fmt: skip
    assert html.unescape(told.text) == GROUP.t("group-unlinked")

    still = await tg.case(id=case.id)
    assert (still.status, still.assignee_id, still.held) == ("open", None, False)
    assert buttons(fake.messages[(STAFF_CHAT, card["message_id"])]) == ["接手", "结案"]
    assert not [c for c in fake.sent_to(RESIDENT["id"]) if "已接入" in c.text]
    async with tg.served.sessionmaker() as session:
        shaoguan = await account_named(session, "shaoguan")
        denied = list(await session.scalars(
            select(StaffAccess).where(StaffAccess.allowed.is_(False)).order_by(StaffAccess.id)
        ))  # fmt: skip
    assert [(d.staff_id, d.action, d.resource, d.region_code) for d in denied] == [
        (None, "case.take", f"case:{case.id}", "441825"),
        (shaoguan.id, "case.take", f"case:{case.id}", "441825"),
        (None, "case.message", f"case:{case.id}", "441825"),
    ]
    assert denied[0].purpose == "telegram staff group: not a linked staff account"


async def test_the_console_reaches_telegram_and_the_card_follows(tg_sqlite: OnTelegram) -> None:
    tg = tg_sqlite
    fake, resident = tg.fake, TelegramResident(tg.fake, RESIDENT)
    await resident.say("/start", until=BOT.t("welcome").splitlines()[0])
    await resident.press(BOT.t("menu-human"), until="服务编号")  # not signed in: the province
    case = await tg.case(kind="handoff")
    assert case.region_code == "440000"
    card_call = await tg.card_of(case.id)
    assert GROUP.t("group-region-unknown") in html.unescape(card_call.text)
    card = tg.message(card_call)

    province = StaffClient(tg.served.base)
    try:
        assert await province.login("province") == 200
        mark = len(fake.calls)
        status, _ = await province.call("POST", f"/staff/api/cases/{case.id}/take")
        assert status == 200
        await resident.pushed("号工作人员已接入", after=mark)
        refreshed = await fake.wait_for(lambda c: c.method == "editMessageText"
                                        and c.params["message_id"] == card["message_id"],
                                        after=mark)  # fmt: skip
        assert "经办人 province" in refreshed.text
        assert buttons(fake.messages[(STAFF_CHAT, card["message_id"])]) == ["结案"]

        mark = len(fake.calls)
        reply = {"text": "您好，请问您在哪个县？"}
        status, _ = await province.call("POST", f"/staff/api/cases/{case.id}/messages", reply)
        assert status == 200
        assert "号工作人员】您好，请问您在哪个县？" in await resident.pushed(
            "哪个县", after=mark)  # fmt: skip
    finally:
        await province.close()

    # 结案 under the card, by the linked assignee: the default resolution.
    mark = len(fake.calls)
    await fake.press(PROVINCE, card, "结案")
    await resident.pushed("小助手回来了", after=mark)
    closed = await tg.case(id=case.id)
    assert (closed.status, closed.resolution) == ("closed", "closed from Telegram")
    await fake.wait_for(lambda c: c.method == "editMessageText" and "已结案" in c.text,
                        after=mark)  # fmt: skip


async def test_a_case_opened_by_the_rest_channel_gets_a_card_and_is_taken_there(
    tg_sqlite: OnTelegram,
) -> None:
    tg = tg_sqlite
    rest = RestResident(tg.served.base, "wechat:carol")
    try:
        await rest.say("/start")
        await rest.press("查看我的待遇")
        await rest.sign_in(story_ids("A")[0])
        await rest.say("转人工")
        case = await tg.case(kind="handoff")
        assert case.channel == "rest"
        card = tg.message(await tg.card_of(case.id))  # no Telegram update: the poller found it
        await tg.fake.press(LIANSHAN, card, "接手")
        await tg.fake.wait_for(lambda c: c.method == "editMessageText" and "lianshan" in c.text)
        joined = await rest.say("在吗")  # no callback URL: delivered with the next reply
        assert re.search(r"\d+号工作人员已接入", joined)
    finally:
        await rest.close()


async def test_each_case_gets_exactly_one_card_however_many_post(tg_sqlite: OnTelegram) -> None:
    tg = tg_sqlite
    async with transaction(tg.served.sessionmaker) as session:
        opened = [await open_case(session, kind="complaint", region_code="441825",
                                  summary="complaint", resident=Resident(sender_hash=f"s{i}"))
                  for i in range(6)]  # fmt: skip
    others = [CardNotifier(tg.served.sessionmaker, Board(tg.channel.bot, STAFF_CHAT))
              for _ in range(3)]  # fmt: skip
    await asyncio.gather(*(n.post_new() for n in others))
    for case in opened:
        await tg.card_of(case.id)
    await asyncio.sleep(0.5)  # a duplicate would have been posted by now
    for case in opened:
        cards = [c for c in tg.fake.sent_to(STAFF_CHAT) if f"案件 #{case.id} " in c.text]
        assert len(cards) == 1, case.id
        stored = await tg.case(id=case.id)
        assert stored.group_card_id == tg.message(cards[0])["message_id"]


async def _event_texts(tg: OnTelegram, case_id: int, kind: str, *, count: int) -> list[str]:
    """The case's events of ``kind`` once there are ``count`` (the update has committed)."""
    for _ in range(100):
        async with tg.served.sessionmaker() as session:
            texts_ = list(await session.scalars(
                select(CaseEvent.text).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
                .order_by(CaseEvent.id)
            ))  # fmt: skip
        if len(texts_) >= count:
            return texts_
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {count} {kind} events on case {case_id}")


# --- the command -----------------------------------------------------------------------------


@pytest.mark.slow
async def test_jiuzhu_telegram_polls_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    upgrade(Settings(data_dir=tmp_path))  # the deploy step: workers do not migrate
    fake = FakeTelegram()
    await fake.start()
    env = {**os.environ, "JIUZHU_DATA_DIR": str(tmp_path), "JIUZHU_REDIS_URL": "",
           "JIUZHU_BOT_TOKEN": TOKEN, "JIUZHU_TELEGRAM_API_BASE": fake.base,
           "JIUZHU_PORT": "0"}  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "jiuzhu", "telegram", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_for(lambda c: c.method == "deleteWebhook", timeout=90)
        resident = TelegramResident(fake, RESIDENT)
        welcome = await resident.say("/start", until=BOT.t("welcome").splitlines()[0])
        assert html.unescape(BOT.t("welcome")) in welcome
        assert [c.method for c in fake.calls[:2]] == ["getMe", "deleteWebhook"]
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err and TOKEN.encode() not in err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "JIUZHU_BOT_TOKEN must be set"),
    ({"JIUZHU_TELEGRAM_TOKEN": "123456:wrong"}, "JIUZHU_BOT_TOKEN was refused by Telegram"),
])  # fmt: skip
async def test_jiuzhu_telegram_without_a_good_token_is_one_line(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    upgrade(Settings(data_dir=tmp_path))  # the deploy step: workers do not migrate
    fake = FakeTelegram()
    await fake.start()
    ours = ("JIUZHU_TELEGRAM", "JIUZHU_BOT")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "jiuzhu", "telegram", cwd=ROOT,
        env={**base, "JIUZHU_DATA_DIR": str(tmp_path), "JIUZHU_REDIS_URL": "",
             "JIUZHU_TELEGRAM_API_URL": fake.base, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 90)
    finally:
        await fake.stop()
    assert proc.returncode == 1
    lines = err.decode().strip().splitlines()
    assert lines[-1].startswith("error: " + expected), lines
    assert "Traceback" not in err.decode()


