"""The staff web app, mounted under ``/staff`` by ``jiuzhu serve``: console and JSON API.

``build_staff_app(sessionmaker, settings, pushers=...)`` returns an aiohttp application to
``add_subapp("/staff", ...)``. Pages are rendered with aiohttp-jinja2 from
``templates/<locale>/staff/``; sessions live in the database (:mod:`staff.web.sessions`);
every request passes :mod:`staff.web.guard` (errors, database, sign-in, CSRF).
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import session_middleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jiuzhu.settings import Settings
from staff.relay import Pusher
from staff.web import api, api_work, console, guard
from staff.web.keys import PUSHERS, SESSIONMAKER, SETTINGS
from staff.web.sessions import DatabaseStorage
from templates import ROOT as TEMPLATES

STAFF_TEMPLATES = TEMPLATES / "staff"


def build_staff_app(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    pushers: Mapping[str, Pusher] | None = None,
) -> web.Application:
    """The staff application (mount it at ``/staff``).

    :param pushers: channel → pusher for messages that can go out at once (Telegram, a REST
        callback URL); other channels get them at the resident's next turn.
    """
    storage = DatabaseStorage(sessionmaker, secure=settings.secure_cookies)
    app = web.Application(
        middlewares=[guard.errors, session_middleware(storage), guard.database, guard.signed_in],
        client_max_size=api.MAX_BODY,
    )
    app[SESSIONMAKER] = sessionmaker
    app[SETTINGS] = settings
    app[PUSHERS] = dict(pushers or {})
    aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(str(STAFF_TEMPLATES)), autoescape=True,
        undefined=jinja2.StrictUndefined,
    )  # fmt: skip
    api.setup(app)
    console.setup(app)
    api_work.setup(app)
    return app
