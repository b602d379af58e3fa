"""The dialogue on real Telegram: long polling, pushes to residents, the staff group.

``jiuzhu telegram`` runs :func:`run_telegram`: this channel and, in the same process, what
``jiuzhu serve`` serves (REST webhook, staff console and API at ``/staff``), with the
Telegram pusher registered for channel ``telegram``, so a caseworker's reply from the
console reaches a Telegram resident at once.

One polling loop feeds two Dispatchers:

- a private chat goes to the dialogue's own Dispatcher (``ctx.dispatcher``: the same
  routers and middlewares as every channel), one update at a time per chat;
- the staff group (``JIUZHU_TELEGRAM_STAFF_CHAT_ID``) goes to the staff-group router
  (:mod:`staff.telegram.router`); every other chat is ignored.

In the background, every :data:`POLL_SECONDS` and right after a resident's update: cards for
new cases (:class:`~staff.telegram.notifier.CardNotifier`, which reads the database, so cases
opened by any process get one), refreshed cards, and messages staff left that are still
undelivered (queued by another process, or a push that failed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.enums import ChatType, ParseMode
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import Chat, TelegramObject
from aiohttp import web

from bot.app import AppContext, create_app_context
from bot.channels.locks import KeyedLocks
from bot.channels.push import TelegramPusher
from bot.middlewares.handoff import KEPT_ON_RETURN
from jiuzhu.errors import ConfigError
from jiuzhu.settings import Settings
from staff import relay
from staff.telegram.board import Board
from staff.telegram.group import StaffGroup
from staff.telegram.notifier import CardNotifier
from staff.telegram.router import build_router
from staff.web.keys import PUSHERS

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
"""[A] How often new cases, changed cards and undelivered messages are looked for."""
NO_TOKEN = "JIUZHU_TELEGRAM_TOKEN must be set to run on Telegram (the token from @BotFather)"
CONCURRENT_UPDATES = 100
"""[A] Updates handled at once (different chats run side by side; one chat in order)."""


def make_bot(settings: Settings) -> Bot:
    """The bot of ``JIUZHU_TELEGRAM_TOKEN`` (on ``JIUZHU_TELEGRAM_API_URL`` when set).

    Texts are sent as HTML: every text is rendered from the templates, which escape what
    they insert.
    :raises ConfigError: no token.
    """
    if settings.telegram_token is None:
        raise ConfigError(NO_TOKEN)
    api = settings.telegram_api_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(api)) if api else AiohttpSession()
    return Bot(settings.telegram_token.get_secret_value(), session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))  # fmt: skip


async def connect(bot: Bot) -> str:
    """Ask Telegram who the bot is and turn off any webhook (polling needs none).

    :returns: the bot's username.
    :raises ConfigError: Telegram refused the token.
    """
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError as e:
        msg = "JIUZHU_TELEGRAM_TOKEN was refused by Telegram: check the token from @BotFather"
        raise ConfigError(msg) from e
    await bot.delete_webhook(drop_pending_updates=False)
    return me.username or str(me.id)


class MenuOnReturnPusher(TelegramPusher):
    """:class:`TelegramPusher`, and when a case closes ("the assistant is back") the
    resident's dialogue returns to the menu, keeping who they proved to be (as the handoff
    middleware does for messages delivered at the next turn)."""

    def __init__(self, bot: Bot, storage: BaseStorage) -> None:
        super().__init__(bot)
        self.storage = storage

    async def push(self, delivery: relay.Delivery) -> None:
        """:raises aiogram.exceptions.TelegramAPIError: Telegram refused it."""
        await super().push(delivery)
        if delivery.reset_conversation:
            chat_id = int(delivery.address)
            key = StorageKey(bot_id=self.bot.id, chat_id=chat_id, user_id=chat_id)
            state = FSMContext(self.storage, key)
            data = await state.get_data()
            await state.set_state(None)
            await state.set_data({k: data[k] for k in KEPT_ON_RETURN if k in data})


class TelegramChannel:
    """Residents' private chats and the staff group on one bot.

    :param ctx: the dialogue (:func:`bot.app.create_app_context`).
    :param staff_chat_id: the staff group's chat id; None: no group, no cards.
    :param staff_region: the region-code prefix whose cases the group sees.
    :ivar pushers: channel → pusher; pass it to :func:`bot.server.build_server`, then
        :meth:`use_pushers` with the server's, so the group pushes REST callbacks too.
    """

    def __init__(
        self, ctx: AppContext, bot: Bot, *, staff_chat_id: int | None = None,
        staff_region: str = "44", poll_seconds: float = POLL_SECONDS,
    ) -> None:  # fmt: skip
        if not (staff_region.isdigit() and 2 <= len(staff_region) <= 6
                and staff_region.startswith("44")):  # fmt: skip
            msg = "JIUZHU_TELEGRAM_STAFF_REGION: expected 2 to 6 digits of a Guangdong region code"
            raise ConfigError(msg)
        self.ctx, self.bot, self.poll_seconds = ctx, bot, poll_seconds
        self.sessionmaker = ctx.workflow_data["sessionmaker"]
        self.pushers: dict[str, relay.Pusher] = {"telegram": MenuOnReturnPusher(bot, ctx.storage)}
        self.staff_chat_id = staff_chat_id
        self.front = Dispatcher()
        self.front.update.outer_middleware(self._route)
        self.notifier: CardNotifier | None = None
        if staff_chat_id is not None:
            board = Board(bot, staff_chat_id)
            self.notifier = CardNotifier(self.sessionmaker, board, region_prefix=staff_region)
            self.front["staff_group"] = StaffGroup(self.sessionmaker, self.pushers)
            self.front["board"] = board
            self.front.include_router(build_router())
        self._chats = KeyedLocks()
        self._ignored: set[int] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []

    def use_pushers(self, pushers: dict[str, relay.Pusher]) -> None:
        """Push with these too (the served app's REST callback); Telegram's stays ours."""
        self.pushers.update({k: v for k, v in pushers.items() if k != "telegram"})

    async def run(self, *, handle_signals: bool = True) -> None:
        """Poll until stopped (SIGINT/SIGTERM, or :meth:`stop`), with the background work."""
        if self.notifier is not None:
            await self.notifier.release_stale()
        background = asyncio.create_task(self._background())
        try:
            await self.front.start_polling(
                self.bot, handle_signals=handle_signals, close_bot_session=False,
                allowed_updates=self._update_types(), tasks_concurrency_limit=CONCURRENT_UPDATES,
            )  # fmt: skip
        finally:
            background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await background

    async def start(self) -> None:
        """:meth:`run` in a task, without signal handlers (tests, an embedding app)."""
        self._tasks.append(asyncio.create_task(self.run(handle_signals=False)))
        await asyncio.sleep(0)

    async def stop(self) -> None:
        """Stop polling and the background work started by :meth:`start`."""
        try:
            await self.front.stop_polling()
        except RuntimeError:  # not polling yet: nothing to wind down
            for task in self._tasks:
                task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    # --- routing ---------------------------------------------------------------------------

    async def _route(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        update: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.id == self.staff_chat_id:
            return await handler(update, data)
        if chat is None or chat.type != ChatType.PRIVATE:
            if chat is not None and chat.id not in self._ignored:
                self._ignored.add(chat.id)
                log.info("updates of chat %s are ignored: a group that is not "
                         "JIUZHU_TELEGRAM_STAFF_CHAT_ID", chat.id)  # fmt: skip
            return UNHANDLED
        async with self._chats.hold(chat.id):
            result = await self.ctx.dispatcher.feed_update(self.bot, update)  # type: ignore[arg-type]
        self._wake.set()  # a case this update opened gets its card now
        return result

    def _update_types(self) -> list[str]:
        used = set(self.front.resolve_used_update_types())
        return sorted(used | set(self.ctx.dispatcher.resolve_used_update_types()))

    # --- background ------------------------------------------------------------------------

    async def _background(self) -> None:
        while True:
            self._wake.clear()
            try:
                if self.notifier is not None:
                    await self.notifier.post_new()
                    await self.notifier.refresh()
                await relay.push_pending(self.sessionmaker, self.pushers)
            except Exception as e:  # the next round tries again
                log.error("Telegram background round failed (%s)", type(e).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)


async def run_telegram(settings: Settings, *, host: str, port: int) -> None:
    """``jiuzhu telegram``: the channel and the served app, until SIGINT or SIGTERM.

    :raises ConfigError: no token, a refused token, or a bad staff region.
    """
    from bot.channels.rest import RedactedAccessLogger
    from bot.server import build_server
    from sms.worker import sms_worker_for

    bot = make_bot(settings)
    runner: web.AppRunner | None = None
    ctx: AppContext | None = None
    try:
        name = await connect(bot)  # before the slow start: a wrong token says so at once
        ctx = await create_app_context(settings)
        channel = TelegramChannel(ctx, bot, staff_chat_id=settings.telegram_staff_chat_id,
                                  staff_region=settings.telegram_staff_region)  # fmt: skip
        server = build_server(ctx, pushers=channel.pushers)
        server.cleanup_ctx.append(sms_worker_for(settings, ctx.workflow_data["sessionmaker"]))
        channel.use_pushers(dict(server[PUSHERS]))
        runner = web.AppRunner(server, access_log_class=RedactedAccessLogger)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        staff = settings.telegram_staff_chat_id
        log.info("on Telegram as @%s (staff group %s); REST and /staff on http://%s:%s", name,
                 staff if staff is not None else "not configured", host, port)  # fmt: skip
        await channel.run()
    finally:
        if runner is not None:
            await runner.cleanup()
        if ctx is not None:
            await ctx.close()
        await bot.session.close()
