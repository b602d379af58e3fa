"""Hands every journey handler its :class:`~bot.conversation.Turn` as ``turn``.

An outer middleware on the private scope's message and callback-query observers (set by
:func:`bot.routers.get_routers`): it bundles the update's data (FSM context, db session,
texts, settings, sender hash, NLU) with the Dispatcher's journey map, so handlers declare
``turn: Turn`` instead of ``**data``. Without a db session (a Dispatcher built with no
sessionmaker) there is no turn, and only handlers that do not ask for one can run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.conversation import Turn
from bot.journeys import Journeys

NEEDED = ("state", "session", "l10n", "settings", "sender_hash")
"""Handler data a turn is made of (see :meth:`Turn.of`)."""


class TurnMiddleware(BaseMiddleware):
    """Put ``data["turn"]`` for messages and button presses.

    :param journeys: the journey map of the Dispatcher these routers belong to.
    """

    def __init__(self, journeys: Journeys) -> None:
        self.journeys = journeys

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        message = event.message if isinstance(event, CallbackQuery) else event
        if isinstance(message, Message) and all(key in data for key in NEEDED):
            data["turn"] = Turn.of(message, data, self.journeys)
        return await handler(event, data)
