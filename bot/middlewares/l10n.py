"""Inject the resident's texts as handler data ``l10n`` (a :class:`templates.Texts`) and
their locale as ``locale`` (``"zh_CN"`` or ``"en"``), remembered in the FSM data.

How the locale is chosen is :func:`bot.locale.chosen_locale`: Telegram's ``language_code``
on first contact, the channel's ``metadata`` (``{"language": "en"}``), the language the
message is written in. ``/language`` sets it explicitly (:mod:`bot.routers.language`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update, User

from bot.locale import LOCALE_KEY, chosen_locale
from templates import DEFAULT_LOCALE, texts


class L10nMiddleware(BaseMiddleware):
    """Choose the update's locale, remember it, put ``texts("bot", locale)`` into
    ``data["l10n"]`` and the locale into ``data["locale"]``.

    :param default: the locale of a resident who never said (Chinese).
    """

    def __init__(self, default: str = DEFAULT_LOCALE) -> None:
        self.default = default

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        remembered = (await state.get_data()).get(LOCALE_KEY) if state is not None else None
        user: User | None = data.get("event_from_user")
        metadata = data.get("metadata")
        locale = (
            chosen_locale(
                remembered,
                language_code=user.language_code if user is not None else None,
                metadata=metadata if isinstance(metadata, dict) else None,
                text=_typed(event),
            )
            or self.default
        )
        if state is not None and locale != (remembered or self.default):
            # Only a choice is stored: a resident who never chose reads the default.
            await state.update_data({LOCALE_KEY: locale})
        data["locale"] = locale
        data["l10n"] = texts("bot", locale)
        return await handler(event, data)


def _typed(event: TelegramObject) -> str | None:
    """What the resident wrote (a button press writes nothing)."""
    if isinstance(event, Update) and event.message is not None:
        return event.message.text or event.message.caption
    return None
