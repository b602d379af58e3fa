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
``POST /cases/{id}/reassign {"username"}``    supervisors: to a colleague covering it
``GET  /cases/{id}/transcript``               the resident's chat, masked
``GET  /cases.csv?<list filters>``            the queue as a spreadsheet (audited export)
``GET  /people/{id}?purpose=``                masked card; ``callback``: phone in full
``GET  /documents/{id}?format=html|pdf``      a notice as issued
``GET  /audit?since=&staff=&allowed=``        auditors: staff accesses, department reads
===========================================  =============================================

List filters: ``status``, ``kind``, ``priority``, ``region`` (a prefix), ``assignee``,
``breached=true|false``, ``older_than_hours`` (whole hours). Every read of personal data is
audited with its purpose (:func:`staff.access.authorize`).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web
from aiohttp_session import get_session
from multidict import MultiMapping

from eligibility.documents import html_to_pdf
from jiuzhu import clock
from jiuzhu.errors import InvalidInput
from staff import audit, cases, notices, people, visits
from staff.accounts import authenticate
from staff.clocks import deadlines
from staff.web.guard import principal, public
from staff.web.keys import DB, PUSH
from staff.web.sessions import rotate
from store.models import Case, Notice

MAX_BODY = 64 * 1024
MAX_ID = 2**31 - 1
"""Ids are 32-bit integer columns: a bigger number is no row (PostgreSQL would refuse it)."""
MAX_HOURS = 10**6
"""``older_than_hours`` beyond this (114 years) is no filter anyone means."""
CSV_COLUMNS = ("id", "kind", "status", "priority", "region_code", "assignee", "created_at",
               "first_contact_at", "closed_at", "summary")  # fmt: skip
DOCUMENT_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
}
"""A notice holds personal data: not cached; as issued, it needs no script or request."""


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

    Text must be valid Unicode (no lone surrogates), numbers finite and whole numbers
    within ±:data:`MAX_ID`, so nothing unstorable reaches a service.
    :raises InvalidInput: not a JSON object, a field missing, or a value as above.
    """
    try:
        data = json.loads(await request.text() or "{}", parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        msg = "expected a JSON object"
        raise InvalidInput(msg)
    for name in fields:
        if name not in data:
            msg = f"{name}: required"
            raise InvalidInput(msg)
    _storable(data, "body")
    return data


def _no_constant(name: str) -> None:
    msg = f"{name} is not a number"
    raise ValueError(msg)


def _storable(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key, where)
            _storable(item, key if isinstance(key, str) else where)
    elif isinstance(value, list):
        for item in value:
            _storable(item, where)
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            msg = f"{where}: text that is not valid Unicode (a lone surrogate)"
            raise InvalidInput(msg) from None
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
        msg = f"{where}: number out of range"
        raise InvalidInput(msg)


def text_field(data: dict[str, Any], name: str, limit: int = 4096) -> str:
    """:raises InvalidInput: not a string, or longer than ``limit``."""
    value = data.get(name)
    if not isinstance(value, str) or len(value) > limit:
        msg = f"{name}: expected text of at most {limit} characters"
        raise InvalidInput(msg)
    return value


def path_id(request: web.Request, name: str) -> int:
    """The route's ``{name}`` as a row id.

    :raises InvalidInput: not ASCII digits, or beyond :data:`MAX_ID`.
    """
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID):
        msg = f"{name.replace('_', ' ')}: expected a number"
        raise InvalidInput(msg)
    return int(raw)


def case_id(request: web.Request) -> int:
    """The ``{case_id}`` of the path. :raises InvalidInput: not a number."""
    return path_id(request, "case_id")


def flag(query: MultiMapping[str], name: str) -> bool | None:
    """``true``/``false``, or None when absent. :raises InvalidInput: anything else."""
    raw = query.get(name)
    if not raw:
        return None
    if raw not in ("true", "false"):
        msg = f"{name}: expected true or false"
        raise InvalidInput(msg)
    return raw == "true"


def case_filter(query: MultiMapping[str]) -> cases.CaseFilter:
    """The queue filters of a list or export request. :raises InvalidInput: a bad value."""
    older = query.get("older_than_hours")
    if older is not None and not (older.isascii() and older.isdigit()
                                  and int(older) <= MAX_HOURS):  # fmt: skip
        msg = f"older_than_hours: expected a whole number of hours up to {MAX_HOURS}"
        raise InvalidInput(msg)
    return cases.CaseFilter(
        status=query.get("status") or None, kind=query.get("kind") or None,
        priority=query.get("priority") or None, region=query.get("region") or None,
        breached=flag(query, "breached"), assignee=query.get("assignee") or None,
        older_than=timedelta(hours=int(older)) if older else None,
    )  # fmt: skip


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
    found = await cases.list_cases(request[DB], principal(request), case_filter(request.query))
    names = await cases.usernames(request[DB], {c.assignee_id for c in found if c.assignee_id})
    return web.json_response({"cases": [case_json(c, names) for c in found]})


async def export_cases(request: web.Request) -> web.Response:
    """The queue as CSV (UTF-8 with a BOM, so spreadsheets read the Chinese summaries)."""
    found = await cases.list_cases(request[DB], principal(request), case_filter(request.query),
                                   action="cases.export", purpose="export")  # fmt: skip
    names = await cases.usernames(request[DB], {c.assignee_id for c in found if c.assignee_id})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for c in found:
        row = {**case_json(c, names), "first_contact_at": _iso(c.first_contact_at),
               "closed_at": _iso(c.closed_at)}  # fmt: skip
        writer.writerow([_cell(row[name]) for name in CSV_COLUMNS])
    name = f"cases-{clock.today().isoformat()}.csv"
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode(), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _cell(value: Any) -> str:
    # A cell starting = + - @ is a formula to a spreadsheet (OWASP "CSV injection").
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def case_detail(request: web.Request) -> dict[str, Any]:
    """Everything the case page shows, for the API and the console (audited reads)."""
    db, who = request[DB], principal(request)
    case = await cases.get_case(db, who, case_id(request))
    events = await cases.timeline(db, case)
    names = await cases.usernames(db, {case.assignee_id} if case.assignee_id else set())
    record = await cases.linked_precheck(db, case)
    clocks = deadlines(case)
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
        "notices": [notice_json(n) for n in await notices.notices_of(db, case.id)],
        "viewers": await cases.viewers(db, who, case),
    }


def notice_json(notice: Notice) -> dict[str, Any]:
    """A notice as listed on its case: where to read it, not its content."""
    link = f"/staff/api/documents/{notice.id}"
    return {"id": notice.id, "kind": notice.kind, "issued_at": notice.issued_at.isoformat(),
            "html": link, "pdf": f"{link}?format=pdf"}  # fmt: skip


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


async def reassign(request: web.Request) -> web.Response:
    data = await body(request, "username")
    case = await cases.reassign(request[DB], principal(request), case_id(request),
                                text_field(data, "username", 64))  # fmt: skip
    request[PUSH] = case.id  # a held conversation is told who joined
    names = await cases.usernames(request[DB], {case.assignee_id} if case.assignee_id else set())
    return web.json_response(case_json(case, names))


async def get_transcript(request: web.Request) -> web.Response:
    rows = await people.transcript(request[DB], principal(request), case_id(request))
    return web.json_response({"case_id": case_id(request), "messages": [
        {"at": r.at.isoformat(), "direction": r.direction, "channel": r.channel, "text": r.text}
        for r in rows
    ]})  # fmt: skip


async def get_person(request: web.Request) -> web.Response:
    purpose = request.query.get("purpose") or "case_work"
    card = await people.get_person(request[DB], principal(request),
                                   path_id(request, "person_id"), purpose=purpose)  # fmt: skip
    assignees = {c.assignee_id for c in card.open_cases if c.assignee_id}
    names = await cases.usernames(request[DB], assignees)
    return web.json_response({
        "id": card.id, "name": card.name, "id_number": card.id_number, "phone": card.phone,
        "phone_in_full": card.phone_in_full, "relation": card.relation,
        "family_id": card.family_id, "region_code": card.region_code,
        "open_cases": [case_json(c, names) for c in card.open_cases],
    })  # fmt: skip


async def get_document(request: web.Request) -> web.Response:
    form = request.query.get("format") or "html"
    if form not in ("html", "pdf"):
        msg = "format: expected html or pdf"
        raise InvalidInput(msg)
    notice = await notices.get_notice(request[DB], principal(request),
                                      path_id(request, "notice_id"))  # fmt: skip
    if form == "html":
        return web.Response(text=notice.html, content_type="text/html",
                            headers=DOCUMENT_HEADERS)  # fmt: skip
    pdf = await asyncio.to_thread(html_to_pdf, notice.html)  # seconds of CPU: off the loop
    disposition = f'inline; filename="{notice.kind}-{notice.id}.pdf"'
    return web.Response(body=pdf, content_type="application/pdf",
                        headers={**DOCUMENT_HEADERS, "Content-Disposition": disposition})


def audit_filter(query: MultiMapping[str]) -> audit.AuditFilter:
    """``since`` (ISO date or date-time; Guangdong time when it names no zone), ``staff``
    (a username), ``allowed`` (true/false). :raises InvalidInput: a bad value."""
    since, raw = None, query.get("since")
    if raw:
        try:
            since = (datetime.fromisoformat(raw) if "T" in raw or " " in raw
                     else datetime.combine(date.fromisoformat(raw), time()))  # fmt: skip
        except ValueError:
            msg = "since: expected a date (2026-12-01) or date-time (2026-12-01T08:00+08:00)"
            raise InvalidInput(msg) from None
        since = since if since.tzinfo else since.replace(tzinfo=clock.LOCAL)
    staff = query.get("staff") or None
    if staff is not None and len(staff) > 64:
        msg = "staff: expected a username"
        raise InvalidInput(msg)
    return audit.AuditFilter(since=since, staff=staff, allowed=flag(query, "allowed"))


async def read_audit(request: web.Request) -> web.Response:
    trail = await audit.read_audit(request[DB], principal(request), audit_filter(request.query))
    return web.json_response({
        "staff_access": [
            {"id": a.id, "at": a.at.isoformat(), "staff": name, "action": a.action,
             "resource": a.resource, "region_code": a.region_code, "purpose": a.purpose,
             "allowed": a.allowed, "person_hash": a.person_hash}
            for a, name in trail.staff_access
        ],
        "department_reads": [
            {"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "purpose": r.purpose,
             "person_hash": r.person_hash, "consent_id": r.consent_id,
             "record_kinds": r.record_kinds.split(","), "allowed": r.allowed}
            for r in trail.department_reads
        ],
    })  # fmt: skip


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
    r.add_post("/api/cases/{case_id}/reassign", reassign)
    r.add_get("/api/cases/{case_id}/transcript", get_transcript)
    r.add_get("/api/cases.csv", export_cases)
    r.add_get("/api/people/{person_id}", get_person)
    r.add_get("/api/documents/{notice_id}", get_document)
    r.add_get("/api/audit", read_audit)
