"""Per-sender rate limit: at most ``limit`` updates per ``window`` seconds.

Every update over the limit is answered, never dropped: it is not handled (no handler
runs, the FSM state is untouched) and the reply says how many seconds to wait and to send
that message again. The hits are counted in this process (:class:`MemoryWindow`) or, with
several workers, in Redis (:class:`RedisWindow`): a sender's limit is the same whichever
worker their messages reach.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import TelegramObject, Update, User

from bot import metrics, redo
from bot.middlewares.metrics import channel_of
from templates import Texts, texts

Clock = Callable[[], float]
DESTINY = "jiuzhu-throttle"


class Window(Protocol):
    """Where a sender's recent hits are counted."""

    async def wait(self, user_id: int, limit: int, window: float, now: float) -> float:
        """0 when this hit is allowed (and counted); else seconds until one will be."""
        ...


class MemoryWindow:
    """Sliding-window log of this process, for the ``max_senders`` most recently seen."""

    def __init__(self, max_senders: int = 100_000) -> None:
        self.max_senders = max_senders
        self._hits: dict[int, deque[float]] = {}

    async def wait(self, user_id: int, limit: int, window: float, now: float) -> float:
        """See :meth:`Window.wait`."""
        hits = self._hits.pop(user_id, None) or deque()
        self._hits[user_id] = hits  # re-insert: dict order doubles as recency order
        while hits and now - hits[0] >= window:
            hits.popleft()
        if len(self._hits) > self.max_senders:
            self._hits.pop(next(iter(self._hits)))
        if len(hits) < limit:
            hits.append(now)
            return 0.0
        return window - (now - hits[0])


# The same sliding-window log as MemoryWindow, atomic in Redis: a sorted set of hit times
# per sender, expiring with the window. The answer is a string: Redis truncates Lua numbers.
_SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
return tostring(window - (now - tonumber(oldest)))
"""


class RedisWindow:
    """The sliding-window log in Redis, shared by every worker (one Lua script per hit).

    :param storage: the Redis FSM storage: its client, and its key builder for the key
        ``<prefix>:<user>:<user>:jiuzhu-throttle:hits`` beside the conversation's keys.
    """

    def __init__(self, storage: BaseStorage) -> None:
        self.redis: Any = storage.redis  # type: ignore[attr-defined]
        self.key_builder = storage.key_builder  # type: ignore[attr-defined]
        self._script = self.redis.register_script(_SLIDING_WINDOW)

    async def wait(self, user_id: int, limit: int, window: float, now: float) -> float:
        """See :meth:`Window.wait`."""
        key = StorageKey(bot_id=0, chat_id=user_id, user_id=user_id, destiny=DESTINY)
        name = self.key_builder.build(key, "hits")
        answer = await self._script(
            keys=[name], args=[repr(now), repr(window), limit, secrets.token_hex(8)]
        )
        return float(answer)


def window_for(storage: BaseStorage | None) -> Window:
    """Redis when the FSM storage is Redis (several workers), else this process's."""
    if storage is not None and getattr(storage, "redis", None) is not None:
        return RedisWindow(storage)
    return MemoryWindow()


class ThrottlingMiddleware(BaseMiddleware):
    """Sliding-window limit per user id.

    :param limit: updates allowed per window.
    :param window: window length in seconds.
    :param clock: seconds (injected in tests); with Redis every worker's clock counts, so
        the default is wall-clock time.
    :param hits: where hits are counted (default: this process, :class:`MemoryWindow`;
        :func:`window_for` picks Redis for a Redis storage).
    """

    def __init__(
        self,
        limit: int = 8,
        window: float = 10.0,
        *,
        clock: Clock = time.time,
        hits: Window | None = None,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.hits = hits or MemoryWindow()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        wait = await self.hits.wait(user.id, self.limit, self.window, self.clock())
        if not wait:
            return await handler(event, data)
        metrics.THROTTLED.labels(channel_of(data)).inc()
        redo.ask_again()  # the reply says "send it again": that retry must be handled
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
