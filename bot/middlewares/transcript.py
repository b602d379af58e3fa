"""Conversation transcripts: what the resident wrote and what the assistant answered.

Stored encrypted (``Transcript.text``) after masking ID numbers, phone numbers and codes
(:func:`store.pii.mask_text`). Outgoing texts are caught by an aiogram request middleware on
the bot's session and collected per update in a context variable, so they are written in
the update's own database session (no second writer on SQLite).
"""

from __future__ import annotations

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
from aiogram.types import TelegramObject, Update

from store.models import Transcript
from store.pii import mask_text

_outgoing: ContextVar[list[str] | None] = ContextVar("jiuzhu_outgoing", default=None)


class _CollectOutgoing(BaseRequestMiddleware):
    """Appends the text of every message the bot sends during an update."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        collected = _outgoing.get()
        if collected is not None and isinstance(method, SendMessage | EditMessageText):
            collected.append(method.text)
        return await make_request(bot, method)


class TranscriptMiddleware(BaseMiddleware):
    """Writes the incoming text and the replies of each update (needs ``session`` in data).

    The channel (``rest``, ``terminal``, ``telegram``...) comes from the ``channel`` the
    gateway passes to ``feed_update``; Telegram's own updates are ``telegram``.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        bot: Bot | None = data.get("bot")
        if bot is not None and not any(
            isinstance(m, _CollectOutgoing) for m in bot.session.middleware
        ):
            bot.session.middleware(_CollectOutgoing())
        collected: list[str] = []
        token = _outgoing.set(collected)
        try:
            result = await handler(event, data)
        finally:
            _outgoing.reset(token)
        session, sender = data.get("session"), data.get("sender_hash")
        if session is not None and sender:
            incoming = _incoming_text(event)
            rows = [("in", incoming)] if incoming else []
            rows += [("out", text) for text in collected]
            channel = str(data.get("channel") or "telegram")
            session.add_all(
                Transcript(sender_hash=sender, channel=channel, direction=d, text=mask_text(t))
                for d, t in rows
            )
        return result


def _incoming_text(event: TelegramObject) -> str:
    if isinstance(event, Update):
        if event.message is not None:
            return event.message.text or ("[contact]" if event.message.contact else "")
        if event.callback_query is not None:
            return f"[button] {event.callback_query.data}"
    return ""
