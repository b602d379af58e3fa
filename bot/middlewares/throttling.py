"""Per-sender rate limit: at most ``limit`` updates per ``window`` seconds.

Every update over the limit is answered, never dropped: it is not handled (no handler
runs, the FSM state is untouched) and the reply says how many seconds to wait and to send
that message again. Counters live in this process; with several workers each worker limits
on its own, which is enough to stop one sender flooding a worker.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User

from templates import Texts, texts

Clock = Callable[[], float]


class ThrottlingMiddleware(BaseMiddleware):
    """Sliding-window limit per user id.

    :param limit: updates allowed per window.
    :param window: window length in seconds.
    :param clock: seconds, monotonic enough for intervals (injected in tests).
    :param max_senders: senders remembered at once; the least recently seen are forgotten.
    """

    def __init__(
        self,
        limit: int = 8,
        window: float = 10.0,
        *,
        clock: Clock = time.monotonic,
        max_senders: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_senders = max_senders
        self._hits: dict[int, deque[float]] = {}

    def _wait(self, user_id: int) -> float:
        """0 when the update may go on (and is counted); else seconds until it may."""
        now = self.clock()
        hits = self._hits.pop(user_id, None) or deque()
        self._hits[user_id] = hits  # re-insert: dict order doubles as recency order
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(self._hits) > self.max_senders:
            self._hits.pop(next(iter(self._hits)))
        if len(hits) < self.limit:
            hits.append(now)
            return 0.0
        return self.window - (now - hits[0])

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        wait = self._wait(user.id)
        if not wait:
            return await handler(event, data)
        if isinstance(event, Update):
            await self._warn(event, data, wait)
        return None

    async def _warn(self, update: Update, data: dict[str, Any], wait: float) -> None:
        bot: Bot = data["bot"]
        l10n: Texts = data.get("l10n") or texts("bot")
        if update.callback_query is not None:
            await bot.answer_callback_query(update.callback_query.id)
        chat = data.get("event_chat")
        if chat is not None:
            await bot.send_message(chat.id, l10n.t("slow-down", seconds=math.ceil(wait)))
