"""The staff app's middlewares, outermost first: errors, session, database, sign-in + CSRF.

- **errors**: a :class:`~staff.errors.StaffError` or :class:`~jiuzhu.errors.InvalidInput`
  becomes its status with ``{"error": message}`` under ``/staff/api``; on console pages a
  missing sign-in redirects to the login page and other errors render the error page.
- **database**: one session per request, committed after the handler, and also when the
  handler raised a StaffError (a refused access keeps its audit row); rolled back on
  anything else. Then messages the handler queued are pushed (:data:`keys.PUSH`).
- **sign-in**: every handler not marked :func:`public` needs a live session of an enabled
  account (checked against the database on every request, so disabling is immediate).
  Every request that changes something needs the session's CSRF token (header
  ``X-CSRF-Token``, or a ``csrf_token`` form field) and, when the browser names an Origin,
  this host's.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from jiuzhu.errors import InvalidInput, JiuzhuError
from staff import relay
from staff.access import Principal
from staff.accounts import live_account
from staff.errors import Forbidden, NotSignedIn, StaffError, Throttled
from staff.web.keys import DB, PRINCIPAL, PUSH, PUSHERS, SESSIONMAKER
from store.sources import ConsentRequired

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/staff/api"


def public(handler: Handler) -> Handler:
    """Mark a handler that needs no sign-in (the login page and login call)."""
    handler.jiuzhu_public = True  # type: ignore[attr-defined]
    return handler


def is_api(request: web.Request) -> bool:
    """True for ``/staff/api`` calls (JSON errors), False for console pages (HTML)."""
    return request.path.startswith(API_PREFIX)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        try:
            return await handler(request)
        except UnicodeDecodeError:  # a form body that is not UTF-8
            msg = "the request body is not UTF-8 text"
            raise InvalidInput(msg) from None
    except (StaffError, InvalidInput, ConsentRequired) as e:
        status = getattr(e, "status", 400)
        if isinstance(e, ConsentRequired):
            status, message = 409, "the family's consent is no longer valid: nothing was read"
        else:
            message = e.message
        headers = {"Retry-After": str(e.retry_after)} if isinstance(e, Throttled) else None
        if is_api(request):
            return web.json_response({"error": message}, status=status, headers=headers)
        if isinstance(e, NotSignedIn):
            raise web.HTTPSeeOther("/staff/login") from None
        response = aiohttp_jinja2.render_template(
            "error.html", request, {"status": status, "message": message}, status=status
        )
        if headers:
            response.headers.update(headers)
        return response


@web.middleware
async def database(request: web.Request, handler: Handler) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as db:
        request[DB] = db
        try:
            response = await handler(request)
        except (JiuzhuError, web.HTTPException):
            await db.commit()  # refusals and redirects keep their audit rows
            raise
        except BaseException:
            await db.rollback()
            raise
        await db.commit()
    if request.get(PUSH) is not None:
        await relay.push_pending(request.app[SESSIONMAKER], request.app[PUSHERS],
                                 case_id=request[PUSH])  # fmt: skip
    return response


@web.middleware
async def signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in SAFE_METHODS:
        _same_origin(request)
    if getattr(_resolved(request, handler), "jiuzhu_public", False):
        return await handler(request)
    session = await get_session(request)
    staff_id, version = session.get("staff_id"), session.get("v")
    if not isinstance(staff_id, int) or not isinstance(version, int):
        msg = "please sign in"
        raise NotSignedIn(msg)
    account = await live_account(request[DB], staff_id, version)
    request[PRINCIPAL] = Principal.of(account)
    if request.method not in SAFE_METHODS:
        await _check_csrf(request, session.get("csrf"))
    return await handler(request)


def _resolved(request: web.Request, handler: Handler) -> Any:
    # The route's own handler (middlewares wrap it in partials).
    return getattr(request.match_info, "handler", handler)


def _same_origin(request: web.Request) -> None:
    origin = request.headers.get("Origin")
    if origin is None:
        return
    expected = f"{request.scheme}://{request.host}"
    if origin != expected:
        msg = "cross-site request refused"
        raise Forbidden(msg)


async def _check_csrf(request: web.Request, expected: Any) -> None:
    given = request.headers.get("X-CSRF-Token")
    if given is None and request.content_type in ("application/x-www-form-urlencoded",
                                                  "multipart/form-data"):  # fmt: skip
        form = await request.post()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not (isinstance(expected, str) and given
            and hmac.compare_digest(given.encode(), expected.encode())):  # fmt: skip
        msg = "missing or wrong CSRF token: send the X-CSRF-Token header from login"
        raise Forbidden(msg)


def principal(request: web.Request) -> Principal:
    """The signed-in staff member of this request."""
    return request[PRINCIPAL]
