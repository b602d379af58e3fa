"""The staff console in headless Chromium over loopback HTTP, and its pages by plain HTTP.

The journey (story D, 云安): a REST resident consents, is pre-checked (a home visit is
needed) and asks for a person; the 云浮 caseworker signs in, finds the case in the queue,
takes it, reads the resident's message as it arrives, replies (the resident's next turn
shows it), records the visit (the pre-check re-runs: dibao at (standard − 4,000 / 8) × 8)
and sees the dashboard. Screenshots land in ``var/screenshots/`` to be looked at.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from bot.conversation import this_month
from eligibility.policy import dibao_standard
from jiuzhu import clock
from jiuzhu.clock import FrozenClock, use_clock
from staff.cases import open_case
from store.models import Case, HomeVisitRecord, Referral, StaffAccess
from store.session import transaction
from templates import ROOT, Texts, yuan
from tests.journeys.conftest import story_ids
from tests.staff.browser import chromium_page, screenshot
from tests.staff.conftest import PASSWORD, RestResident, Served, StaffClient

LIVE = 12_000
"""ms to wait for something the page's polling (every 4 s) brings."""


async def _sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(base + "/staff/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(base + "/staff/")


async def _case_id(served: Served, kind: str) -> int:
    async with served.sessionmaker() as session:
        return await session.scalar(select(Case.id).where(Case.kind == kind))


async def test_caseworker_takes_replies_and_visits_in_the_browser(server: Served) -> None:
    ids = story_ids("D")
    resident = RestResident(server.base, "wechat:d-console")
    province = StaffClient(server.base)
    try:
        await resident.say("我想申请低保")
        await resident.press("同意授权")
        await resident.sign_in(ids[0])
        assert "需要入户核查后确定" in resident.text
        assert "已通知工作人员" in await resident.say("我要找人工客服")
        handoff, visit_case = (
            await _case_id(server, "handoff"),
            await _case_id(server, "home_visit"),
        )

        async with chromium_page() as page:
            await page.goto(server.base + "/staff/")
            assert page.url == server.base + "/staff/login"  # not signed in: the login page
            await expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
            await screenshot(page, "login")
            await _sign_in(page, server.base, "yunfu")

            # The queue: both cases of the family, most urgent first, with a take button.
            row = page.locator(
                "tbody tr", has=page.get_by_role("link", name=f"打开案件 {handoff}")
            )
            for cell in ("转人工", "云浮市云安区", "待接手", "未分配", "按时"):
                await expect(row).to_contain_text(cell)
            await expect(page.locator("tbody tr")).to_have_count(2)
            other = page.locator(
                "tbody tr", has=page.get_by_role("link", name=f"打开案件 {visit_case}")
            )
            await expect(other).to_contain_text("入户核查")
            await screenshot(page, "queue")
            await row.get_by_role("button", name=f"接手案件 {handoff}").click()
            await page.wait_for_url(f"{server.base}/staff/cases/{handoff}")
            await expect(page.locator("#case-status")).to_have_text("已接手")

            # The resident writes; the page shows it without a reload.
            joined = await resident.say("你好，我家早餐摊的收入不稳定")
            assert re.search(r"\d+号工作人员已接入", joined)
            conversation = page.locator("#conversation")
            await expect(conversation).to_contain_text(
                "你好，我家早餐摊的收入不稳定", timeout=LIVE
            )

            # A colleague opens the case: the page names them.
            assert await province.login("province") == 200
            assert (await province.call("GET", f"/staff/api/cases/{handoff}"))[0] == 200
            await expect(page.locator("#viewers")).to_have_text("province", timeout=LIVE)

            await page.get_by_role("textbox", name="回复居民").fill(
                "您好，我是云安的社工，明天上门了解情况。"
            )
            await page.get_by_role("button", name="发送", exact=True).click()
            await expect(conversation).to_contain_text("明天上门了解情况", timeout=LIVE)
            relayed = await resident.say("好的，谢谢")
            assert re.search(r"【\d+号工作人员】您好，我是云安的社工，明天上门了解情况。", relayed)

            # The chat before the handoff, read (and audited) when opened, masked.
            await page.get_by_text("转人工之前的对话（已遮盖个人信息）").click()
            earlier = page.locator("#earlier")
            await expect(earlier).to_contain_text("我想申请低保", timeout=LIVE)
            assert ids[0] not in await page.content()
            await screenshot(page, "case")

            # The family's home-visit case: the pre-check waits for the visit.
            await page.get_by_role("link", name="案件队列").click()
            await page.get_by_role("link", name=f"打开案件 {visit_case}").click()
            dibao = page.locator("table.precheck tr", has_text="最低生活保障（低保）")
            await expect(dibao).to_contain_text("需要入户核查后确定")
            async with page.expect_navigation():
                await page.get_by_role("button", name="接手此案").click()
            await expect(page.locator("#case-status")).to_have_text("已接手")

            # A micro business and income confirmed (every member's consent is on file).
            form = page.locator("form[data-body=visit]")
            for flag in ("经营情况确认为微型经营（夫妻小店等）", "收入情况已核实"):
                await form.get_by_role("group", name=flag).get_by_label("是", exact=True).check()
            await expect(form.locator('[name="consents_signed"]')).to_have_count(0)
            await form.get_by_label("居住和生活状况").fill("早餐摊，夫妻两人经营，无雇工")
            async with page.expect_navigation():
                await form.get_by_role("button", name="保存核查并重新预审").click()
            await expect(page.locator("#case-status")).to_have_text("已入户核查")
            standard, _ = dibao_standard("445303", "rural", this_month())
            await expect(dibao).to_contain_text("符合条件")
            await expect(dibao).to_contain_text(
                f"{yuan(round((standard - 4000 / 8) * 8, 2))} 元/月"
            )
            await expect(page.locator(".timeline")).to_contain_text("入户核查")

            # A notice for the family, and a referral to 教育 for the four children at school.
            await page.get_by_role("combobox", name="文书").select_option(
                label="家庭经济状况核查报告"
            )
            async with page.expect_navigation():
                await page.get_by_role("button", name="出具并发送给居民").click()
            document = page.locator(".documents a", has_text="家庭经济状况核查报告")
            await expect(document).to_have_count(1)
            issued = await page.request.get(server.base + await document.get_attribute("href"))
            assert issued.ok and "核查报告" in await issued.text()
            await page.get_by_role("heading", name="转介").click()
            referral = page.locator("form[data-body=referral]")
            await referral.get_by_label("部门 / 项目").select_option(label="教育 · 教育资助")
            await referral.get_by_label("说明").fill("四个孩子在读")
            async with page.expect_navigation():
                await referral.get_by_role("button", name="发送转介").click()
            await expect(page.locator(".timeline")).to_contain_text("转介")
            await screenshot(page, "case-visit")

            told = await resident.say("请问结果怎样")
            assert "入户核查" in told and "最低生活保障（低保）：符合条件" in told

            # Back on the conversation: closing hands it back to the assistant.
            await page.goto(f"{server.base}/staff/cases/{handoff}")
            await page.get_by_role("heading", name="结案").click()
            await page.get_by_label("处理结果").fill("已入户核查，低保符合条件")
            async with page.expect_navigation():
                await page.get_by_role("button", name="结案", exact=True).click()
            await expect(page.locator("#case-status")).to_have_text("已结案")
            await expect(page.get_by_role("button", name="发送", exact=True)).to_have_count(0)
            assert "小助手回来了" in await resident.say("谢谢")

            await page.get_by_role("link", name="统计").click()
            await expect(page.get_by_role("heading", name="统计", exact=True)).to_be_visible()
            chart = page.get_by_role("img", name=re.compile("图表"))
            await expect(chart).to_be_visible()
            width = await chart.evaluate("""img => img.decode().then(() => img.naturalWidth)""")
            assert width > 0  # the SVG was served and decoded
            kinds = page.locator("table.numbers").first
            await expect(kinds.locator("tbody tr")).to_have_count(1)  # the handoff is closed
            await expect(kinds.locator("tr", has_text="入户核查").locator("td")).to_have_text(
                ["1", "0", "0", "0", "1"]  # opened just now, still open
            )
            await screenshot(page, "dashboard")
            await page.goto(server.base + "/staff/dashboard?lang=en")
            await expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
            await expect(page.get_by_role("img", name=re.compile("Chart"))).to_be_visible()
            await page.get_by_role("link", name="Home visit").click()  # to the queue
            await expect(page.locator("tbody tr")).to_have_count(1)
            await page.get_by_role("link", name=f"Open case {visit_case}").click()
            await expect(
                page.get_by_role("heading", name="Conversation with the resident")
            ).to_be_visible()
            await screenshot(page, "case-en")

        async with server.sessionmaker() as session:
            (visit,) = (await session.scalars(select(HomeVisitRecord))).all()
        assert visit.case_id == visit_case and visit.notes == "早餐摊，夫妻两人经营，无雇工"
        assert visit.findings["business_confirmed_micro"] is True
        assert visit.findings["income_confirmed"] is True
        assert "property_explained" not in visit.findings  # left at "not checked"
        async with server.sessionmaker() as session:
            (sent,) = (await session.scalars(select(Referral))).all()
        assert (sent.case_id, sent.department, sent.program, sent.status, sent.note) == (
            visit_case,
            "education",
            "education_assistance",
            "sent",
            "四个孩子在读",
        )
    finally:
        await resident.close()
        await province.close()


async def test_taken_meanwhile_is_said_on_the_page(server: Served) -> None:
    async with transaction(server.sessionmaker) as session:
        case = await open_case(session, kind="complaint", region_code="441825", summary="delay")
    colleague = StaffClient(server.base)
    try:
        async with chromium_page() as page:
            await _sign_in(page, server.base, "lianshan")
            assert await colleague.login("qingyuan") == 200  # 清远 covers 连山 too
            assert (await colleague.call("POST", f"/staff/api/cases/{case.id}/take"))[0] == 200
            await page.get_by_role("button", name=f"接手案件 {case.id}").click()
            status = page.locator("tbody tr form [role=status]")
            await expect(status).to_contain_text("案件状态已经变化", timeout=LIVE)
            await expect(status).to_contain_text("qingyuan")  # the API names who has it
            assert page.url == server.base + "/staff/"  # stayed on the queue
    finally:
        await colleague.close()


# --- the pages over plain HTTP ----------------------------------------------------------------


class Browserless:
    """Form posts and page reads with a cookie jar, as a browser without scripts would."""

    def __init__(self, base: str, **headers: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                          headers=headers)  # fmt: skip

    async def get(self, path: str) -> tuple[int, str, Any]:
        async with self.http.get(self.base + path, allow_redirects=False) as r:
            return r.status, await r.text(), r.headers

    async def post(self, path: str, form: dict[str, str]) -> tuple[int, str, Any]:
        async with self.http.post(self.base + path, data=form, allow_redirects=False) as r:
            return r.status, await r.text(), r.headers

    async def login(self, username: str, password: str = PASSWORD) -> tuple[int, str, Any]:
        return await self.post("/staff/login", {"username": username, "password": password})

    async def csrf(self, path: str = "/staff/") -> str:
        _, html, _ = await self.get(path)
        match = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
        assert match, html
        return match.group(1)

    async def close(self) -> None:
        await self.http.close()


@pytest.fixture
async def browserless(server: Served) -> Any:
    made: list[Browserless] = []

    def make(**headers: str) -> Browserless:
        made.append(Browserless(server.base, **headers))
        return made[-1]

    yield make
    for client in made:
        await client.close()


async def test_login_form_rotates_the_session_and_logout_needs_the_token(browserless: Any) -> None:
    web = browserless()
    status, html, headers = await web.get("/staff/login")
    assert status == 200 and "工作人员登录" in html
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    before = {c.key: c.value for c in web.http.cookie_jar}
    status, _, headers = await web.login("lianshan")
    assert (status, headers["Location"]) == (303, "/staff/")
    after = {c.key: c.value for c in web.http.cookie_jar}
    assert after["jiuzhu_staff"] != before.get("jiuzhu_staff")  # a new token at sign-in
    status, html, _ = await web.get("/staff/")
    assert status == 200 and "案件队列" in html and "lianshan" in html

    assert (await web.post("/staff/logout", {}))[0] == 403  # no CSRF token
    status, _, headers = await web.post("/staff/logout", {"csrf_token": await web.csrf()})
    assert (status, headers["Location"]) == (303, "/staff/login?bye")
    status, _, headers = await web.get("/staff/")
    assert (status, headers["Location"]) == (303, "/staff/login")


async def test_wrong_passwords_then_the_wait_is_shown(browserless: Any) -> None:
    web = browserless()
    status, html, _ = await web.login("lianshan", "not the password")
    assert status == 401 and "用户名或密码不正确" in html
    assert 'value="lianshan"' in html  # the username is kept, the password is not
    status, html, _ = await web.post("/staff/login", {"username": "lianshan"})
    assert status == 400 and "请填写用户名和密码" in html
    for _ in range(4):
        await web.login("lianshan", "not the password")
    status, html, headers = await web.login("lianshan")  # right, but too late
    assert status == 429 and "分钟后再试" in html
    wait = int(headers["Retry-After"])
    assert wait == 15 * 60 + 1  # the 15-minute window, from the first failure (clock frozen)
    assert f"（{wait} 秒）" in html


async def test_english_on_request_and_remembered(browserless: Any) -> None:
    browser_en = browserless(**{"Accept-Language": "en-GB,en;q=0.9,zh-CN;q=0.5"})
    status, html, _ = await browser_en.get("/staff/login")
    assert status == 200 and "Staff sign-in" in html and '<html lang="en">' in html

    web = browserless(**{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "工作人员登录" in (await web.get("/staff/login"))[1]
    assert "Staff sign-in" in (await web.get("/staff/login?lang=en"))[1]
    assert "Staff sign-in" in (await web.get("/staff/login"))[1]  # remembered
    await web.login("lianshan")
    status, html, _ = await web.get("/staff/")  # and kept across the sign-in
    assert status == 200 and "Case queue" in html and "Sign out" in html
    assert "案件队列" in (await web.get("/staff/?lang=zh"))[1]


async def test_queue_filters_and_a_bad_one(server: Served, browserless: Any) -> None:
    async with transaction(server.sessionmaker) as session:
        crisis = await open_case(session, kind="crisis", region_code="441825",
                                 summary="crisis words in the chat")  # fmt: skip
        complaint = await open_case(session, kind="complaint", region_code="441825",
                                    summary="complaint about a delay")  # fmt: skip
        await open_case(session, kind="handoff", region_code="440203", summary="韶关's")
    web = browserless()
    await web.login("lianshan")
    _, html, _ = await web.get("/staff/")
    assert html.index(f"#{crisis.id}<") < html.index(f"#{complaint.id}<")  # urgent first
    assert "韶关's" not in html  # another jurisdiction
    _, html, _ = await web.get("/staff/?kind=complaint")
    assert f"#{complaint.id}<" in html and f"#{crisis.id}<" not in html
    _, html, _ = await web.get("/staff/?priority=urgent&breached=false")
    assert f"#{crisis.id}<" in html and f"#{complaint.id}<" not in html
    status, html, _ = await web.get("/staff/?kind=nonsense")
    assert status == 400 and "请求有误" in html and "kind" in html
    status, html, _ = await web.get("/staff/?older_than_hours=soon")
    assert status == 400 and "older_than_hours" in html


async def test_a_case_of_another_jurisdiction_is_refused_and_audited(
    server: Served, browserless: Any
) -> None:
    async with transaction(server.sessionmaker) as session:
        case = await open_case(session, kind="handoff", region_code="441825", summary="连山")
    web = browserless()
    await web.login("shaoguan")
    status, html, _ = await web.get(f"/staff/cases/{case.id}")
    assert status == 403 and "无权访问" in html and "已记录" in html
    assert (await web.get("/staff/cases/987654"))[0] == 404
    async with server.sessionmaker() as session:
        denied = (await session.scalars(
            select(StaffAccess).where(StaffAccess.allowed.is_(False))
        )).all()  # fmt: skip
    assert [(d.action, d.resource, d.region_code) for d in denied] == [
        ("case.read", f"case:{case.id}", "441825")
    ]


async def test_dashboard_counts_open_cases_by_kind_age_and_breach(
    server: Served, browserless: Any
) -> None:
    # Today is Tuesday 2026-12-01, 12:00 in Guangdong (the tests' clock).
    now = clock.now()
    opened = [("handoff", timedelta(0)), ("home_visit", timedelta(days=2)),
              ("home_visit", timedelta(days=12)), ("crisis", timedelta(hours=2))]  # fmt: skip
    for kind, age in opened:
        with use_clock(FrozenClock(now - age)):
            async with transaction(server.sessionmaker) as session:
                await open_case(session, kind=kind, region_code="441825", summary=kind)
    web = browserless()
    await web.login("lianshan")
    status, html, _ = await web.get("/staff/dashboard")
    assert status == 200
    rows = {name: cells for name, cells in re.findall(
        r'<th scope="row"><a href="/staff/\?kind=\w+">([^<]+)</a></th>((?:\s*<td>.*?</td>)+)', html
    )}  # fmt: skip
    numbers = {name: re.findall(r"<td>(?:<strong>)?(\d+)", cells) for name, cells in rows.items()}
    # buckets: under 1 day, 1–3 days, 3–10 days, over 10 days, total
    assert numbers == {"转人工": ["1", "0", "0", "0", "1"], "危机求助": ["1", "0", "0", "0", "1"],
                       "入户核查": ["0", "1", "0", "1", "2"]}  # fmt: skip
    # Breached: the crisis (1 hour to first contact, 2 hours ago); the 12-day home visit
    # (opened Thu 11-19: 3 working days → Tue 11-24). Its decision (10 working days →
    # Thu 12-03) is not late yet; the 2-day one opened on a Sunday (→ Thu 12-03) neither.
    breaches = dict(re.findall(r'<th scope="row">([^<]+)</th><td[^>]*>(\d+)</td>', html))
    assert breaches == {"首次联系": "2", "作出决定": "0", "书面告知": "0"}
    assert "辖区内未结案件共 4 件，其中 2 件已超时" in html

    async with web.http.get(server.base + "/staff/dashboard/chart.svg") as r:
        assert r.status == 200 and r.content_type == "image/svg+xml"
        assert (await r.text()).lstrip().startswith("<?xml")


def test_every_console_text_in_both_languages() -> None:
    zh, en = Texts("staff", "zh_CN"), Texts("staff", "en")
    assert set(zh._sources) == set(en._sources)
    pages = (ROOT / "staff").glob("*.html")
    used = {
        key
        for page in pages
        for key in re.findall(r"\bt\('([a-z0-9-]*[a-z0-9])'", page.read_text())
    }
    assert len(used) > 100  # the pattern finds the pages' keys
    assert sorted(used - set(zh._sources)) == []
