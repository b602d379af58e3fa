"""Every route of the staff app enforces sign-in, CSRF and jurisdiction (issue 10).

Driven by the route table of the app ``jiuzhu serve`` serves (the ``/staff`` sub-app of
:func:`bot.server.build_server`), so a route added anywhere is checked; :data:`ROUTES` says
for each route whether it is public and what a valid request body is, and a route missing
from it fails the test. For every route:

- not public: without a session, 401 (API) or a redirect to the login page (console);
- changes something (not GET): signed in without the ``X-CSRF-Token`` → 403, and with the
  token but a cross-site ``Origin`` → 403; nothing ran (no access row, session intact);
- names a resource (``{case_id}``, ``{person_id}``, ``{notice_id}``, any ``{..._id}``): a
  韶关 (4402) caseworker asking for a 清远 (4418) one gets 403, and a refused
  :class:`~store.models.StaffAccess` row of that region is committed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from bot.server import build_server
from staff.cases import open_case
from staff.web import build_staff_app
from staff.web.guard import public
from store.models import Benefit, Person, StaffAccess, StaffAccount
from store.session import transaction
from tests.journeys.conftest import story_ids
from tests.staff.conftest import PASSWORD, Served, StaffClient, open_handoff

CROSS_SITE = "https://evil.example"
PARAM = re.compile(r"\{(\w+)")
"""A route parameter (``{case_id}``): the route names a resource."""


@dataclass(frozen=True)
class Spec:
    """How to call one route: ``body`` (JSON, or a form when ``form``) valid for the 清远
    resources of :func:`qingyuan_resources`; ``public`` when it needs no sign-in."""

    body: Any = None
    public: bool = False
    form: bool = False


CASE = "/staff/api/cases/{case_id}"
LOGIN = {"username": "province", "password": PASSWORD}
REFERRAL = {"department": "education", "program": "education_assistance"}
ROUTES: dict[tuple[str, str], Spec] = {
    # staff.web.api
    ("POST", "/staff/api/login"): Spec(LOGIN, public=True),
    ("POST", "/staff/api/logout"): Spec(),
    ("GET", "/staff/api/me"): Spec(),
    ("GET", "/staff/api/cases"): Spec(),
    ("GET", "/staff/api/cases.csv"): Spec(),
    ("GET", CASE): Spec(),
    ("POST", f"{CASE}/take"): Spec(),
    ("POST", f"{CASE}/messages"): Spec({"text": "您好"}),
    ("POST", f"{CASE}/notes"): Spec({"text": "@qy-super 请看"}),
    ("POST", f"{CASE}/status"): Spec({"status": "waiting_resident"}),
    ("POST", f"{CASE}/visit"): Spec({"findings": {"income_confirmed": True}}),
    ("POST", f"{CASE}/notices"): Spec({"kind": "verification_report"}),
    ("POST", f"{CASE}/close"): Spec({"resolution": "done"}),
    ("POST", f"{CASE}/reassign"): Spec({"username": "lianshan"}),
    ("GET", f"{CASE}/transcript"): Spec(),
    ("GET", "/staff/api/people/{person_id}"): Spec(),
    ("GET", "/staff/api/documents/{notice_id}"): Spec(),
    ("GET", "/staff/api/audit"): Spec(),
    # staff.web.api_work
    ("POST", f"{CASE}/referrals"): Spec(REFERRAL),
    ("GET", f"{CASE}/referrals"): Spec(),
    ("GET", "/staff/api/referrals"): Spec(),
    ("POST", "/staff/api/referrals/{referral_id}"): Spec({"status": "acknowledged"}),
    ("POST", f"{CASE}/decisions"): Spec({"action": "stop", "reason": "moved away"}),
    ("GET", "/staff/api/decisions"): Spec(),
    ("POST", "/staff/api/decisions/{decision_id}/approve"): Spec(),
    ("POST", "/staff/api/decisions/{decision_id}/reject"): Spec({"reason": "not verified"}),
    # staff.web.console
    ("GET", "/staff/login"): Spec(public=True),
    ("POST", "/staff/login"): Spec(LOGIN, public=True, form=True),
    ("POST", "/staff/logout"): Spec(form=True),
    ("GET", "/staff/"): Spec(),
    ("GET", "/staff/cases/{case_id}"): Spec(),
    ("GET", "/staff/dashboard"): Spec(),
    ("GET", "/staff/dashboard/chart.svg"): Spec(),
    ("GET", "/staff/static/{name}"): Spec(public=True),
}
"""Every route of the staff app. A new route needs its line here, or this test fails."""


def staff_app(app: web.Application) -> web.Application:
    """The ``/staff`` sub-app of a served application."""
    found = [r.get_info()["app"] for r in app.router.resources()
             if r.get_info().get("prefix") == "/staff"]  # fmt: skip
    assert len(found) == 1
    return found[0]


def routes_of(app: web.Application) -> list[tuple[str, str, Any]]:
    """``(method, path template, handler)`` of every route (HEAD of a GET left out)."""
    routes = staff_app(app).router.routes()
    gets = {r.resource.canonical for r in routes if r.method == "GET"}
    return [(r.method, r.resource.canonical, r.handler) for r in routes
            if not (r.method == "HEAD" and r.resource.canonical in gets)]  # fmt: skip


async def qingyuan_resources(served: Served) -> dict[str, int]:
    """One 清远 resource of each kind a route names, made the way staff make them:
    story A (连山 441825) asks for a person; lianshan visits, issues a report, refers,
    proposes a stop."""
    await (await open_handoff(served.base, "wechat:ivan")).close()
    async with served.sessionmaker() as session:
        person = next(p.id for p in await session.scalars(select(Person))
                      if p.id_number == story_ids("A")[0])  # fmt: skip
        benefit = await session.scalar(select(Benefit.id).where(
            Benefit.program == "disability_living_subsidy", Benefit.person_id == person))
    lianshan = StaffClient(served.base)
    try:
        assert await lianshan.login("lianshan") == 200
        _, listed = await lianshan.call("GET", "/staff/api/cases?kind=handoff")
        case = listed["cases"][0]["id"]
        path = f"/staff/api/cases/{case}"
        steps = [
            ("visit", {"findings": {"consents_signed": [f"p{person}"]}}),
            ("notices", {"kind": "verification_report"}),
            ("referrals", REFERRAL),
            ("decisions", {"benefit_id": benefit, "action": "stop", "reason": "moved away"}),
        ]
        made = {}
        for step, payload in steps:
            status, made[step] = await lianshan.call("POST", f"{path}/{step}", payload)
            assert status == 200, (step, made[step])
    finally:
        await lianshan.close()
    return {"case_id": case, "person_id": person, "notice_id": made["notices"]["notice_id"],
            "referral_id": made["referrals"]["id"], "decision_id": made["decisions"]["id"]}


async def call(
    client: StaffClient, method: str, path: str, spec: Spec, *, csrf: bool = True,
    origin: str | None = None,
) -> tuple[int, str | None]:
    """``(status, Location)`` of one request, redirects not followed."""
    headers = {"Origin": origin} if origin else {}
    if csrf and client.csrf:
        headers["X-CSRF-Token"] = client.csrf
    if spec.body is None:
        sent: dict[str, Any] = {}
    else:
        sent = {"data": spec.body} if spec.form else {"json": spec.body}
    async with client.http.request(method, client.base + path, headers=headers,
                                   allow_redirects=False, **sent) as response:  # fmt: skip
        await response.read()
        return response.status, response.headers.get("Location")


async def denied_rows(served: Served, username: str) -> int:
    """Committed refusals of ``username`` for 清远 resources."""
    async with served.sessionmaker() as session:
        return await session.scalar(
            select(func.count()).select_from(StaffAccess)
            .join(StaffAccount, StaffAccount.id == StaffAccess.staff_id)
            .where(StaffAccount.username == username, StaffAccess.allowed.is_(False),
                   StaffAccess.region_code.startswith("4418"))
        )  # fmt: skip


async def access_rows(served: Served) -> int:
    async with served.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(StaffAccess))


async def check_routes(
    served: Served, base: str, routes: list[tuple[str, str, Any]], specs: dict[Any, Spec],
    ids: dict[str, int],
) -> list[str]:
    """What each route fails of the module docstring's checks (empty: all enforced)."""
    anonymous = StaffClient(base)
    worker = StaffClient(base)  # covers all of Guangdong: only CSRF can refuse it
    shaoguan = StaffClient(base)
    problems: list[str] = []
    try:
        assert await worker.login("province") == 200
        assert await shaoguan.login("shaoguan") == 200
        for method, template, handler in routes:
            spec = specs[(method, template)]
            path = template.format(**ids, name="staff.css")
            where = f"{method} {template}"
            if getattr(handler, "jiuzhu_public", False) != spec.public:
                problems.append(f"{where}: public is {not spec.public} in the app")
            if not spec.public:
                status, location = await call(anonymous, method, path, spec)
                api = template.startswith("/staff/api/")
                if (status, location) != ((401, None) if api else (303, "/staff/login")):
                    problems.append(f"{where}: without a session {status} {location}")
            if method != "GET":
                before = await access_rows(served)
                checks: list[tuple[str, dict[str, Any]]] = [
                    ("cross-site Origin", {"origin": CROSS_SITE})]
                if not spec.public:
                    checks.append(("no CSRF token", {"csrf": False}))
                for why, how in checks:
                    status, _ = await call(worker, method, path, spec, **how)
                    if status != 403:
                        problems.append(f"{where}: {why} answered {status}")
                if await access_rows(served) != before:
                    problems.append(f"{where}: refused for CSRF, yet the handler ran")
                if (await worker.call("GET", "/staff/api/me"))[0] != 200:
                    problems.append(f"{where}: refused for CSRF, yet the session ended")
            if not spec.public and PARAM.search(template):
                before = await denied_rows(served, "shaoguan")
                status, _ = await call(shaoguan, method, path, spec)
                if status != 403:
                    problems.append(f"{where}: 韶关 asking for 清远 {ids} answered {status}")
                if await denied_rows(served, "shaoguan") <= before:
                    problems.append(f"{where}: 韶关's refusal left no audit row")
    finally:
        for client in (anonymous, worker, shaoguan):
            await client.close()
    return problems


async def test_every_route_enforces_sign_in_csrf_and_jurisdiction(server: Served) -> None:
    routes = routes_of(build_server(server.ctx))
    missing = sorted({(m, p) for m, p, _ in routes} - set(ROUTES))
    assert missing == [], f"routes missing from ROUTES (add how to call them): {missing}"
    ids = await qingyuan_resources(server)
    unknown = {n for _, path, _ in routes for n in PARAM.findall(path)} - set(ids) - {"name"}
    assert unknown == set(), f"no 清远 resource for the route parameters {unknown}"
    assert {("POST", "/staff/api/login"), ("GET", CASE)} <= {(m, p) for m, p, _ in routes}
    assert await check_routes(server, server.base, routes, ROUTES, ids) == []


async def test_a_route_skipping_the_checks_is_caught(server: Served) -> None:
    # Proof that the checks bite: two routes that skip them, served, are both reported.
    staff = build_staff_app(server.sessionmaker, server.settings)

    @public
    async def unguarded(request: web.Request) -> web.Response:
        return web.json_response({"case": request.match_info["case_id"]})

    async def unchecked(request: web.Request) -> web.Response:  # signed in, no authorize()
        return web.json_response({"case": request.match_info["case_id"]})

    staff.router.add_post("/api/unguarded/{case_id}", unguarded)
    staff.router.add_get("/api/unchecked/{case_id}", unchecked)
    app = web.Application()
    app.add_subapp("/staff", staff)  # freezes its router: the routes go in before
    added = {(m, p) for m, p, _ in routes_of(app)} - set(ROUTES)
    assert added == {("POST", "/staff/api/unguarded/{case_id}"),
                     ("GET", "/staff/api/unchecked/{case_id}")}  # fmt: skip
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with transaction(server.sessionmaker) as session:
        case = await open_case(session, kind="complaint", region_code="441825", summary="x")
        await session.commit()
    try:
        rogue = [r for r in routes_of(app) if (r[0], r[1]) in added]
        specs = {key: Spec({"text": "x"}) for key in added}  # as a careless author would say
        problems = await check_routes(server, f"http://127.0.0.1:{port}", rogue, specs,
                                      {"case_id": case.id})  # fmt: skip
    finally:
        await runner.cleanup()
    post, get = "POST /staff/api/unguarded/{case_id}", "GET /staff/api/unchecked/{case_id}"
    assert problems == [
        f"{post}: public is True in the app",
        f"{post}: without a session 200 None",
        f"{post}: no CSRF token answered 200",
        f"{post}: 韶关 asking for 清远 {{'case_id': {case.id}}} answered 200",
        f"{post}: 韶关's refusal left no audit row",
        f"{get}: 韶关 asking for 清远 {{'case_id': {case.id}}} answered 200",
        f"{get}: 韶关's refusal left no audit row",
    ]
