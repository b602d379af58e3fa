"""Staff sessions kept in the database (aiohttp-session storage): the cookie is a token.

The cookie holds a random token; the row is found by its keyed hash. Logging out deletes
the row; disabling an account deletes all its rows (:func:`end_sessions`); logging in
rotates the token (:func:`rotate`), so a token known before login is worthless after it
(session fixation). Cookies are ``HttpOnly``, ``SameSite=Strict``, scoped to ``/staff``, and
``Secure`` in production.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from aiohttp import web
from aiohttp_session import AbstractStorage, Session, new_session
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.base import utcnow
from store.crypto import vault
from store.models import StaffSession

COOKIE = "jiuzhu_staff"
MAX_AGE = timedelta(hours=8)
"""[A] A working day: a session ends after 8 hours however active (OWASP: absolute timeout)."""


def _hash(token: str) -> str:
    return vault().lookup_hash("staff-session", token)


class DatabaseStorage(AbstractStorage):
    """aiohttp-session storage in the ``staff_session`` table.

    :param sessionmaker: the database's sessions (each load and save is its own transaction).
    :param secure: mark the cookie ``Secure`` (HTTPS only).
    """

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, secure: bool
    ) -> None:
        super().__init__(
            cookie_name=COOKIE, max_age=int(MAX_AGE.total_seconds()), path="/staff",
            secure=secure, httponly=True, samesite="Strict",
        )  # fmt: skip
        self.sessionmaker = sessionmaker

    async def load_session(self, request: web.Request) -> Session:
        token = self.load_cookie(request)
        if token:
            async with self.sessionmaker() as db:
                row = await db.get(StaffSession, _hash(token))
            if row is not None and row.expires_at > utcnow():
                # Expiry is ours (``expires_at``, by the injected clock), not aiohttp-session's
                # wall-clock ``created``: hence "created now" and no max_age here.
                data = {"created": int(time.time()), "session": dict(row.data)}
                return Session(token, data=data, new=False, max_age=None)  # type: ignore[arg-type]
        return Session(None, data=None, new=True, max_age=None)

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: Session
    ) -> None:
        token = session.identity
        async with self.sessionmaker() as db, db.begin():
            if session.empty:
                if token:
                    await db.execute(delete(StaffSession).where(
                        StaffSession.token_hash == _hash(token)))  # fmt: skip
                self.save_cookie(response, "", max_age=0)
                return
            if token is None:
                token = secrets.token_urlsafe(32)
                session.set_new_identity(token)
            data = dict(session)
            row = await db.get(StaffSession, _hash(token))
            if row is None:
                db.add(StaffSession(token_hash=_hash(token), staff_id=data.get("staff_id"),
                                    data=data, expires_at=utcnow() + MAX_AGE))  # fmt: skip
            else:
                row.data, row.staff_id = data, data.get("staff_id")
        self.save_cookie(response, token, max_age=self.max_age)


async def rotate(request: web.Request, db: AsyncSession) -> Session:
    """A fresh session (new token) in place of the request's, whose row is deleted."""
    token = request.cookies.get(COOKIE)  # from the cookie: a public handler never loaded it
    if token:
        await db.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))
    return await new_session(request)


async def end_sessions(db: AsyncSession, staff_id: int) -> None:
    """Every session of this account ends now (disabled, password changed)."""
    await db.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))
