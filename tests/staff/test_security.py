"""Security basics of the staff side (issue 10), over loopback HTTP on the served app.

Login brute force is throttled per username and per client (clients told apart by their
loopback source address, 127.0.0.x); a session token known before login is worthless after
it; a disabled account and a logged-out cookie lose access at their next request; no
personal data of the story families reaches a URL or a log line in a whole staff journey;
the session cookie is HttpOnly, SameSite=Strict, scoped to /staff and Secure in production.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select
from yarl import URL

from jiuzhu.clock import FrozenClock, now, use_clock
from jiuzhu.settings import Settings
from staff.accounts import disable_account
from staff.web import build_staff_app
from staff.web.sessions import COOKIE
from store.demo.fixtures import fixture_by_story
from store.models import Person, StaffSession
from store.session import transaction
from tests.journeys.conftest import story_ids
from tests.staff.conftest import PASSWORD, RestResident, Served, StaffClient

LOGIN = "/staff/api/login"


async def client_at(base: str, address: str) -> StaffClient:
    """A staff client whose connections come from ``address`` (another "machine")."""
    client = StaffClient(base)
    await client.http.close()
    client.http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(local_addr=(address, 0)),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    )
    return client


async def try_login(client: StaffClient, username: str, password: str) -> tuple[int, str | None]:
    """``(status, Retry-After)`` of one login."""
    payload = {"username": username, "password": password}
    async with client.http.post(client.base + LOGIN, json=payload) as response:
        return response.status, response.headers.get("Retry-After")


def token_of(client: StaffClient) -> str | None:
    cookie = client.http.cookie_jar.filter_cookies(URL(client.base + "/staff/api/me")).get(COOKIE)
    return cookie.value if cookie else None


async def with_token(base: str, token: str, path: str = "/staff/api/me") -> int:
    """The status of a request carrying only this session token (a stolen or old cookie)."""
    async with aiohttp.ClientSession() as http, http.get(
        base + path, headers={"Cookie": f"{COOKIE}={token}"}
    ) as response:
        return response.status


@pytest.fixture
async def clients(server: Served) -> AsyncIterator[Any]:
    """A factory ``at(address)`` of clients from a loopback address, closed after the test."""
    made: list[StaffClient] = []

    async def at(address: str = "127.0.0.1") -> StaffClient:
        made.append(await client_at(server.base, address))
        return made[-1]

    yield at
    for c in made:
        await c.close()


async def test_brute_force_throttled_per_username(server: Served, clients: Any) -> None:
    # Five machines each try one wrong password for lianshan: the account is throttled.
    for n in range(2, 7):
        assert await try_login(await clients(f"127.0.0.{n}"), "lianshan", "wrong guess") == (
            401, None)  # fmt: skip
    status, retry = await try_login(await clients("127.0.0.7"), "lianshan", "wrong guess")
    assert status == 429 and retry is not None
    assert 15 * 60 <= int(retry) <= 15 * 60 + 1  # until the first failure leaves the window
    fresh = await clients("127.0.0.8")
    assert (await try_login(fresh, "lianshan", PASSWORD))[0] == 429  # right password, still no
    assert token_of(fresh) is None
    assert (await try_login(fresh, "qingyuan", PASSWORD))[0] == 200  # other accounts go on

    with use_clock(FrozenClock(now() + timedelta(minutes=16))):
        assert await fresh.login("lianshan") == 200


async def test_brute_force_throttled_per_client(server: Served, clients: Any) -> None:
    # One machine tries five accounts: the machine is throttled, whatever it tries next.
    spray = await clients("127.0.0.9")
    for username in ("qingyuan", "qy-super", "shaoguan", "yunfu", "no-such-user"):
        assert (await try_login(spray, username, "Winter2026!"))[0] == 401
    status, retry = await try_login(spray, "auditor", "Winter2026!")
    assert status == 429 and int(retry or 0) > 0
    assert (await try_login(spray, "auditor", PASSWORD))[0] == 429
    elsewhere = await clients("127.0.0.10")
    assert await elsewhere.login("auditor") == 200  # that account was never the target


async def test_session_fixation_prevented(server: Served, clients: Any) -> None:
    # An attacker's own valid session, and a token they made up, planted before login.
    attacker = await clients()
    assert await attacker.login("shaoguan") == 200
    planted = token_of(attacker)
    assert planted and await with_token(server.base, planted) == 200
    for before in (planted, "attacker-chosen-token"):
        victim = await clients()
        victim.http.cookie_jar.update_cookies({COOKIE: before}, URL(server.base + "/staff/"))
        payload = {"username": "lianshan", "password": PASSWORD}
        async with victim.http.post(server.base + LOGIN, json=payload) as response:
            assert response.status == 200
            victim.csrf = (await response.json())["csrf_token"]
            issued = SimpleCookie(response.headers["Set-Cookie"])[COOKIE].value
        assert issued != before and token_of(victim) == issued  # the cookie changed at login
        assert await with_token(server.base, before) == 401  # the old token is no session
        status, me = await victim.call("GET", "/staff/api/me")
        assert status == 200 and me["username"] == "lianshan"
    async with server.sessionmaker() as session:
        stored = list(await session.scalars(select(StaffSession.token_hash)))
    assert issued not in stored  # the database holds keyed hashes of tokens only


async def test_disabled_mid_session_loses_access_at_once(server: Served, clients: Any) -> None:
    lianshan = await clients()
    assert await lianshan.login("lianshan") == 200
    assert (await lianshan.call("GET", "/staff/api/cases"))[0] == 200
    async with transaction(server.sessionmaker) as session:
        account = await disable_account(session, "lianshan")
        await session.commit()
    async with server.sessionmaker() as session:
        left = await session.scalar(select(func.count()).select_from(StaffSession).where(
            StaffSession.staff_id == account.id))  # fmt: skip
    assert left == 0
    for method, path in [("GET", "/staff/api/cases"), ("GET", "/staff/api/me"),
                         ("POST", "/staff/api/cases/1/take")]:  # fmt: skip
        status, body = await lianshan.call(method, path)
        assert status == 401 and "error" in body, (path, body)
    assert (await try_login(await clients(), "lianshan", PASSWORD))[0] == 401


async def test_logout_ends_the_cookie(server: Served, clients: Any) -> None:
    client = await clients()
    assert await client.login("qingyuan") == 200
    token = token_of(client)
    assert token and await with_token(server.base, token) == 200
    assert (await client.call("POST", "/staff/api/logout", csrf=False))[0] == 403  # CSRF too
    status, body = await client.call("POST", "/staff/api/logout")
    assert status == 200 and body == {"status": "signed out"}
    assert await with_token(server.base, token) == 401
    assert await with_token(server.base, token, "/staff/api/cases") == 401
    assert (await client.call("GET", "/staff/api/me"))[0] == 401


def story_secrets() -> set[str]:
    """Every ID number, name and phone number of the four story families."""
    found = set()
    for story in "ABCD":
        for m in fixture_by_story(story).members:
            found |= {m.id_number, m.name, *([m.phone] if m.phone else [])}
    return found


class RecordingClient(StaffClient):
    """A staff client that remembers every URL it asked for."""

    urls: list[str]

    async def call(self, method: str, path: str, json: Any = None, *,
                   csrf: bool = True) -> tuple[int, Any]:  # fmt: skip
        self.urls.append(path)
        return await super().call(method, path, json, csrf=csrf)


async def test_no_personal_data_in_urls_or_logs(
    server: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    resident = RestResident(server.base, "wechat:heidi")
    staff = RecordingClient(server.base)
    staff.urls = []
    try:
        await resident.say("/start")
        await resident.press("查看我的待遇")
        await resident.sign_in(story_ids("A")[0])
        await resident.say("转人工")
        assert await staff.login("lianshan") == 200
        _, listed = await staff.call("GET", "/staff/api/cases?status=open&kind=handoff")
        case = f"/staff/api/cases/{listed['cases'][0]['id']}"
        assert (await staff.call("POST", f"{case}/take"))[0] == 200
        await resident.say("我的电话是13800441825，身份证" + story_ids("A")[1])
        _, detail = await staff.call("GET", case)
        async with server.sessionmaker() as session:
            people = {p.id_number: p.id for p in await session.scalars(select(Person))}
        applicant = people[story_ids("A")[0]]
        for purpose in ("case_work", "callback"):
            assert (await staff.call("GET", f"/staff/api/people/{applicant}?purpose={purpose}")
                    )[0] == 200  # fmt: skip
        assert (await staff.call("GET", f"{case}/transcript"))[0] == 200
        visit = {"findings": {"consents_signed": [f"p{applicant}"],
                              "living_situation": "林家四口，电话13800441825"}}  # fmt: skip
        assert (await staff.call("POST", f"{case}/visit", visit))[0] == 200
        assert (await staff.call("POST", f"{case}/notes", {"text": "@qy-super 看看"}))[0] == 200
        assert (await staff.call("POST", f"{case}/messages", {"text": "已核查"}))[0] == 200
        report = {"kind": "verification_report"}
        assert (await staff.call("POST", f"{case}/notices", report))[0] == 200
        _, detail = await staff.call("GET", case)
        for notice in detail["notices"]:
            for link in (notice["html"], notice["pdf"]):
                staff.urls.append(link)
                async with staff.http.get(server.base + link) as response:
                    assert response.status == 200
        assert (await staff.call("GET", "/staff/api/cases.csv"))[0] == 200
        assert (await staff.call("POST", f"{case}/close", {"resolution": "已解释"}))[0] == 200
        await resident.say("谢谢")
        assert (await staff.call("POST", "/staff/api/logout"))[0] == 200
        auditor = RecordingClient(server.base)
        auditor.urls = staff.urls
        try:
            assert await auditor.login("auditor") == 200
            assert (await auditor.call("GET", "/staff/api/audit"))[0] == 200
        finally:
            await auditor.close()
    finally:
        await resident.close()
        await staff.close()

    secrets = story_secrets() | {"13800441825"}
    logged = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "POST /staff/api/login" in logged  # the access log was captured
    assert len(caplog.records) > 20
    leaks = {s for s in secrets if s in logged or any(s in u for u in staff.urls)}
    assert leaks == set()
    digits = re.compile(r"\d{11,}")
    assert [u for u in staff.urls if digits.search(u)] == []  # no number shaped like a phone


async def login_cookie(server: Served, settings: Settings) -> dict[str, Any]:
    """The attributes of the session cookie a staff app with ``settings`` sets at login."""
    app = web.Application()
    app.add_subapp("/staff", build_staff_app(server.sessionmaker, settings))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{port}{LOGIN}", json={"username": "qingyuan", "password": PASSWORD}
        ) as response:
            assert response.status == 200
            return dict(SimpleCookie(response.headers["Set-Cookie"])[COOKIE])
    finally:
        await runner.cleanup()


async def test_cookie_attributes(server: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = await login_cookie(server, server.settings)
    assert demo["httponly"] is True and demo["samesite"] == "Strict"
    assert demo["path"] == "/staff" and demo["max-age"] == str(8 * 3600)
    assert not demo["secure"]
    monkeypatch.setenv("JIUZHU_ENV", "production")
    production = Settings(database_url=server.settings.database_url,
                          secret_key="x" * 32)  # fmt: skip
    assert production.env == "production"
    secure = await login_cookie(server, production)
    assert secure["secure"] is True and secure["httponly"] is True
    assert secure["samesite"] == "Strict" and secure["path"] == "/staff"
    monkeypatch.delenv("JIUZHU_ENV")
    forced = server.settings.model_copy(update={"staff_cookie_secure": True})
    assert (await login_cookie(server, forced))["secure"] is True
