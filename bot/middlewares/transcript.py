"""Conversation transcripts: what the resident wrote and what the assistant answered.

Stored encrypted (``Transcript.text``) after masking ID numbers, phone numbers and codes
(:func:`store.pii.mask_text`). Outgoing texts are caught by an aiogram request middleware on
the bot's session and collected per update in a context variable.

A transcript is a secondary write: it is written after the update, in a transaction of its
own, so that it can never undo what the update committed (a consent, an audit row); if it
cannot be written, that is logged (the error's type only) and the conversation goes on.
Turns that end together share that transaction (:class:`store.transcripts.TranscriptWriter`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares.db import install_once, sender_hash
from store.transcripts import TranscriptWriter

log = logging.getLogger(__name__)

_outgoing: ContextVar[list[str] | None] = ContextVar("jiuzhu_outgoing", default=None)


class _CollectOutgoing(BaseRequestMiddleware):
    """Appends the text of every message the bot sends during an update."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        result = await make_request(bot, method)  # only what really went out is recorded
        collected = _outgoing.get()
        if collected is not None and isinstance(method, SendMessage | EditMessageText):
            collected.append(method.text)
        return result


class TranscriptMiddleware(BaseMiddleware):
    """Writes the incoming text and the replies of each update, after the update.

    The channel (``rest``, ``terminal``, ``telegram``...) comes from the ``channel`` the
    gateway passes to ``feed_update``; Telegram's own updates are ``telegram``.

    :param sessionmaker: sessions of the dialogue's database (its engine is written to).
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.writer = TranscriptWriter(sessionmaker.kw["bind"])

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        bot: Bot | None = data.get("bot")
        if bot is not None:
            install_once(bot, _CollectOutgoing())
        collected: list[str] = []
        token = _outgoing.set(collected)
        try:
            return await handler(event, data)
        finally:
            _outgoing.reset(token)
            user: User | None = data.get("event_from_user")
            if user is not None:
                channel = str(data.get("channel") or "telegram")
                await self._write(sender_hash(user.id), channel, event, collected)

    async def _write(
        self, sender: str, channel: str, event: TelegramObject, collected: list[str]
    ) -> None:
        incoming = _incoming_text(event)
        rows = [("in", incoming)] if incoming else []
        rows += [("out", text) for text in collected]
        try:
            await self.writer.append(sender, channel, rows)
        except Exception as e:  # secondary: never undo or block the conversation
            log.error("transcript not saved (%s)", type(e).__name__)


def _incoming_text(event: TelegramObject) -> str:
    if isinstance(event, Update):
        if event.message is not None:
            return event.message.text or ("[contact]" if event.message.contact else "")
        if event.callback_query is not None:
            return f"[button] {event.callback_query.data}"
    return ""
