"""Wiring of one bot process: settings -> storage -> services -> Dispatcher.

Every channel starts from :func:`create_app_context`::

    ctx = await create_app_context(get_settings())
    try:
        gateway = Gateway(ctx.dispatcher, channel="rest")
        ...
    finally:
        await ctx.close()

To give handlers a service, build it here, register its cleanup on ``ctx.exit_stack``
and put it in ``workflow_data`` under the name handlers will use as a parameter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage

from bot.dispatcher import build_dispatcher
from bot.storage import make_storage
from jiuzhu.settings import Settings
from nlu import get_engine
from store.crypto import configure_vault
from store.health import database_problem
from store.migrate import require_current
from store.session import make_async_engine, make_sessionmaker


@dataclass
class AppContext:
    """What one process needs to run the dialogue.

    :ivar workflow_data: the services handlers receive by name (``settings``...).
    :ivar exit_stack: cleanups run by :meth:`close`, in reverse order of registration.
    """

    settings: Settings
    storage: BaseStorage
    dispatcher: Dispatcher
    workflow_data: dict[str, Any] = field(default_factory=dict)
    exit_stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def close(self) -> None:
        """Close services and the FSM storage (idempotent)."""
        await self.exit_stack.aclose()

    async def readiness(self) -> dict[str, str | None]:
        """Each dependency of a turn → why it cannot serve one, or None when it can.

        ``database``: a read and a write (:func:`store.health.database_problem`); ``redis``
        (when FSM state lives there): PING; ``nlu``: parses a greeting within 2 s [A].
        """
        checks: dict[str, str | None] = {}
        sessionmaker = self.workflow_data.get("sessionmaker")
        if sessionmaker is not None:
            url = self.settings.sync_database_url
            sqlite = Path(url.database) if url.get_backend_name() == "sqlite" else None
            checks["database"] = await database_problem(sessionmaker, sqlite)
        redis = getattr(self.storage, "redis", None)
        if redis is not None:
            checks["redis"] = await _problem(redis.ping())
        nlu = self.workflow_data.get("nlu")
        if nlu is not None:
            checks["nlu"] = await _problem(nlu.parse("你好"))
        return checks


async def _problem(probe: Awaitable[object], timeout: float = 2.0) -> str | None:
    try:
        await asyncio.wait_for(probe, timeout)
    except Exception as e:  # a probe reports, it does not raise
        return f"{type(e).__name__}: did not answer"
    return None


async def create_app_context(
    settings: Settings, *, throttle: bool = True, **services: Any
) -> AppContext:
    """Build the storage, the services and the Dispatcher for ``settings``.

    :param settings: usually :func:`jiuzhu.settings.get_settings`.
    :param throttle: rate-limit each sender (off for the terminal: one local person).
    :param services: extra or replacement ``workflow_data`` (tests inject fakes here).
    :returns: an :class:`AppContext`; call :meth:`AppContext.close` when done.
    :raises store.migrate.SchemaError: the database is not at this version's schema (run
        ``jiuzhu db upgrade``: workers never migrate).
    """
    stack = AsyncExitStack()
    storage = make_storage(settings.redis_url, settings.redis_prefix)
    stack.push_async_callback(storage.close)
    workflow_data: dict[str, Any] = {"settings": settings}
    if "sessionmaker" not in services:
        configure_vault(settings.secret())
        # The dialogue writes transcripts and cases from the first message: refuse an old or
        # missing schema now, in one line. Migrating is a deploy step (`jiuzhu db upgrade`).
        await asyncio.to_thread(require_current, settings)
        engine = make_async_engine(settings)
        stack.push_async_callback(engine.dispose)
        workflow_data["sessionmaker"] = make_sessionmaker(engine)
    if "nlu" not in services:
        workflow_data["nlu"] = get_engine(settings)
    workflow_data.update(services)
    dispatcher = build_dispatcher(
        storage=storage, throttling=None if throttle else False, **workflow_data
    )
    return AppContext(settings, storage, dispatcher, workflow_data, stack)
