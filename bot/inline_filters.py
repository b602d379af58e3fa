"""Sync filters run inline on the event loop, not in a thread of their own.

aiogram runs every filter that is not a coroutine function (``F.text``, a state, a plain
predicate such as the crisis words' match) through ``asyncio.to_thread``: a thread hop for
each filter tried, a dozen per update, for work of a few microseconds that holds the GIL
anyway. :func:`inline_sync_filters` wraps them in a coroutine once, when the Dispatcher is
built, so they run where the update is handled. A filter must therefore not block: none of
ours does I/O (one that needs the database or the network is async, as handlers are).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import CallableObject, HandlerObject


def _inline(callback: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **kwargs)

    return call


def _make_inline(obj: CallableObject) -> None:
    if not obj.awaitable:
        obj.callback = _inline(obj.callback)  # its params stay those of the sync callback
        obj.awaitable = True


def _handler(handler: HandlerObject) -> None:
    for event_filter in handler.filters or ():
        _make_inline(event_filter)


def inline_sync_filters(router: Router) -> None:
    """Make every sync filter of ``router`` and its sub-routers a coroutine (see above).

    Handlers are left as they are: a sync handler (none of ours) keeps its thread.
    """
    for observer in router.observers.values():
        _handler(observer._handler)  # the observer's own filters (``router.message.filter``)
        for handler in observer.handlers:
            _handler(handler)
    for sub in router.sub_routers:
        inline_sync_filters(sub)
