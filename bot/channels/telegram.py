"""The dialogue on real Telegram: polling or a webhook, pushes to residents, the staff group.

``jiuzhu serve --telegram`` (or ``jiuzhu telegram``) runs :func:`run_telegram`: this channel
and, in the same process, what ``jiuzhu serve`` serves (REST webhook, staff console and API
at ``/staff``), with the Telegram pusher registered for channel ``telegram``, so a
caseworker's reply from the console reaches a Telegram resident at once.

Updates arrive by aiogram's long polling, or, when ``JIUZHU_TELEGRAM_WEBHOOK_URL`` is set, by
aiogram's ``SimpleRequestHandler`` on that URL's path of the served app, which refuses (401)
a request without the ``X-Telegram-Bot-Api-Secret-Token`` of ``JIUZHU_TELEGRAM_WEBHOOK_SECRET``
(``jiuzhu telegram set-webhook`` registers both: :mod:`bot.channels.telegram_webhook`).

Either way the updates go to one front Dispatcher, which

- handles each ``update_id`` once, in every worker sharing Redis (:mod:`bot.channels.once`):
  Telegram re-delivers an update it thinks was lost, possibly to another worker;
- handles one chat's updates one at a time: in this process (:class:`KeyedLocks`) and, with
  Redis, across workers (aiogram's ``RedisEventIsolation``);
- sends a private chat to the dialogue's own Dispatcher (``ctx.dispatcher``: the same
  routers and middlewares as every channel), the update untouched (the user's
  ``language_code`` included);
- sends the staff group (``JIUZHU_TELEGRAM_STAFF_CHAT_ID``) to the staff-group router
  (:mod:`staff.telegram.router`); every other chat is ignored.

Every Bot API call waits out Telegram's flood control (:mod:`bot.channels.telegram_retry`).

In the background, every :data:`POLL_SECONDS` and right after a resident's update: cards for
new cases (:class:`~staff.telegram.notifier.CardNotifier`, which reads the database, so cases
opened by any process get one), refreshed cards, and messages staff left that are still
undelivered (queued by another process, or a push that failed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
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
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram.types import Chat, TelegramObject, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.app import AppContext, create_app_context
from bot.channels.locks import KeyedLocks
from bot.channels.once import claims_for
from bot.channels.push import TelegramPusher
from bot.channels.telegram_retry import RetryAfter
from bot.channels.telegram_webhook import webhook_path, webhook_secret
from bot.middlewares.handoff import KEPT_ON_RETURN
from jiuzhu.errors import ConfigError
from jiuzhu.settings import Settings, deprecated_in_use
from staff import relay
from staff.pace import TELEGRAM_RATE, Pace
from staff.telegram.board import Board
from staff.telegram.group import StaffGroup
from staff.telegram.notifier import CardNotifier
from staff.telegram.router import build_router
from staff.web.keys import PUSHERS

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
"""[A] How often new cases, changed cards and undelivered messages are looked for."""
NO_TOKEN = "JIUZHU_BOT_TOKEN must be set to run on Telegram (the token from @BotFather)"
CONCURRENT_UPDATES = 100
"""[A] Updates handled at once (different chats run side by side; one chat in order)."""
UPDATE_TYPES = ("callback_query", "message")
"""What the bot asks Telegram for (polling's and the webhook's ``allowed_updates``): button
presses and messages, the only updates the dialogue and the staff group handle."""
CHAT_LOCKS = "jiuzhu:telegram"
"""Prefix of the Redis keys that hold one chat's turn across workers."""


def make_bot(settings: Settings) -> Bot:
    """The bot of ``JIUZHU_BOT_TOKEN`` (on ``JIUZHU_TELEGRAM_API_BASE`` when set), whose every
    call waits out Telegram's flood control (:class:`~bot.channels.telegram_retry.RetryAfter`).

    Texts are sent as HTML: every text is rendered from the templates, which escape what
    they insert.
    :raises ConfigError: no token.
    """
    if settings.bot_token is None:
        raise ConfigError(NO_TOKEN)
    api = settings.telegram_api_base
    session = AiohttpSession(api=TelegramAPIServer.from_base(api)) if api else AiohttpSession()
    session.middleware(RetryAfter())
    return Bot(settings.bot_token.get_secret_value(), session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))  # fmt: skip


async def connect(bot: Bot, *, polling: bool = True) -> str:
    """Ask Telegram who the bot is; for polling, turn off any webhook (polling needs none).

    :returns: the bot's username.
    :raises ConfigError: Telegram refused the token.
    """
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError as e:
        msg = "JIUZHU_BOT_TOKEN was refused by Telegram: check the token from @BotFather"
        raise ConfigError(msg) from e
    if polling:
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


def chat_isolation(storage: BaseStorage) -> BaseEventIsolation:
    """One chat at a time across workers when the FSM storage is Redis, else nothing more
    than this process's own per-chat locks."""
    redis = getattr(storage, "redis", None)
    if redis is None:
        return DisabledEventIsolation()
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisEventIsolation

    return RedisEventIsolation(
        redis, key_builder=DefaultKeyBuilder(prefix=CHAT_LOCKS, with_bot_id=True)
    )


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
        self.pace = Pace(TELEGRAM_RATE)  # a batch's outreach goes out at Telegram's rate
        self.staff_chat_id = staff_chat_id
        self.front = Dispatcher(events_isolation=chat_isolation(ctx.storage))
        self.front.update.outer_middleware(self._once)
        self.front.update.outer_middleware(self._route)
        self.notifier: CardNotifier | None = None
        if staff_chat_id is not None:
            board = Board(bot, staff_chat_id)
            self.notifier = CardNotifier(self.sessionmaker, board, region_prefix=staff_region)
            self.front["staff_group"] = StaffGroup(self.sessionmaker, self.pushers)
            self.front["board"] = board
            self.front.include_router(build_router())
        self._claims = claims_for(ctx.storage)
        self._chats = KeyedLocks()
        self._ignored: set[int] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []

    def use_pushers(self, pushers: dict[str, relay.Pusher]) -> None:
        """Push with these too (the served app's REST callback); Telegram's stays ours."""
        self.pushers.update({k: v for k, v in pushers.items() if k != "telegram"})

    def mount_webhook(self, app: web.Application, path: str, secret: str) -> None:
        """Answer Telegram's webhook POSTs on ``path`` of ``app`` (before it starts).

        aiogram's ``SimpleRequestHandler``: 401 without the right secret header, else 200 at
        once and the update handled in the background.
        """
        handler = SimpleRequestHandler(dispatcher=self.front, bot=self.bot, secret_token=secret)
        handler.register(app, path=path)

    async def run(self, *, polling: bool = True, handle_signals: bool = True) -> None:
        """Poll (or, without ``polling``, wait for webhook updates) until stopped (SIGINT or
        SIGTERM, or :meth:`stop`), with the background work."""
        if self.notifier is not None:
            await self.notifier.release_stale()
        background = asyncio.create_task(self._background())
        try:
            if polling:
                await self.front.start_polling(
                    self.bot, handle_signals=handle_signals, close_bot_session=False,
                    allowed_updates=list(UPDATE_TYPES), tasks_concurrency_limit=CONCURRENT_UPDATES,
                )  # fmt: skip
            else:
                await _until_stopped(handle_signals)
        finally:
            background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await background

    async def start(self, *, polling: bool = True) -> None:
        """:meth:`run` in a task, without signal handlers (tests, an embedding app)."""
        self._tasks.append(asyncio.create_task(self.run(polling=polling, handle_signals=False)))
        await asyncio.sleep(0)

    async def stop(self) -> None:
        """Stop polling and the background work started by :meth:`start`."""
        try:
            await self.front.stop_polling()
        except RuntimeError:  # not polling (yet, or a webhook): nothing to wind down
            for task in self._tasks:
                task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    # --- routing ---------------------------------------------------------------------------

    async def _once(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        update: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(update, Update)
        if not await self._claims.claim(f"telegram:{self.bot.id}:{update.update_id}"):
            log.info("update %s was delivered again: handled once already", update.update_id)
            return UNHANDLED
        return await handler(update, data)

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

    # --- background ------------------------------------------------------------------------

    async def _background(self) -> None:
        while True:
            self._wake.clear()
            try:
                if self.notifier is not None:
                    await self.notifier.post_new()
                    await self.notifier.refresh()
                sent = await relay.push_pending(self.sessionmaker, self.pushers, pace=self.pace)
                if sent > 1:
                    log.info("pushed %s messages at %.1f/s", sent, self.pace.rate_seen)
            except Exception as e:  # the next round tries again
                log.error("Telegram background round failed (%s)", type(e).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)


async def _until_stopped(handle_signals: bool) -> None:
    stopped = asyncio.Event()
    if handle_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopped.set)
    await stopped.wait()


async def run_telegram(settings: Settings, *, host: str, port: int) -> None:
    """``jiuzhu serve --telegram``: the channel and the served app, until SIGINT or SIGTERM.

    Long polling, or the webhook when ``JIUZHU_TELEGRAM_WEBHOOK_URL`` is set.
    :raises ConfigError: no token, a refused token, a bad staff region, a webhook URL
        without a valid secret.
    """
    from bot.channels.rest import RedactedAccessLogger
    from bot.server import build_server
    from sms.worker import sms_worker_for

    for warning in deprecated_in_use():
        log.warning(warning)
    webhook = bool(settings.telegram_webhook_url)
    secret = webhook_secret(settings) if webhook else ""
    path = webhook_path(settings) if webhook else ""
    bot = make_bot(settings)
    runner: web.AppRunner | None = None
    ctx: AppContext | None = None
    try:
        name = await connect(bot, polling=not webhook)  # before the slow start: a wrong token
        ctx = await create_app_context(settings)
        channel = TelegramChannel(ctx, bot, staff_chat_id=settings.telegram_staff_chat_id,
                                  staff_region=settings.telegram_staff_region)  # fmt: skip
        server = build_server(ctx, pushers=channel.pushers, open_paths=(path,) if webhook else ())
        server.cleanup_ctx.append(sms_worker_for(settings, ctx.workflow_data["sessionmaker"]))
        channel.use_pushers(dict(server[PUSHERS]))
        if webhook:
            channel.mount_webhook(server, path, secret)
        runner = web.AppRunner(server, access_log_class=RedactedAccessLogger)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        staff = settings.telegram_staff_chat_id
        log.info("on Telegram as @%s by %s (staff group %s); REST and /staff on http://%s:%s",
                 name, f"webhook at {path}" if webhook else "long polling",
                 staff if staff is not None else "not configured", host, port)  # fmt: skip
        await channel.run(polling=not webhook)
    finally:
        if runner is not None:
            await runner.cleanup()
        if ctx is not None:
            await ctx.close()
        await bot.session.close()
