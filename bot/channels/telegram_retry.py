"""Flood control from Telegram: wait the ``retry_after`` it names, then send again.

Telegram answers 429 with ``parameters.retry_after`` (seconds) when a bot sends too fast to
a chat or overall (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this);
aiogram raises :class:`~aiogram.exceptions.TelegramRetryAfter`. :class:`RetryAfter` is a
request middleware on the bot's session, so every call retries this way: replies, pushes
(:class:`bot.channels.push.TelegramPusher`), the staff group's cards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

MAX_RETRIES = 3
"""[A] Tries after the first; a fourth 429 in a row is raised to the caller."""
MAX_WAIT = 60.0
"""[A] Seconds of ``retry_after`` still worth waiting within one update; a longer wait is
raised at once (a push that fails is kept and sent later by :func:`staff.relay.push_pending`)."""


class RetryAfter(BaseRequestMiddleware):
    """Retry a call refused with 429 after the ``retry_after`` seconds Telegram names.

    :param max_retries: retries after the first try (default :data:`MAX_RETRIES`).
    :param max_wait: the longest single wait in seconds (default :data:`MAX_WAIT`).
    :param sleep: how to wait (tests may pass their own).
    """

    def __init__(
        self,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_WAIT,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.max_retries, self.max_wait, self.sleep = max_retries, max_wait, sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """:raises TelegramRetryAfter: still refused after the retries, or asked to wait
        longer than ``max_wait``."""
        for attempt in range(self.max_retries + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as e:
                if attempt == self.max_retries or e.retry_after > self.max_wait:
                    raise
                log.warning("Telegram flood control on %s: retrying in %s s",
                            type(method).__name__, e.retry_after)  # fmt: skip
                await self.sleep(e.retry_after)
        raise AssertionError("unreachable")  # the loop returns or raises
