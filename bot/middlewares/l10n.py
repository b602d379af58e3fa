"""Inject the bot's texts as handler data ``l10n`` (a :class:`templates.Texts`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from templates import Texts, texts


class L10nMiddleware(BaseMiddleware):
    """Put ``texts("bot", locale)`` into ``data["l10n"]``; one locale for now (zh_CN)."""

    def __init__(self, locale: str = "zh_CN") -> None:
        self.texts: Texts = texts("bot", locale)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["l10n"] = self.texts
        return await handler(event, data)
