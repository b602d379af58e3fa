"""The Telegram channel's promises, against the fake Bot API on loopback: the webhook's
secret, an update delivered twice (also to a second worker sharing Redis), the contact as
proof of the phone, Telegram's flood control, the commands that register the webhook."""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import secrets
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.fsm.storage.base import StorageKey
from aiohttp import ClientSession
from sqlalchemy import select

from bot.channels.push import TelegramPusher
from bot.channels.telegram import UPDATE_TYPES, make_bot
from bot.channels.telegram_retry import MAX_WAIT, RetryAfter
from bot.storage import make_storage
from jiuzhu import clock
from nlu import LocalNlu, NluEngine
from staff.relay import Attachment, Delivery
from store.demo.fixtures import fixture_by_story
from store.identity import MAX_REQUESTS_PER_SENDER
from store.models import IdentityAttempt, Transcript
from templates import texts
from tests.conftest import POSTGRES_URL, TEST_SECRET
from tests.fakes.telegram_api import FakeTelegram, user
from tests.journeys.conftest import demo_database, story_ids
from tests.journeys.telegram import (
    SECRET,
    Handled,
    TelegramResident,
    Worker,
    on_telegram,
    telegram_worker,
)

BOT = texts("bot")
WELCOME = html.unescape(BOT.t("welcome")).splitlines()[0]
REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ids() -> tuple[int, int]:
    """A bot id and a resident id nobody else uses (Redis is shared with other suites)."""
    return 10**9 + secrets.randbelow(10**9), 10**9 + secrets.randbelow(10**9)


@pytest.fixture
async def fake(ids: tuple[int, int]) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(f"{ids[0]}:fake-telegram-token")
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def handled() -> Handled:
    return Handled()


@pytest.fixture
def resident(fake: FakeTelegram, handled: Handled, ids: tuple[int, int]) -> TelegramResident:
    return TelegramResident(fake, user(ids[1], "阿玲", "a_ling"), handled)


async def _worker(
    tmp_path: Path, nlu: NluEngine, fake: FakeTelegram, handled: Handled, *, webhook: bool
) -> AsyncIterator[Worker]:
    await nlu.parse("你好")  # trained once per session, before any wait for a reply
    settings = on_telegram(demo_database("sqlite", tmp_path), fake)
    async with telegram_worker(settings, nlu, handled, webhook=webhook) as running:
        yield running


@pytest.fixture(params=["polling", "webhook"])
async def worker(
    request: pytest.FixtureRequest, tmp_path: Path, nlu_engine: NluEngine,
    fake: FakeTelegram, handled: Handled,
) -> AsyncIterator[Worker]:  # fmt: skip
    async for running in _worker(tmp_path, nlu_engine, fake, handled,
                                 webhook=request.param == "webhook"):  # fmt: skip
        yield running


@pytest.fixture
async def webhook_worker(
    tmp_path: Path, nlu_engine: NluEngine, fake: FakeTelegram, handled: Handled
) -> AsyncIterator[Worker]:
    async for running in _worker(tmp_path, nlu_engine, fake, handled, webhook=True):
        yield running


@pytest.fixture
async def polling_worker(
    tmp_path: Path, nlu_engine: NluEngine, fake: FakeTelegram, handled: Handled
) -> AsyncIterator[Worker]:
    async for running in _worker(tmp_path, nlu_engine, fake, handled, webhook=False):
        yield running


def welcomes(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [c.text for c in fake.sent_to(chat_id) if WELCOME in html.unescape(c.text)]


# --- the webhook's secret --------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "wrong-secret", SECRET[:-1]])
async def test_a_webhook_post_without_the_secret_is_refused_and_nothing_is_processed(
    webhook_worker: Worker, fake: FakeTelegram, resident: TelegramResident, header: str | None
) -> None:
    update = {"update_id": 99, "message": {
        "message_id": 1, "date": 1_800_000_000, "chat": {"id": resident.chat, "type": "private"},
        "from": resident.user, "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }}  # fmt: skip
    headers = {"X-Telegram-Bot-Api-Secret-Token": header} if header is not None else {}
    mark = len(fake.calls)
    async with ClientSession() as http, http.post(
        webhook_worker.webhook_url, json=update, headers=headers
    ) as response:  # fmt: skip
        assert response.status in (401, 403)
    await asyncio.sleep(0.5)  # a processed update would have replied by now
    assert fake.calls[mark:] == []
    assert resident.handled.ids == []
    key = StorageKey(bot_id=fake.bot_user["id"], chat_id=resident.chat, user_id=resident.chat)
    assert await webhook_worker.ctx.storage.get_state(key) is None
    async with webhook_worker.sessionmaker() as session:
        assert list(await session.scalars(select(Transcript.id))) == []
    # The same update with the secret is answered: the refusal was the secret's.
    assert await fake.deliver(update) == 200
    await resident.handled.wait(99)
    assert len(welcomes(fake, resident.chat)) == 1


# --- an update delivered twice ---------------------------------------------------------------


async def test_the_same_update_twice_gets_one_reply(
    worker: Worker, fake: FakeTelegram, resident: TelegramResident
) -> None:
    assert WELCOME in await resident.say("/start")
    again = fake.updates[-1]
    mark = len(fake.calls)
    await fake.deliver(again)
    await resident.handled.wait(again["update_id"], count=2)
    assert fake.calls[mark:] == []
    assert len(welcomes(fake, resident.chat)) == 1


class Served:
    """A ``jiuzhu serve --telegram`` process in webhook mode; its log lines as they come."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc, self.port, self.lines = proc, port, list[str]()
        self.webhook_url = f"http://127.0.0.1:{port}/webhooks/telegram"
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.lines.append(line.decode())

    async def ready(self) -> None:
        async with ClientSession() as http:
            for _ in range(600):
                with contextlib.suppress(OSError):
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise AssertionError("".join(self.lines[-20:]))

    async def logged(self, words: str) -> None:
        for _ in range(300):
            if any(words in line for line in self.lines):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{words!r} not logged: {''.join(self.lines[-20:])}")

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.proc.wait(), 30)
        await self._reader
        return self.proc.returncode or 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _serve_telegram(fake: FakeTelegram, env: dict[str, str]) -> Served:
    port = _free_port()
    ours = ("JIUZHU_TELEGRAM", "JIUZHU_BOT")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "jiuzhu", "serve", "--telegram", "--port", str(port), cwd=ROOT,
        env={**base, **env, "JIUZHU_BOT_TOKEN": fake.token, "JIUZHU_TELEGRAM_API_BASE": fake.base,
             "JIUZHU_TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/webhooks/telegram",
             "JIUZHU_TELEGRAM_WEBHOOK_SECRET": SECRET},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    return Served(proc, port)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
async def test_two_serve_processes_sharing_redis_answer_a_duplicate_once_and_share_turns(
    tmp_path: Path, nlu_engine: NluEngine, fake: FakeTelegram, ids: tuple[int, int],
) -> None:  # fmt: skip
    assert isinstance(nlu_engine, LocalNlu)
    await nlu_engine.parse("你好")  # its model is on disk: the processes load it, not train
    settings = demo_database("postgres", tmp_path)
    env = {"JIUZHU_DATABASE_URL": POSTGRES_URL, "JIUZHU_SECRET_KEY": TEST_SECRET,
           "JIUZHU_REDIS_URL": REDIS_URL, "JIUZHU_DATA_DIR": str(nlu_engine.model_dir.parent),
           "JIUZHU_TODAY": clock.today().isoformat()}  # fmt: skip
    assert settings.database_url == POSTGRES_URL
    workers = [await _serve_telegram(fake, env) for _ in range(2)]
    resident = TelegramResident(fake, user(ids[1], "阿玲"), handled=None)
    try:
        for worker in workers:
            await worker.ready()
        first, second = workers
        fake.webhook = {"url": second.webhook_url, "secret_token": SECRET}
        assert WELCOME in await resident.say("/start", until=WELCOME)
        # Telegram thinks the POST was lost and posts the update again, to the other worker.
        again = fake.updates[-1]
        mark = len(fake.calls)
        assert await fake.deliver(again, url=first.webhook_url) == 200
        await first.logged(f"update {again['update_id']} was delivered again")
        assert fake.calls[mark:] == []
        assert len(welcomes(fake, resident.chat)) == 1

        # The conversation goes on, its turns alternating between the processes.
        fake.webhook["url"] = first.webhook_url
        assert "身份证" in await resident.press("查看我的待遇", until="身份证")
        fake.webhook["url"] = second.webhook_url
        await resident.say(story_ids("A")[0], until="本次验证码")
        fake.webhook["url"] = first.webhook_url
        listing = await resident.say(resident.demo_code(), until="每月合计")
        assert "幸福清单" in listing and "每月合计：817 元" in listing
        assert set(fake.webhook_answers) == {200}
    finally:
        codes = [await worker.stop() for worker in workers]
        await _forget(ids)
    assert codes == [0, 0], [worker.lines[-5:] for worker in workers]
    for worker in workers:
        assert not any("Traceback" in line for line in worker.lines)


async def _forget(ids: tuple[int, int]) -> None:
    storage = make_storage(REDIS_URL)
    redis: Any = storage.redis  # type: ignore[attr-defined]
    try:
        for one in ids:
            keys = [k async for k in redis.scan_iter(match=f"jiuzhu*:{one}:*")]
            if keys:
                await redis.delete(*keys)
    finally:
        await storage.close()


# --- the contact as proof of the phone --------------------------------------------------------


async def test_the_own_contact_with_the_phone_on_file_signs_in_without_a_code(
    polling_worker: Worker, resident: TelegramResident
) -> None:
    applicant = fixture_by_story("A").members[0]
    await resident.say("/start")
    await resident.press("查看我的待遇")
    await resident.say(applicant.id_number)
    assert applicant.phone
    shared = await resident.share_contact(f"+86 {applicant.phone}")
    assert html.unescape(BOT.t("signin-contact-ok")) in shared
    assert "身份确认成功" in shared and "每月合计：817 元" in shared
    async with polling_worker.sessionmaker() as session:
        attempt = await session.scalar(
            select(IdentityAttempt).where(IdentityAttempt.method == "contact")
        )  # fmt: skip
    assert attempt is not None and attempt.succeeded and attempt.person_hash
    assert attempt.channel == "telegram"


async def test_someone_elses_contact_is_refused_politely(
    polling_worker: Worker, resident: TelegramResident
) -> None:
    applicant = fixture_by_story("A").members[0]
    assert applicant.phone
    await resident.say("/start")
    await resident.press("查看我的待遇")
    await resident.say(applicant.id_number)
    mother = user(resident.user["id"] + 1, "覃秀梅")  # her account, forwarded by someone else
    refused = await resident.share_contact(applicant.phone, owner=mother)
    assert refused == html.unescape(BOT.t("signin-contact-not-own")).strip()
    share = resident.last[0].params["reply_markup"]["keyboard"][0][0]
    assert share["request_contact"] is True  # the button to share their own is offered again
    listing = await resident.say("我想看看我的待遇")
    assert "身份确认成功" not in listing and "幸福清单" not in listing
    async with polling_worker.sessionmaker() as session:
        attempts = list(await session.scalars(
            select(IdentityAttempt.succeeded).where(IdentityAttempt.method == "contact")
        ))  # fmt: skip
    assert attempts == [False]


# --- Telegram's flood control -----------------------------------------------------------------


async def test_a_429_is_waited_out_and_the_reply_still_arrives(
    polling_worker: Worker, fake: FakeTelegram, resident: TelegramResident
) -> None:
    fake.flood("sendMessage", 1)
    mark = len(fake.calls)
    assert WELCOME in await resident.say("/start")
    tries = [c for c in fake.calls[mark:] if c.method == "sendMessage"]
    assert [c.status for c in tries[:2]] == [429, 200]
    assert tries[0].params == tries[1].params  # the same message, sent again


async def test_flood_control_retries_a_bounded_number_of_times(fake: FakeTelegram) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    def bot_retrying(**bounds: Any) -> Bot:
        session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base))
        session.middleware(RetryAfter(sleep=sleep, **bounds))
        return Bot(fake.token, session=session)

    bot = bot_retrying(max_retries=2)
    try:
        fake.flood("sendMessage", 7, 7, 7)  # the first try and both retries refused
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(42, "hello")
        assert waits == [7, 7]
        assert [c.status for c in fake.calls] == [429, 429, 429]
    finally:
        await bot.session.close()
    bot = bot_retrying()
    try:
        fake.flood("sendMessage", int(MAX_WAIT) + 30)  # longer than MAX_WAIT: raised, not waited
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(42, "hello")
        assert waits == [7, 7]
    finally:
        await bot.session.close()


# --- what the dialogue gets ---------------------------------------------------------------------


async def test_telegram_language_code_reaches_the_dialogue_untouched(
    polling_worker: Worker, fake: FakeTelegram, handled: Handled, ids: tuple[int, int]
) -> None:
    seen: list[str | None] = []

    async def record(handler: Any, update: Any, data: dict[str, Any]) -> Any:
        seen.append(update.message.from_user.language_code if update.message else None)
        return await handler(update, data)

    polling_worker.ctx.dispatcher.update.outer_middleware(record)
    english = TelegramResident(fake, {**user(ids[1], "Ling"), "language_code": "en-GB"}, handled)
    await english.say("/start")
    assert seen == ["en-GB"]


def test_the_update_types_asked_for_cover_every_handler(polling_worker: Worker) -> None:
    used = set(polling_worker.channel.front.resolve_used_update_types())
    used |= set(polling_worker.ctx.dispatcher.resolve_used_update_types())
    assert used <= set(UPDATE_TYPES)


# --- the commands --------------------------------------------------------------------------------


async def _jiuzhu(tmp_path: Path, fake: FakeTelegram, *args: str, **env: str) -> tuple[int, str]:
    ours = ("JIUZHU_TELEGRAM", "JIUZHU_BOT")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "jiuzhu", *args, cwd=ROOT,
        env={**base, "JIUZHU_DATA_DIR": str(tmp_path), "JIUZHU_BOT_TOKEN": fake.token,
             "JIUZHU_TELEGRAM_API_BASE": fake.base, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert b"Traceback" not in err and fake.token.encode() not in out + err
    return proc.returncode or 0, (out + err).decode()


async def test_jiuzhu_telegram_set_webhook_registers_the_url_and_secret(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    url = "https://bot.example.org/webhooks/telegram"
    code, said = await _jiuzhu(tmp_path, fake, "telegram", "set-webhook",
                               JIUZHU_TELEGRAM_WEBHOOK_URL=url,
                               JIUZHU_TELEGRAM_WEBHOOK_SECRET=SECRET)  # fmt: skip
    assert code == 0, said
    assert fake.webhook is not None
    assert (fake.webhook["url"], fake.webhook["secret_token"]) == (url, SECRET)
    assert sorted(fake.webhook["allowed_updates"]) == sorted(UPDATE_TYPES)
    assert SECRET not in said

    code, said = await _jiuzhu(tmp_path, fake, "telegram", "delete-webhook")
    assert code == 0, said
    assert fake.webhook is None
    assert [c.method for c in fake.calls] == ["getMe", "setWebhook", "getMe", "deleteWebhook"]


@pytest.mark.parametrize(("env", "expected"), [
    ({"JIUZHU_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg"},
     "error: JIUZHU_TELEGRAM_WEBHOOK_SECRET must be set"),
    ({"JIUZHU_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg",
      "JIUZHU_TELEGRAM_WEBHOOK_SECRET": "has spaces in it"},
     "error: JIUZHU_TELEGRAM_WEBHOOK_SECRET must be set"),
    ({"JIUZHU_TELEGRAM_WEBHOOK_URL": "bot.example.org", "JIUZHU_TELEGRAM_WEBHOOK_SECRET": SECRET},
     "error: JIUZHU_TELEGRAM_WEBHOOK_URL: expected https://HOST/PATH"),
    ({}, "error: JIUZHU_TELEGRAM_WEBHOOK_URL must be set"),
])  # fmt: skip
async def test_set_webhook_without_a_good_url_or_secret_is_one_line(
    tmp_path: Path, fake: FakeTelegram, env: dict[str, str], expected: str
) -> None:
    code, said = await _jiuzhu(tmp_path, fake, "telegram", "set-webhook", **env)
    assert code == 1
    assert said.strip().splitlines()[-1].startswith(expected), said
    assert fake.webhook is None


@pytest.mark.redis
async def test_with_redis_one_chat_is_handled_by_one_worker_at_a_time(
    ids: tuple[int, int],
) -> None:
    from bot.channels.telegram import chat_isolation

    storages = [make_storage(REDIS_URL), make_storage(REDIS_URL)]  # two workers' clients
    first, second = (chat_isolation(s) for s in storages)
    chat = StorageKey(bot_id=ids[0], chat_id=ids[1], user_id=ids[1])
    other = StorageKey(bot_id=ids[0], chat_id=ids[1] + 1, user_id=ids[1] + 1)
    try:
        async with first.lock(chat):
            with pytest.raises(TimeoutError):  # the same chat waits for the first worker
                await asyncio.wait_for(_hold(second, chat), 0.5)
            await asyncio.wait_for(_hold(second, other), 10)  # another chat does not
        await asyncio.wait_for(_hold(second, chat), 10)  # and then it is this one's turn
    finally:
        for storage in storages:
            await storage.close()
        await _forget(ids)


async def _hold(isolation: Any, key: StorageKey) -> None:
    async with isolation.lock(key):
        pass


async def test_a_push_waits_out_flood_control_too(fake: FakeTelegram) -> None:
    from jiuzhu.settings import Settings

    bot = make_bot(Settings(bot_token=fake.token, telegram_api_base=fake.base))
    pdf = Attachment("核查报告-P1.pdf", "application/pdf", b"%PDF-1.7 notice")
    try:
        fake.flood("sendMessage", 1)
        fake.flood("sendDocument", 1)
        delivery = Delivery(1, "telegram", "5001", "【3号工作人员】您好", attachments=[pdf])
        await TelegramPusher(bot).push(delivery)
    finally:
        await bot.session.close()
    assert [(c.method, c.status) for c in fake.calls] == [
        ("sendMessage", 429), ("sendMessage", 200), ("sendDocument", 429), ("sendDocument", 200),
    ]
    assert list(fake.calls[3].files.values()) == [("核查报告-P1.pdf", b"%PDF-1.7 notice")]


@pytest.mark.parametrize("proof", ["contact", "code already sent"])
async def test_after_a_lockout_the_own_contact_or_a_code_sent_still_signs_in(
    polling_worker: Worker, resident: TelegramResident, proof: str
) -> None:
    applicant = fixture_by_story("A").members[0]
    assert applicant.phone
    await resident.say("/start")
    await resident.press("查看我的待遇")
    await resident.say(applicant.id_number)
    for _ in range(MAX_REQUESTS_PER_SENDER - 1):
        assert "本次验证码" in await resident.press("重新发送验证码")
    code = resident.demo_code()
    locked = await resident.press("重新发送验证码")
    assert "本次验证码" not in locked and "分享我的手机号" in locked
    share = [c for c in resident.last if "keyboard" in (c.params.get("reply_markup") or {})]
    assert share[-1].params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    if proof == "contact":
        signed_in = await resident.share_contact(applicant.phone)
    else:
        signed_in = await resident.say(code)
    assert "身份确认成功" in signed_in and "每月合计：817 元" in signed_in


def test_the_old_setting_names_still_work_and_are_reported_deprecated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jiuzhu.settings import Settings, deprecated_in_use

    old = {"JIUZHU_TELEGRAM_TOKEN": "1:old", "JIUZHU_TELEGRAM_API_URL": "http://127.0.0.1:1"}
    for name, value in old.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("JIUZHU_BOT_TOKEN", raising=False)
    monkeypatch.delenv("JIUZHU_TELEGRAM_API_BASE", raising=False)
    settings = Settings(_env_file=None)
    assert settings.bot_token is not None and settings.bot_token.get_secret_value() == "1:old"
    assert settings.telegram_api_base == "http://127.0.0.1:1"
    assert deprecated_in_use() == [
        "JIUZHU_TELEGRAM_TOKEN is deprecated: set JIUZHU_BOT_TOKEN instead",
        "JIUZHU_TELEGRAM_API_URL is deprecated: set JIUZHU_TELEGRAM_API_BASE instead",
    ]
    monkeypatch.setenv("JIUZHU_BOT_TOKEN", "2:new")  # the new name wins, nothing reported
    assert Settings(_env_file=None).bot_token.get_secret_value() == "2:new"  # type: ignore[union-attr]
    assert deprecated_in_use() == [
        "JIUZHU_TELEGRAM_API_URL is deprecated: set JIUZHU_TELEGRAM_API_BASE instead"
    ]
