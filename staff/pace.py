"""A send rate for pushes to residents: at most ``rate`` messages a second, and what was seen.

Telegram allows a bot about 30 messages a second to different chats [A: Telegram's Bot
FAQ, "broadcasting to users"]; above that it answers 429 (handled by
``bot/channels/telegram_retry.py``). The relay waits on a :class:`Pace` before each push,
so a batch's outreach (thousands of rows queued at once, most urgent first) goes out
steadily instead of in a burst that flood control would refuse.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

TELEGRAM_RATE = 30.0
"""[A] Messages per second to different chats."""


class Pace:
    """Spaces calls of :meth:`wait` at least ``1 / rate`` seconds apart.

    :param clock: a monotonic clock in seconds; :param sleep: how to wait (tests pass
        their own, so nothing waits for real).
    """

    def __init__(
        self,
        rate: float = TELEGRAM_RATE,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            msg = f"rate: expected messages per second above 0, got {rate}"
            raise ValueError(msg)
        self.interval = 1.0 / rate
        self.clock, self.sleep = clock, sleep
        self.next_at: float | None = None
        self.first_at: float | None = None
        self.sent = 0

    async def wait(self) -> None:
        """Return when the next message may go."""
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            await self.sleep(self.next_at - now)
            now = self.clock()
        self.first_at = now if self.first_at is None else self.first_at
        self.next_at = now + self.interval
        self.sent += 1

    @property
    def rate_seen(self) -> float:
        """Messages per second since the first (0 before two were sent)."""
        if self.sent < 2 or self.first_at is None:
            return 0.0
        elapsed = self.clock() - self.first_at
        return (self.sent - 1) / elapsed if elapsed > 0 else 0.0
