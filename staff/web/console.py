"""The staff console: server-rendered pages under ``/staff`` (the JSON API does the work).

=================================  ==========================================================
``GET  /login``, ``POST /login``   sign-in form (throttled; the session is rotated)
``POST /logout``                   ends the session (CSRF form field)
``GET  /``                         the queue, with the API's list filters (``status`` kind
                                   priority older_than_hours breached; ``active`` by default)
``GET  /cases/{case_id}``          the case page; its forms and live updates call the API
``GET  /dashboard``                open cases by reason and age, breaches, the chart
``GET  /dashboard/chart.svg``      the chart (matplotlib, drawn here)
``GET  /static/{name}``            the console's CSS and JS
=================================  ==========================================================

Pages speak Chinese, or English after ``?lang=en`` (remembered in the session) or when the
browser prefers it (``Accept-Language``). Every sentence comes from
``templates/<locale>/staff.yml``; the pre-check's own explanations are Chinese only
(``templates/zh_CN/eligibility.yml``).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from markupsafe import Markup

from eligibility import explain
from eligibility.people import member_names
from eligibility.precheck import load_family
from eligibility.regions import region_name
from eligibility.result import PROGRAMS, PrecheckResult
from jiuzhu import clock
from staff import dashboard, referrals
from staff.accounts import authenticate
from staff.cases import STAFF_STATUSES, CaseFilter
from staff.errors import NotSignedIn, Throttled
from staff.web import api
from staff.web.guard import is_api, principal, public
from staff.web.keys import DB, PRINCIPAL
from staff.web.sessions import rotate
from store.models.cases import CASE_KINDS, PRIORITIES
from store.models.staff import NOTICE_KINDS
from templates import DEFAULT_LOCALE, ROOT, Texts, texts

STATIC = ROOT / "staff" / "static"
LOCALES = {"zh": "zh_CN", "en": "en"}
"""``?lang=`` value → template locale."""
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
LOCALE = web.RequestKey("locale", str)
PAGE = web.RequestKey("page", dict)
"""What every page's template gets (:func:`localized`), merged in by :func:`page`."""
OLDER_HOURS = (24, 72, 240)
"""The queue's "waiting more than" choices, in hours (1, 3, 10 days: near the clocks)."""
CONVERSATION = ("message_in", "message_out", "joined", "released", "notice")
"""Timeline events a resident wrote or received: the page's conversation (a ``notice`` only
as the resident's copy, without ``data.kind``). The progress lists the rest, and
:data:`BOTH` again."""
BOTH = ("joined", "released")
INCOME_CHOICES = ("wage", "business", "property", "transfer")
"""Income kinds the visit form offers to correct (the API accepts every kind)."""
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}  # fmt: skip
"""Every console page: own scripts and styles only, never framed, never cached."""


# --- locale and page context ----------------------------------------------------------------


def plain(l10n: Texts, key: str, /, **context: Any) -> str:
    """A text as plain characters (Texts escapes for HTML; pages and scripts escape again)."""
    return Markup(l10n.t(key, **context)).unescape()


def label(l10n: Texts, prefix: str, code: str | None) -> str:
    """The text of a code (``label(t, "kind", "home_visit")`` → ``入户核查``); the code
    itself when there is no text for it (a new kind shows up, it does not break the page)."""
    if code is None:
        return ""
    key = f"{prefix}-{code.replace('_', '-')}"
    return plain(l10n, key) if key in l10n else code


def _page_text(l10n: Texts) -> Any:
    def t(key: str, /, **context: Any) -> Markup:
        # The YAML is ours and Texts escapes the values: safe to insert as it is.
        return Markup(l10n.t(key, **context))

    return t


def _labeller(l10n: Texts) -> Any:
    def lbl(prefix: str, code: str | None) -> str:
        return label(l10n, prefix, code)

    return lbl


async def _locale(request: web.Request) -> str:
    session = await get_session(request)
    chosen = LOCALES.get(request.query.get("lang", ""))
    if chosen is not None:
        session["lang"] = chosen
        return chosen
    remembered = session.get("lang")
    if remembered in HTML_LANG:
        return remembered
    return _accepted(request.headers.get("Accept-Language", ""))


def _accepted(header: str) -> str:
    """The locale of the browser's first choice we have (Chinese unless English comes first)."""
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, i, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh_CN"
    return DEFAULT_LOCALE


@web.middleware
async def localized(request: web.Request, handler: Any) -> web.StreamResponse:
    """Console pages (not the API): pick the locale and give templates what every page uses."""
    if is_api(request) or request.path.startswith("/staff/static/"):
        return await handler(request)
    locale = await _locale(request)
    request[LOCALE] = locale
    session = await get_session(request)
    other = "en" if locale == "zh_CN" else "zh"
    l10n = texts("staff", locale)
    request[PAGE] = {
        "t": _page_text(l10n),
        "lbl": _labeller(l10n),
        "html_lang": HTML_LANG[locale],
        "other_lang_url": str(request.rel_url.update_query(lang=other)),
        "me": request.get(PRINCIPAL),
        "csrf_token": session.get("csrf", ""),
        "script_texts": script_texts(l10n),
    }
    response = await handler(request)
    if response.content_type == "text/html":
        response.headers.update(HEADERS)
    return response


def _l10n(request: web.Request) -> Texts:
    return texts("staff", request.get(LOCALE, DEFAULT_LOCALE))


def page(
    request: web.Request, name: str, context: Mapping[str, Any], *, status: int = 200
) -> web.Response:
    """Render ``templates/staff/<name>`` with the page's locale and sign-in."""
    return aiohttp_jinja2.render_template(name, request, {**request.get(PAGE, {}), **context},
                                          status=status)  # fmt: skip


# --- template helpers ------------------------------------------------------------------------


def local_time(value: datetime | str | None) -> str:
    """``2026-12-01T04:00:00+00:00`` → ``12-01 12:00`` (Guangdong time)."""
    if value is None:
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{at.astimezone(clock.LOCAL):%m-%d %H:%M}"


def age_text(l10n: Texts, age: timedelta) -> str:
    """How long a case has waited, in the largest unit that reads well."""
    minutes = max(int(age.total_seconds() // 60), 0)
    if minutes < 60:
        return plain(l10n, "age-minutes", n=minutes)
    if minutes < 48 * 60:
        return plain(l10n, "age-hours", n=minutes // 60)
    return plain(l10n, "age-days", n=minutes // (24 * 60))


def region_text(code: str) -> str:
    """A region code or jurisdiction prefix in words (``4418`` → ``清远市``), else the code."""
    try:
        return region_name(code.ljust(6, "0"))
    except KeyError:
        return code


def actor_text(l10n: Texts, actor: str) -> str:
    """``staff:li`` → ``工作人员 li``; ``resident`` → ``居民``."""
    kind, _, name = actor.partition(":")
    if kind == "staff":
        return plain(l10n, "who-staff", name=name)
    return label(l10n, "who", kind)


def setup_environment(app: web.Application) -> None:
    """Defaults for pages rendered without :func:`page` (the guard's error page, in Chinese
    and English: it is rendered outside the request's locale)."""
    env = aiohttp_jinja2.get_env(app)
    zh = texts("staff")
    env.globals.update(t=_page_text(zh), en=_page_text(texts("staff", "en")),
                       lbl=_labeller(zh), html_lang="zh-CN", me=None,
                       csrf_token="", other_lang_url="?lang=en", active="",
                       region_text=region_text)  # fmt: skip
    env.filters["local_time"] = local_time


# --- sign-in ----------------------------------------------------------------------------------


@public
async def login_page(request: web.Request) -> web.Response:
    return page(request, "login.html", {"error": None, "username": "",
                                        "bye": "bye" in request.query})  # fmt: skip


@public
async def login(request: web.Request) -> web.Response:
    """Sign in from the form, as ``POST /staff/api/login`` does (same session contents)."""
    form = await request.post()
    username, password = form.get("username"), form.get("password")
    if not (isinstance(username, str) and isinstance(password, str) and username and password
            and len(username) <= 64 and len(password) <= 1024):  # fmt: skip
        return _login_again(request, "login-missing", 400)
    db = request[DB]
    try:
        account = await authenticate(db, username, password, client=request.remote or "")
    except Throttled as e:
        wait = {"minutes": math.ceil(e.retry_after / 60), "seconds": e.retry_after}
        response = _login_again(request, "login-throttled", 429, username, wait)
        response.headers["Retry-After"] = str(e.retry_after)
        return response
    except NotSignedIn:
        return _login_again(request, "login-wrong", 401, username)
    lang = (await get_session(request)).get("lang")
    session = await rotate(request, db)
    session.update({"staff_id": account.id, "v": account.session_version,
                    "csrf": secrets.token_urlsafe(32)})  # fmt: skip
    if lang:
        session["lang"] = lang
    raise web.HTTPSeeOther("/staff/")


def _login_again(
    request: web.Request,
    error: str,
    status: int,
    username: str = "",
    wait: dict[str, int] | None = None,
) -> web.Response:
    message = plain(_l10n(request), error, **(wait or {}))
    return page(request, "login.html", {"error": message, "username": username, "bye": False},
                status=status)  # fmt: skip


async def logout(request: web.Request) -> web.Response:
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther("/staff/login?bye")


# --- queue -----------------------------------------------------------------------------------


def queue_filters(query: Mapping[str, str]) -> tuple[CaseFilter, dict[str, str]]:
    """The API's list filters (:func:`staff.web.api.case_filter`), and the chosen values.

    ``status`` defaults to ``active`` (every case not yet resolved or closed); ``status=``
    (empty) means any status.
    :raises InvalidInput: a bad value.
    """
    names = ("status", "kind", "priority", "older_than_hours", "breached")
    chosen = {name: query.get(name, "") for name in names}
    filters = api.case_filter(query)
    if "status" not in query:
        chosen["status"] = "active"
        filters = replace(filters, status="active")
    return filters, chosen


async def queue_page(request: web.Request) -> web.Response:
    filters, chosen = queue_filters(request.query)
    rows = await dashboard.queue(request[DB], principal(request), filters)
    l10n = _l10n(request)
    return page(request, "queue.html", {
        "rows": rows, "chosen": chosen, "age": lambda td: age_text(l10n, td),
        "statuses": ("active", *STAFF_STATUSES, "open", "closed"), "kinds": CASE_KINDS,
        "priorities": PRIORITIES, "older_hours": OLDER_HOURS,
    })  # fmt: skip


# --- case page -------------------------------------------------------------------------------


def precheck_view(
    result: Mapping[str, Any] | None, names: Mapping[str, str]
) -> dict[str, Any] | None:
    """The stored pre-check in words (``eligibility.explain``), or None without one."""
    if not result:
        return None
    checked = PrecheckResult.model_validate(result)
    programs = []
    for code in PROGRAMS:
        program = checked.programs.get(code)
        if program is None:
            continue
        programs.append({
            "name": explain.program_name(code), "status": program.status,
            "status_text": explain.status_text(program.status),
            "amount": explain.amount_text(program.monthly_amount, program.status,
                                         reasons=program.reasons),
            "reasons": [explain.reason_text(r, names) for r in program.reasons],
        })  # fmt: skip
    return {
        "region": region_text(checked.region), "area": explain.area_text(checked.area),
        "period": checked.period, "size": checked.household_size,
        "income": checked.per_capita_income, "standard": checked.dibao_standard,
        "source": explain.source_text(checked.dibao_standard_source),
        "programs": programs, "flags": [explain.flag_text(f, names) for f in checked.flags],
        "unverified": {m: names.get(m, m) for m in checked.unverified_members},
    }  # fmt: skip


def is_message(event: Mapping[str, Any]) -> bool:
    """True for an event of the conversation (:data:`CONVERSATION`)."""
    if event["kind"] == "notice":
        return not (event["data"] or {}).get("kind")
    return event["kind"] in CONVERSATION


async def family_members(request: web.Request, family_id: int | None) -> dict[str, str]:
    """Pre-check member id → masked name and relation, for the case already read."""
    if family_id is None:
        return {}
    return member_names(await load_family(request[DB], family_id), texts("bot"))


def deadline_rows(detail: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The case's clocks with their ``state``: met, late (met after due), breached, pending."""
    rows = []
    for d in detail["deadlines"]:
        if d["met_at"]:
            met, due = datetime.fromisoformat(d["met_at"]), datetime.fromisoformat(d["due"])
            state = "late" if met > due else "met"
        else:
            state = "breached" if d["name"] in detail["breaches"] else "pending"
        rows.append({**d, "state": state})
    return rows


def event_detail(l10n: Texts, event: Mapping[str, Any]) -> str:
    """What a timeline line adds to its kind: the new status, the assignee, the visit's
    dibao result, the notice issued."""
    data = event["data"] or {}
    if event["kind"] == "status" and "to" in data:
        return plain(l10n, "event-to", what=label(l10n, "status", data["to"]))
    if event["kind"] == "status" and "priority" in data:
        return plain(l10n, "event-to", what=label(l10n, "priority", data["priority"]))
    if event["kind"] == "assigned" and "to" in data:
        return plain(l10n, "event-to", what=data["to"])
    if event["kind"] == "visit" and data.get("dibao"):
        return f"{explain.program_name('dibao')}: {explain.status_text(data['dibao'])}"
    if event["kind"] == "notice" and data.get("kind"):
        return label(l10n, "notice-kind", data["kind"])
    if event["kind"] == "referral" and data.get("department"):
        department = label(l10n, "dept", data["department"])
        return plain(l10n, "event-referral-detail", department=department,
                     program=referrals.program_name(data["program"]),
                     status=label(l10n, "referral-status", data.get("status")))  # fmt: skip
    if event["kind"] == "referral" and data.get("status"):
        return plain(l10n, "event-to", what=label(l10n, "referral-status", data["status"]))
    return ""


def script_texts(l10n: Texts) -> dict[str, Any]:
    """What the page's script writes itself (labels, errors), in the page's language."""
    keys = ("busy", "done", "viewers-none", "conversation-empty", "earlier-empty",
            "earlier-failed", "error-network", "error-other")  # fmt: skip
    return {
        **{key: plain(l10n, key) for key in keys},
        "errors": {str(s): plain(l10n, f"error-{s}") for s in (400, 401, 403, 404, 409, 429)},
        "detail": plain(l10n, "error-detail", detail="{detail}"),
        "who": {
            "resident": plain(l10n, "who-resident"),
            "assistant": plain(l10n, "who-assistant"),
            "staff": plain(l10n, "who-staff", name="{name}"),
        },
        "status": {s: label(l10n, "status", s) for s in (*STAFF_STATUSES, "open", "closed")},
        "conversation": CONVERSATION,
    }


async def case_page(request: web.Request) -> web.Response:
    detail = await api.case_detail(request)
    names = await family_members(request, detail["family_id"])
    l10n = _l10n(request)
    events = detail["events"]
    return page(request, "case.html", {
        "case": detail, "members": names, "precheck": precheck_view(detail["precheck"], names),
        "conversation": [e for e in events if is_message(e)],
        "timeline": [e for e in events if not is_message(e) or e["kind"] in BOTH],
        "documents": detail["notices"],
        "deadlines": deadline_rows(detail), "actor": lambda actor: actor_text(l10n, actor),
        "event_detail": lambda event: event_detail(l10n, event),
        "statuses": STAFF_STATUSES, "notice_kinds": NOTICE_KINDS, "income_kinds": INCOME_CHOICES,
        "referral_programs": {department: {code: referrals.program_name(code) for code in codes}
                              for department, codes in referrals.PROGRAMS.items()},
    })  # fmt: skip


# --- dashboard -------------------------------------------------------------------------------


async def dashboard_page(request: web.Request) -> web.Response:
    view = await dashboard.overview(request[DB], principal(request))
    return page(request, "dashboard.html", {"view": view, "buckets": dashboard.BUCKETS})


async def chart(request: web.Request) -> web.Response:
    view = await dashboard.overview(request[DB], principal(request))
    svg = await dashboard.chart_svg(view, request.get(LOCALE, DEFAULT_LOCALE))
    return web.Response(body=svg, content_type="image/svg+xml",
                        headers={"Cache-Control": "no-store"})  # fmt: skip


# --- static files and routes -----------------------------------------------------------------


@public
async def static(request: web.Request) -> web.StreamResponse:
    # A handler of ours, not add_static: the sign-in page needs its CSS before sign-in.
    path = STATIC / request.match_info["name"]
    if not path.is_file():
        raise web.HTTPNotFound
    return web.FileResponse(path, headers={"Cache-Control": "no-cache",
                                           "X-Content-Type-Options": "nosniff"})  # fmt: skip


def setup(app: web.Application) -> None:
    """Add the console's pages, static files and locale to the staff app (before it starts)."""
    app.middlewares.append(localized)
    setup_environment(app)
    r = app.router
    r.add_get("/login", login_page)
    r.add_post("/login", login)
    r.add_post("/logout", logout)
    r.add_get("/", queue_page)
    r.add_get("/cases/{case_id}", case_page)
    r.add_get("/dashboard", dashboard_page)
    r.add_get("/dashboard/chart.svg", chart)
    r.add_get(r"/static/{name:[a-z0-9_-]+\.(?:css|js)}", static)
