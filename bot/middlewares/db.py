"""One database session per update, and the sender's keyed hash.

The session is committed when the handlers finish or fail with an expected
:class:`~jiuzhu.errors.JiuzhuError` (so audit rows of a refused read survive), and rolled
back on anything else (see :func:`store.session.transaction`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.crypto import vault
from store.session import transaction


def sender_hash(user_id: int) -> str:
    """The keyed hash that stands for a chat sender in cases, transcripts and rate limits."""
    return vault().lookup_hash("sender", str(user_id))


class DbSessionMiddleware(BaseMiddleware):
    """Puts ``session`` (an :class:`AsyncSession`) and ``sender_hash`` into handler data."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        data["sender_hash"] = sender_hash(user.id) if user else ""
        async with transaction(self.sessionmaker) as session:
            data["session"] = session
            return await handler(event, data)
