"""Count and time every handler run, by channel, router and handler name (bot/metrics.py).

An inner middleware on the Dispatcher's event observers: aiogram applies a parent router's
inner middlewares to the handlers of every router below it, so one registration covers all.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import TelegramObject

from bot import metrics


def channel_of(data: dict[str, Any]) -> str:
    """The channel label: the gateway passes its channel; Telegram's own feed passes none."""
    return str(data.get("channel") or "telegram")


class HandlerMetricsMiddleware(BaseMiddleware):
    """Counts ``jiuzhu_handler_calls_total`` and ``jiuzhu_handler_errors_total``, times
    ``jiuzhu_handler_seconds``; the exception goes on to the errors router."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        router = data.get("event_router")
        callback = getattr(data.get("handler"), "callback", None)
        labels = (
            channel_of(data),
            getattr(router, "name", "unknown"),
            getattr(callback, "__name__", type(callback).__name__),
        )
        metrics.HANDLER_CALLS.labels(*labels).inc()
        started = time.perf_counter()
        try:
            return await handler(event, data)
        except Exception as e:
            metrics.HANDLER_ERRORS.labels(*labels, type(e).__name__).inc()
            raise
        finally:
            metrics.HANDLER_SECONDS.labels(*labels).observe(time.perf_counter() - started)


def install(dp: Dispatcher) -> None:
    """Register the middleware on every event observer but ``update`` (not a handler)."""
    middleware = HandlerMetricsMiddleware()
    for name, observer in dp.observers.items():
        if name != "update":
            observer.middleware(middleware)
