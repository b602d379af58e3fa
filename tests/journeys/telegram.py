"""Residents on Telegram: aiogram's real ``Bot`` and Dispatcher, the served app, a fake Bot API.

``telegram_worker`` runs one worker (what ``jiuzhu serve --telegram`` runs) against a
:class:`~tests.fakes.telegram_api.FakeTelegram` over loopback, by long polling or by its
webhook (registered with the fake by :func:`bot.channels.telegram_webhook.set_webhook`, so
the fake POSTs every update to it with the secret, as Telegram does). ``TelegramResident``
writes, presses buttons and shares contacts there, and waits until every worker has handled
the update before reading what the fake was sent.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiogram.types import TelegramObject, Update
from aiohttp import web
from pydantic import SecretStr

from bot.app import AppContext, create_app_context
from bot.channels.telegram import UPDATE_TYPES, TelegramChannel, connect, make_bot
from bot.channels.telegram_webhook import set_webhook
from bot.server import build_server
from jiuzhu.settings import Settings
from nlu import NluEngine
from staff.web.keys import PUSHERS
from tests.fakes.telegram_api import ApiCall, FakeTelegram

WEBHOOK_PATH = "/webhooks/telegram"
SECRET = "webhook-secret_of-the-tests"
REST_TOKEN = "rest-token-of-the-tests"


class Handled:
    """The ``update_id`` of every update a worker finished with (handled or skipped)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self._changed = asyncio.Condition()

    async def add(self, update_id: int) -> None:
        async with self._changed:
            self.ids.append(update_id)
            self._changed.notify_all()

    async def wait(self, update_id: int, count: int = 1, timeout: float = 30.0) -> None:
        """Until ``update_id`` was finished ``count`` times (by any of the workers)."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.ids.count(update_id) >= count), timeout
            )


class ObservedChannel(TelegramChannel):
    """The channel as it runs, telling :class:`Handled` when it is done with an update."""

    handled: Handled

    async def _once(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        update: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await super()._once(handler, update, data)
        finally:
            assert isinstance(update, Update)
            await self.handled.add(update.update_id)


@dataclass
class Worker:
    """One running worker: its dialogue, channel, and the served app's base URL."""

    ctx: AppContext
    channel: ObservedChannel
    base: str
    settings: Settings

    @property
    def webhook_url(self) -> str:
        return self.base + WEBHOOK_PATH

    @property
    def sessionmaker(self) -> Any:
        return self.ctx.workflow_data["sessionmaker"]


def on_telegram(settings: Settings, fake: FakeTelegram, *, redis_url: str = "") -> Settings:
    """``settings`` with the fake's token and API base, a REST token, a webhook secret."""
    return settings.model_copy(update={
        "bot_token": SecretStr(fake.token), "telegram_api_base": fake.base,
        "rest_token": SecretStr(REST_TOKEN), "telegram_webhook_secret": SecretStr(SECRET),
        "redis_url": redis_url,
    })  # fmt: skip


@asynccontextmanager
async def telegram_worker(
    settings: Settings, nlu: NluEngine, handled: Handled, *, webhook: bool
) -> AsyncIterator[Worker]:
    """A worker on ``settings`` (see :func:`on_telegram`), polling or on its webhook."""
    bot = make_bot(settings)
    ctx = await create_app_context(settings, throttle=False, nlu=nlu)
    channel = ObservedChannel(ctx, bot, poll_seconds=0.2)
    channel.handled = handled
    server = build_server(ctx, pushers=channel.pushers,
                          open_paths=(WEBHOOK_PATH,) if webhook else ())  # fmt: skip
    channel.use_pushers(dict(server[PUSHERS]))
    if webhook:
        channel.mount_webhook(server, WEBHOOK_PATH, SECRET)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    worker = Worker(ctx, channel, f"http://127.0.0.1:{port}", settings)
    try:
        await connect(bot, polling=not webhook)
        if webhook:
            served = settings.model_copy(update={"telegram_webhook_url": worker.webhook_url})
            await set_webhook(bot, served, list(UPDATE_TYPES))
        await channel.start(polling=not webhook)
        yield worker
    finally:
        await channel.stop()
        await runner.cleanup()
        await ctx.close()
        await bot.session.close()


class TelegramResident:
    """A resident in a private chat with the bot (chat id = user id, as on Telegram)."""

    def __init__(self, fake: FakeTelegram, who: dict[str, Any], handled: Handled | None) -> None:
        self.fake, self.user, self.chat, self.handled = fake, who, who["id"], handled
        self.last: list[ApiCall] = []

    async def say(self, text: str, *, until: str = "") -> str:
        """Write ``text``; every text the bot sent to this chat for it, joined by newlines.

        :param until: a text the last reply holds (workers in other processes: nothing
            tells when they are done with the update).
        """
        return await self._turn(lambda: self.fake.say(self.user, self.chat, text), until)

    async def press(self, title: str, *, until: str = "") -> str:
        """Press the button ``title`` on the latest message of the bot that has it."""
        for message in reversed(list(self.fake.messages.values())):
            if message["chat"]["id"] != self.chat or message["from"].get("is_bot") is not True:
                continue
            if title in buttons(message):
                return await self._turn(
                    lambda m=message: self.fake.press(self.user, m, title), until
                )
        msg = f"no button {title!r} in chat {self.chat}: {self.text}"
        raise AssertionError(msg)

    async def share_contact(self, phone: str, owner: dict[str, Any] | None = None) -> str:
        """Share ``owner``'s contact (default their own) with number ``phone``."""
        return await self._turn(
            lambda: self.fake.share_contact(self.user, self.chat, phone=phone, owner=owner)
        )

    async def _turn(self, act: Callable[[], Awaitable[dict[str, Any]]], until: str = "") -> str:
        mark, sent = len(self.fake.calls), len(self.fake.updates)
        await act()
        if self.handled is not None:
            await self.handled.wait(self.fake.updates[sent]["update_id"])
        if until:
            await self.fake.wait_for(lambda c: c.chat_id == self.chat and c.status == 200
                                     and until in html.unescape(c.text), after=mark)  # fmt: skip
        self.last = [c for c in self.fake.sent_to(self.chat, after=mark) if c.status == 200]
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(html.unescape(c.text) for c in self.last)

    @property
    def documents(self) -> list[tuple[str, bytes]]:
        """``(file name, bytes)`` of each document sent for the latest turn."""
        return [file for c in self.last if c.method == "sendDocument" for file in c.files.values()]

    def demo_code(self) -> str:
        """The one-time code the demo mode showed."""
        marker = "本次验证码："
        assert marker in self.text, self.text
        return self.text.split(marker)[1][:6]

    async def sign_in(self, id_number: str) -> str:
        """Give the ID number, then the code shown in demo mode."""
        await self.say(id_number)
        return await self.say(self.demo_code())


def buttons(message: dict[str, Any]) -> list[str]:
    """The titles of the inline buttons on ``message``."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]
