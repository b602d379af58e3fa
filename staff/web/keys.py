"""What the staff web app keeps on the application and on each request."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jiuzhu.settings import Settings
from staff.access import Principal

SESSIONMAKER = web.AppKey("sessionmaker", async_sessionmaker)
SETTINGS = web.AppKey("settings", Settings)
PUSHERS = web.AppKey("pushers", Mapping)
"""Channel name → :class:`staff.relay.Pusher`, for messages that can go out at once."""

DB = web.RequestKey("db", AsyncSession)
"""``request[DB]``: the request's :class:`AsyncSession` (committed after the handler)."""
PRINCIPAL = web.RequestKey("principal", Principal)
"""``request[PRINCIPAL]``: the signed-in :class:`staff.access.Principal`."""
PUSH = web.RequestKey("push", int)
"""``request[PUSH] = case_id``: push that case's queued messages once committed."""

