"""The staff JSON API under ``/staff/api``: used by the console's scripts and integrations.

Sign in with ``POST /staff/api/login {"username", "password"}`` → 200 ``{"csrf_token"}`` and
a session cookie (401 wrong, 429 throttled with ``Retry-After``). Every other call needs the
cookie; every call that changes something also the ``X-CSRF-Token`` header. Errors are
``{"error": "..."}`` with 400 (bad input), 401 (not signed in), 403 (outside your
jurisdiction or role, audited), 404, 409 (taken, closed, consent gone) or 429.

===========================================  =============================================
``GET  /cases?status=&kind=&priority=``       ``{"cases": [case]}``, your jurisdiction only
``GET  /cases/{id}``                          case with ``events``, ``deadlines``,
                                              ``breaches``, ``precheck``, ``viewers``
``POST /cases/{id}/take``                     200 case, or 409 when taken
``POST /cases/{id}/messages {"text"}``        to the resident, on their channel
``POST /cases/{id}/notes {"text"}``           internal; ``@username`` mentions
``POST /cases/{id}/status {"status"}``        along the timeline
``POST /cases/{id}/visit {"findings"}``       ``{"visit_id", "precheck": <precheck --json>}``
``POST /cases/{id}/notices {"kind"}``         ``refusal_notice`` | ``verification_report``
``POST /cases/{id}/close {"resolution"}``     the conversation returns to the assistant
===========================================  =============================================
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from jiuzhu.errors import InvalidInput
from staff import cases, notices, visits
from staff.accounts import authenticate
from staff.clocks import deadlines
from staff.web.guard import principal, public
from staff.web.keys import DB, PUSH
from staff.web.sessions import rotate
from store.models import Case
from store.models import PrecheckResult as PrecheckRecord

MAX_BODY = 64 * 1024


def case_json(case: Case, names: dict[int, str]) -> dict[str, Any]:
    """A case as listed (no personal data: the summary holds none)."""
    return {
        "id": case.id, "kind": case.kind, "status": case.status, "priority": case.priority,
        "region_code": case.region_code, "assignee": names.get(case.assignee_id or 0),
        "created_at": case.created_at.isoformat(), "summary": case.summary,
        "held": case.held,
    }  # fmt: skip


async def body(request: web.Request, *fields: str) -> dict[str, Any]:
    """The JSON object of the request, with ``fields`` present.

    :raises InvalidInput: not a JSON object, or a field missing.
    """
    try:
        data = json.loads(await request.text() or "{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        msg = "expected a JSON object"
        raise InvalidInput(msg)
    for name in fields:
        if name not in data:
            msg = f"{name}: required"
            raise InvalidInput(msg)
    return data


def text_field(data: dict[str, Any], name: str, limit: int = 4096) -> str:
    """:raises InvalidInput: not a string, or longer than ``limit``."""
    value = data.get(name)
    if not isinstance(value, str) or len(value) > limit:
        msg = f"{name}: expected text of at most {limit} characters"
        raise InvalidInput(msg)
    return value


def case_id(request: web.Request) -> int:
    raw = request.match_info["case_id"]
    if not raw.isdigit() or len(raw) > 12:
        msg = "case id: expected a number"
        raise InvalidInput(msg)
    return int(raw)


@public
async def login(request: web.Request) -> web.Response:
    data = await body(request, "username", "password")
    username, password = text_field(data, "username", 64), text_field(data, "password", 1024)
    db = request[DB]
    account = await authenticate(db, username, password, client=request.remote or "")
    session = await rotate(request, db)
    token = secrets.token_urlsafe(32)
    session.update({"staff_id": account.id, "v": account.session_version, "csrf": token})
    return web.json_response({"csrf_token": token, "username": account.username,
                              "role": account.role, "region_prefix": account.region_prefix})


async def logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    session.invalidate()
    return web.json_response({"status": "signed out"})


async def me(request: web.Request) -> web.Response:
    who = principal(request)
    session = await get_session(request)
    return web.json_response({"username": who.username, "role": who.role,
                              "region_prefix": who.region_prefix,
                              "csrf_token": session.get("csrf")})  # fmt: skip


async def list_cases(request: web.Request) -> web.Response:
    q = request.query
    older = q.get("older_than_hours")
    if older is not None and not older.isdigit():
        msg = "older_than_hours: expected a whole number"
        raise InvalidInput(msg)
    breached = {"true": True, "false": False}.get(q.get("breached", ""))
    filters = cases.CaseFilter(
        status=q.get("status") or None, kind=q.get("kind") or None,
        priority=q.get("priority") or None, region=q.get("region") or None,
        breached=breached, assignee=q.get("assignee") or None,
        older_than=timedelta(hours=int(older)) if older else None,
    )  # fmt: skip
    found = await cases.list_cases(request[DB], principal(request), filters)
    names = await cases.usernames(request[DB], {c.assignee_id for c in found if c.assignee_id})
    return web.json_response({"cases": [case_json(c, names) for c in found]})


async def case_detail(request: web.Request) -> dict[str, Any]:
    """Everything the case page shows, for the API and the console (audited reads)."""
    db, who = request[DB], principal(request)
    case = await cases.get_case(db, who, case_id(request))
    events = await cases.timeline(db, case)
    names = await cases.usernames(db, {case.assignee_id} if case.assignee_id else set())
    record = await db.get(PrecheckRecord, case.precheck_id) if case.precheck_id else None
    decided = next((e.at for e in reversed(events) if e.kind in ("visit", "notice")), None)
    clocks = deadlines(case, decided_at=decided)
    return {
        **case_json(case, names),
        "family_id": case.family_id,
        "channel": case.channel,
        "resolution": case.resolution,
        "events": [
            {"id": e.id, "at": e.at.isoformat(), "kind": e.kind, "actor": e.actor,
             "text": e.text, "data": e.data}
            for e in events
        ],
        "deadlines": [
            {"name": d.name, "due": d.due.isoformat(),
             "met_at": d.met_at.isoformat() if d.met_at else None}
            for d in clocks
        ],
        "breaches": [d.name for d in clocks if d.breached(cases.utcnow())],
        "precheck": record.result if record else None,
        "precheck_id": record.id if record else None,
        "viewers": await cases.viewers(db, who, case),
    }


async def get_case(request: web.Request) -> web.Response:
    return web.json_response(await case_detail(request))


async def take(request: web.Request) -> web.Response:
    db = request[DB]
    case = await cases.take(db, principal(request), case_id(request))
    request[PUSH] = case.id
    return web.json_response(case_json(case, {case.assignee_id: principal(request).username}))


async def send_message(request: web.Request) -> web.Response:
    data = await body(request, "text")
    case = await cases.send_message(request[DB], principal(request), case_id(request),
                                    text_field(data, "text"))  # fmt: skip
    request[PUSH] = case.id
    return web.json_response({"status": "sent", "case_id": case.id})


async def add_note(request: web.Request) -> web.Response:
    data = await body(request, "text")
    event = await cases.add_note(request[DB], principal(request), case_id(request),
                                 text_field(data, "text"))  # fmt: skip
    return web.json_response({"id": event.id, "mentions": (event.data or {}).get("mentions", [])})


async def set_status(request: web.Request) -> web.Response:
    data = await body(request, "status")
    case = await cases.set_status(request[DB], principal(request), case_id(request),
                                  text_field(data, "status", 32))  # fmt: skip
    return web.json_response({"id": case.id, "status": case.status})


async def record_visit(request: web.Request) -> web.Response:
    data = await body(request, "findings")
    outcome = await visits.record_visit(request[DB], principal(request), case_id(request),
                                        data["findings"])  # fmt: skip
    request[PUSH] = outcome.visit.case_id
    return web.json_response({"visit_id": outcome.visit.id,
                              "precheck_id": outcome.precheck.record_id,
                              "precheck": outcome.precheck.result.to_json_dict()})  # fmt: skip


async def issue_notice(request: web.Request) -> web.Response:
    data = await body(request, "kind")
    notice = await notices.issue_notice(request[DB], principal(request), case_id(request),
                                        text_field(data, "kind", 32))  # fmt: skip
    request[PUSH] = notice.case_id
    return web.json_response({"notice_id": notice.id, "kind": notice.kind})


async def close(request: web.Request) -> web.Response:
    data = await body(request, "resolution")
    case = await cases.close(request[DB], principal(request), case_id(request),
                             text_field(data, "resolution"))  # fmt: skip
    request[PUSH] = case.id
    return web.json_response({"id": case.id, "status": case.status})


def setup(app: web.Application) -> None:
    """Add the API routes (relative to the staff app's ``/staff`` mount)."""
    r = app.router
    r.add_post("/api/login", login)
    r.add_post("/api/logout", logout)
    r.add_get("/api/me", me)
    r.add_get("/api/cases", list_cases)
    r.add_get("/api/cases/{case_id}", get_case)
    r.add_post("/api/cases/{case_id}/take", take)
    r.add_post("/api/cases/{case_id}/messages", send_message)
    r.add_post("/api/cases/{case_id}/notes", add_note)
    r.add_post("/api/cases/{case_id}/status", set_status)
    r.add_post("/api/cases/{case_id}/visit", record_visit)
    r.add_post("/api/cases/{case_id}/notices", issue_notice)
    r.add_post("/api/cases/{case_id}/close", close)
