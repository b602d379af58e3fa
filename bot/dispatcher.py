"""Build the one Dispatcher every channel feeds: routers, middlewares, FSM storage.

Services reach handlers through ``workflow_data``: every keyword passed to
:func:`build_dispatcher` becomes handler data by that name, so a handler declaring
``async def h(message: Message, nlu: NluEngine)`` receives ``build_dispatcher(nlu=...)``'s
value. Per-update values (a db session) belong in a middleware instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

from aiogram import Dispatcher, Router
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage

from bot.inline_filters import inline_sync_filters
from bot.middlewares import metrics as handler_metrics
from bot.middlewares.db import DbSessionMiddleware
from bot.middlewares.handoff import HandoffMiddleware
from bot.middlewares.idle import IdleMiddleware
from bot.middlewares.l10n import L10nMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware, window_for
from bot.middlewares.transcript import TranscriptMiddleware
from bot.routers import get_routers


def build_dispatcher(
    *,
    storage: BaseStorage | None = None,
    throttling: ThrottlingMiddleware | Literal[False] | None = None,
    idle: IdleMiddleware | None = None,
    extra_routers: Sequence[Router] = (),
    **workflow_data: Any,
) -> Dispatcher:
    """The dialogue's Dispatcher.

    :param storage: FSM storage; ``MemoryStorage`` by default (see :func:`bot.storage.make_storage`
        for Redis, whose key builder must keep the destiny).
    :param throttling: the rate limiter (default: 8 updates per 10 s per sender, counted
        where the storage is: Redis or this process); ``False`` for none (the terminal,
        where one local person pipes a whole conversation).
    :param idle: the pause handling (default: resume under 24 h, notice after 30 min).
    :param extra_routers: journey routers tried before the menu placeholders and fallback.
    :param workflow_data: services for handlers, by name (``settings``, ``sessionmaker``,
        ``nlu``...). ``l10n`` and ``locale`` are reserved (set per update by the l10n middleware).
    :returns: a Dispatcher; feed it with ``feed_update`` (the channel gateway does).
    """
    storage = storage or MemoryStorage()
    dp = Dispatcher(storage=storage, **workflow_data)
    # Outer middlewares on update run after aiogram's own (errors, user context, FSM) and
    # in this order: texts first (the others reply), then flood control, then idle handling.
    dp.update.outer_middleware(L10nMiddleware())
    if throttling is not False:
        dp.update.outer_middleware(throttling or ThrottlingMiddleware(hits=window_for(storage)))
    dp.update.outer_middleware(idle or IdleMiddleware())  # reads the injected clock
    if "sessionmaker" in workflow_data:
        # The transcript wraps the update's transaction: written after it, never part of it.
        dp.update.outer_middleware(TranscriptMiddleware(workflow_data["sessionmaker"]))
        dp.update.outer_middleware(DbSessionMiddleware(workflow_data["sessionmaker"]))
        settings = workflow_data.get("settings")
        wait = settings.handoff_wait_minutes if settings is not None else 10.0
        dp.update.outer_middleware(HandoffMiddleware(timedelta(minutes=wait)))
    dp.include_routers(*get_routers(extra_routers))
    inline_sync_filters(dp)  # no thread hop per filter tried (bot/inline_filters.py)
    handler_metrics.install(dp)  # per-handler counts and times (bot/metrics.py)
    return dp
