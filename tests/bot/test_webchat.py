"""The web chat page at ``/`` in headless Chromium, and its API by plain HTTP, over loopback.

What ``jiuzhu serve`` serves (:func:`bot.server.build_server`) runs on a demo database. In
the browser: story A from the greeting to the happiness list by typing and clicking, its
document downloaded, a caseworker's message appearing without a reload (pushed at once, and
queued by "another worker" and found by the page's poll), the keyboard alone, and a 360 px
screen without horizontal scrolling. Screenshots go to ``var/screenshots/webchat-*.png``.
Over HTTP: the sender is the cookie's (a forged ``sender`` is ignored), no cookie is a new
conversation, cross-site POSTs are refused, ``GET /`` answers health checkers.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram.fsm.storage.base import StorageKey
from playwright.async_api import Page, expect
from pydantic import SecretStr
from sqlalchemy import select

from bot.channels.capture import BOT_ID
from bot.channels.gateway import chat_id_of
from bot.channels.webchat import COOKIE, PAGE_TEXTS
from bot.channels.webchat_live import LivePages, NoOpenPage
from staff import relay
from staff.relay import Delivery
from store.models import Case, CaseEvent, Outbound
from store.session import transaction
from templates import texts
from tests.journeys.conftest import demo_database, nlu_engine, story_ids  # noqa: F401
from tests.staff.browser import chromium_page, screenshot
from tests.staff.conftest import Served, StaffClient, _serve, server, server_pg  # noqa: F401

LIVE = 12_000
"""ms to wait for what the page's stream brings (pushed at once; polled every 4 s)."""
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
ZH = texts("webchat", "zh_CN")


@pytest.fixture(autouse=True)
async def _nlu_trained(nlu_engine: Any) -> None:  # noqa: F811
    """The session's NLU is trained on first use (seconds): not inside a page's wait."""
    await nlu_engine.parse("你好")


async def no_horizontal_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= await page.evaluate("window.innerWidth"), "the page scrolls sideways"


async def say(page: Page, words: str) -> None:
    """Type ``words`` into the labelled box and press Enter; wait until it went."""
    box = page.get_by_label(ZH.t("input-label"))
    await box.fill(words)
    await box.press("Enter")
    try:
        await expect(box).to_have_value("", timeout=LIVE)
    except AssertionError as e:  # kept in the box: say what the page told the resident
        shown = await page.locator("#status").inner_text()
        msg = f"{words!r} was not sent; the page says {shown!r}"
        raise AssertionError(msg) from e


def log(page: Page) -> Any:
    return page.locator("#log")


async def demo_code(page: Page) -> str:
    await expect(log(page)).to_contain_text("本次验证码", timeout=LIVE)
    match = re.search(r"本次验证码：(\d{6})", await log(page).inner_text())
    assert match
    return match.group(1)


async def shoot(page: Page, name: str) -> Path:
    await no_horizontal_scroll(page)
    return await screenshot(page, f"webchat-{name}")


@pytest.mark.parametrize(("size", "viewport"), [("360", PHONE), ("1280", DESKTOP)])
async def test_story_a_from_greeting_to_happiness_list_in_the_browser(
    server: Served, size: str, viewport: dict[str, int]  # noqa: F811
) -> None:
    async with chromium_page(viewport=viewport) as page:
        await page.goto(server.base + "/")
        assert await page.get_attribute("html", "lang") == "zh-CN"
        await expect(page.get_by_role("heading", name=ZH.t("app-name"))).to_be_visible()
        await shoot(page, f"{size}-start")

        await say(page, "你好，我想申请低保")
        await expect(log(page)).to_contain_text("授权书", timeout=LIVE)
        agree = page.get_by_role("button", name="同意授权")
        await expect(agree).to_be_enabled()
        await shoot(page, f"{size}-consent")
        await agree.click()
        await expect(log(page)).to_contain_text("身份证", timeout=LIVE)
        await expect(agree).to_be_disabled()  # spent: only the newest choices stay pressable

        await say(page, story_ids("A")[0])
        await say(page, await demo_code(page))
        await expect(log(page)).to_contain_text("身份确认成功", timeout=LIVE)
        await expect(log(page)).to_contain_text("困难残疾人生活补贴：符合条件")
        await expect(page.get_by_role("button", name="查看我的待遇")).to_be_visible()
        await shoot(page, f"{size}-precheck")

        await page.get_by_role("button", name="查看我的待遇").click()
        await expect(log(page)).to_contain_text("幸福清单", timeout=LIVE)
        await expect(log(page)).to_contain_text("每月合计：817 元")
        assert "覃秀梅" not in await log(page).inner_text()  # masked names only
        await shoot(page, f"{size}-happiness-list")

        await page.get_by_role("button", name="下载幸福清单").click()
        link = page.get_by_role("link", name=re.compile("下载文件："))
        await expect(link).to_be_visible(timeout=LIVE)
        async with page.expect_download() as info:
            await link.click()
        download = await info.value
        content = Path(await download.path()).read_bytes()
        assert "幸福清单" in content.decode() and "817" in content.decode()
        await shoot(page, f"{size}-document")


async def _web_case(served: Served) -> int:
    async with served.sessionmaker() as session:
        return await session.scalar(
            select(Case.id).where(Case.channel == "web", Case.kind == "handoff")
        )


async def _asks_for_a_person(page: Page, base: str) -> None:
    """Story A's mother signs in on the page (via the happiness list) and asks for a person."""
    await page.goto(base + "/")
    await say(page, "/start")
    await page.get_by_role("button", name="查看我的待遇").click()
    await say(page, story_ids("A")[0])
    await say(page, await demo_code(page))
    await expect(log(page)).to_contain_text("幸福清单", timeout=LIVE)
    await say(page, "转人工")
    await expect(log(page)).to_contain_text("已通知工作人员", timeout=LIVE)
    await page.evaluate("window.stillTheSamePage = true")


async def test_a_caseworkers_message_is_pushed_to_the_open_page(
    server: Served,  # noqa: F811
) -> None:
    # On SQLite (one process) a stream looks in the outbox only when it opens: what the
    # page shows later was pushed.
    served = server
    async with chromium_page(viewport=PHONE) as page:
        await _asks_for_a_person(page, served.base)
        case_id = await _web_case(served)
        caseworker = StaffClient(served.base)
        try:
            assert await caseworker.login("lianshan") == 200
            assert (await caseworker.call("POST", f"/staff/api/cases/{case_id}/take"))[0] == 200
            await expect(log(page)).to_contain_text("工作人员已接入", timeout=LIVE)
            status, _ = await caseworker.call(
                "POST", f"/staff/api/cases/{case_id}/messages", {"text": "您好，我是连山的社工。"}
            )
            assert status == 200
        finally:
            await caseworker.close()
        staff_says = page.locator(".msg.staff", has_text="您好，我是连山的社工。")
        await expect(staff_says).to_be_visible(timeout=LIVE)
        assert await page.evaluate("window.stillTheSamePage") is True  # never reloaded
        await shoot(page, "360-caseworker")

        # The resident answers the caseworker, who holds the chat: the assistant is silent.
        await say(page, "好的，谢谢")
        await expect(page.locator(".msg.you", has_text="好的，谢谢")).to_be_visible()
        async with served.sessionmaker() as session:
            timeline = await session.scalars(
                select(CaseEvent.text).where(CaseEvent.case_id == case_id)
            )
            assert "好的，谢谢" in list(timeline)


@pytest.mark.postgres
async def test_a_message_queued_by_another_worker_is_found_by_the_pages_poll(
    server_pg: Served,  # noqa: F811
) -> None:
    served = server_pg  # several workers share PostgreSQL; the page's stream polls it
    async with chromium_page(viewport=PHONE) as page:
        await _asks_for_a_person(page, served.base)
        # Committed by another worker, never pushed here: only the page's poll can find it.
        async with transaction(served.sessionmaker) as session:
            case = await session.get(Case, await _web_case(served))
            await relay.queue(session, case, "另一台服务器排队的消息", actor="staff:1")
        staff_says = page.locator(".msg.staff", has_text="另一台服务器排队的消息")
        await expect(staff_says).to_be_visible(timeout=LIVE)
        assert await page.evaluate("window.stillTheSamePage") is True
        async with served.sessionmaker() as session:
            waiting = await session.scalar(
                select(Outbound.id).where(Outbound.delivered_at.is_(None))
            )
        assert waiting is None  # shown once, claimed


async def test_keyboard_alone_reaches_the_input_and_the_buttons(server: Served) -> None:  # noqa: F811
    async with chromium_page(viewport=PHONE) as page:
        await page.goto(server.base + "/")
        box = page.get_by_label(ZH.t("input-label"))
        await expect(box).to_be_focused()  # the page starts where one types
        await page.keyboard.type("你好，我想申请低保")
        await page.keyboard.press("Enter")
        agree = page.get_by_role("button", name="同意授权")
        await expect(agree).to_be_visible(timeout=LIVE)
        for _ in range(6):  # back from the box to the newest choices
            if await agree.evaluate("b => b === document.activeElement"):
                break
            await page.keyboard.press("Shift+Tab")
        await expect(agree).to_be_focused()
        outline = await agree.evaluate("b => getComputedStyle(b).outlineStyle")
        assert outline not in ("", "none")  # the focus is visible
        await shoot(page, "360-keyboard-focus")
        await page.keyboard.press("Enter")
        await expect(log(page)).to_contain_text("身份证", timeout=LIVE)
        await box.focus()
        await page.keyboard.type("第一行")
        await page.keyboard.press("Shift+Enter")  # a new line, not sent
        await page.keyboard.type("第二行")
        await expect(box).to_have_value("第一行\n第二行")


async def test_the_language_switch_relabels_the_page_without_a_reload(
    server: Served,  # noqa: F811
) -> None:
    en = texts("webchat", "en")
    async with chromium_page(viewport=PHONE) as page:
        await page.goto(server.base + "/")
        await page.evaluate("window.stillTheSamePage = true")
        english = page.get_by_role("button", name="English")
        await expect(english).to_have_attribute("aria-pressed", "false")
        await english.click()
        await expect(page.locator("html")).to_have_attribute("lang", "en", timeout=LIVE)
        await expect(page.get_by_label(en.t("input-label"))).to_be_visible()
        await expect(english).to_have_attribute("aria-pressed", "true")
        await expect(page.get_by_role("button", name=en.t("send"), exact=True)).to_be_visible()
        assert await page.evaluate("window.stillTheSamePage") is True
        await shoot(page, "360-english")
        await page.reload()  # remembered for this browser
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await page.get_by_role("button", name="中文").click()
        await expect(page.get_by_label(ZH.t("input-label"))).to_be_visible(timeout=LIVE)


# --- HTTP ------------------------------------------------------------------------------------


class WebClient:
    """A browser's requests without the browser: cookie jar, this site's Origin, JSON."""

    def __init__(self, base: str, origin: str | None = None) -> None:
        self.base, self.origin = base, origin if origin is not None else base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.last: list[dict[str, Any]] = []

    async def post(self, path: str, body: Any, **headers: str) -> tuple[int, Any]:
        sent = {"Origin": self.origin, **headers} if self.origin else headers
        async with self.http.post(self.base + path, json=body, headers=sent) as response:
            try:
                return response.status, await response.json()
            except aiohttp.ContentTypeError:
                return response.status, await response.text()

    async def say(self, message: str, **extra: Any) -> list[dict[str, Any]]:
        status, body = await self.post("/chat/api/messages", {"message": message, **extra})
        assert status == 200, body
        self.last = body["replies"]
        return self.last

    async def press(self, title: str) -> list[dict[str, Any]]:
        """Press the button ``title`` of the latest replies (send its payload)."""
        (payload,) = [b["payload"] for r in self.last for b in r.get("buttons", [])
                      if b["title"] == title]  # fmt: skip
        return await self.say(payload)

    def cookie(self) -> str | None:
        found = [c.value for c in self.http.cookie_jar if c.key == COOKIE]
        return found[0] if found else None


@pytest.fixture
async def web(server: Served) -> AsyncIterator[Any]:  # noqa: F811
    clients: list[WebClient] = []

    def make(origin: str | None = None) -> WebClient:
        clients.append(WebClient(server.base, origin))
        return clients[-1]

    yield make
    for c in clients:
        await c.http.close()


def _words(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


async def _state(served: Served, sender: str) -> str | None:
    chat = chat_id_of(sender, "web")
    key = StorageKey(bot_id=BOT_ID, chat_id=chat, user_id=chat)
    return await served.ctx.dispatcher.storage.get_state(key)


async def test_the_sender_is_the_cookies_and_a_forged_one_is_ignored(
    server: Served, web: Any  # noqa: F811
) -> None:
    alice = web()
    first = await alice.say("我想申请低保", sender="web-forged", recipient_id="web-forged")
    assert "授权书" in _words(first)
    cookie = alice.cookie()
    assert cookie and "web-" not in cookie  # encrypted: the sender cannot be read or chosen
    assert "recipient_id" not in first[0]  # the page is never told its own sender id
    assert await _state(server, "web-forged") is None  # nothing happened under the forgery
    # The conversation went on under the cookie's sender: the consent button still works.
    assert "身份证" in _words(await alice.say("同意授权"))

    mallory = web()
    status, body = await mallory.post("/chat/api/messages", {"message": "同意授权"})
    assert status == 200 and body["new"] is True
    assert "身份证" not in _words(body["replies"])  # a new conversation, not Alice's


async def test_no_cookie_is_a_new_conversation(server: Served, web: Any) -> None:  # noqa: F811
    resident = web()
    status, body = await resident.post("/chat/api/messages", {"message": "我想申请低保"})
    assert status == 200 and body["new"] is True and resident.cookie()
    await resident.say("同意授权")
    status, body = await resident.post("/chat/api/messages", {"message": "你好"})
    assert body["new"] is False
    first_cookie = resident.cookie()

    resident.http.cookie_jar.clear()  # the cookie expired or was deleted
    status, body = await resident.post("/chat/api/messages", {"message": story_ids("A")[0]})
    assert status == 200 and body["new"] is True
    assert resident.cookie() not in (None, first_cookie)
    assert "验证码" not in _words(body["replies"])  # the consent stayed with the old one


async def test_cross_site_posts_are_refused(server: Served, web: Any) -> None:  # noqa: F811
    evil = web(origin="http://evil.example")
    status, body = await evil.post("/chat/api/messages", {"message": "我想申请低保"})
    assert status == 403 and "cross-site" in body["error"]
    assert evil.cookie() is None  # nothing was started
    status, _ = await evil.post("/chat/api/language", {"lang": "en"})
    assert status == 403

    no_origin = web(origin="")
    assert (await no_origin.post("/chat/api/messages", {"message": "你好"}))[0] == 403

    form = web()  # a form post from this site is still not the page's JSON
    async with form.http.post(server.base + "/chat/api/messages", data={"message": "你好"},
                              headers={"Origin": server.base}) as response:  # fmt: skip
        assert response.status == 415


async def test_a_document_link_is_bound_to_its_conversation(
    server: Served, web: Any  # noqa: F811
) -> None:
    owner = web()
    await owner.say("/start")
    await owner.press("查看我的待遇")
    code = re.search(r"本次验证码：(\d{6})", _words(await owner.say(story_ids("A")[0])))
    assert code
    assert "幸福清单" in _words(await owner.say(code.group(1)))
    replies = await owner.press("下载幸福清单")
    (document,) = [r["document"] for r in replies if "document" in r]
    assert document["url"].startswith("/chat/documents?") and "web-" not in document["url"]
    assert document["filename"] in document["label"]
    async with owner.http.get(server.base + document["url"]) as response:
        assert response.status == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "817" in (await response.read()).decode()

    stranger = web()
    await stranger.say("你好")  # a conversation of its own, and the owner's link
    async with stranger.http.get(server.base + document["url"]) as response:
        assert response.status == 404
        assert await response.text() == ZH.t("document-gone")
    tampered = document["url"].replace("exp=", "exp=9")
    async with owner.http.get(server.base + tampered) as response:
        assert response.status == 404


async def test_the_root_answers_health_checkers_and_browsers(
    tmp_path: Path, nlu_engine: Any  # noqa: F811
) -> None:
    token = {"rest_token": SecretStr("s3cret")}
    settings = demo_database("sqlite", tmp_path).model_copy(update=token)
    async for served in _serve(settings, nlu_engine):
        async with aiohttp.ClientSession() as http:
            async with http.get(served.base + "/") as response:  # curl, a load balancer
                assert response.status == 200 and await response.json() == {"status": "ok"}
            headers = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
            async with http.get(served.base + "/", headers=headers) as response:
                assert response.status == 200  # no REST token needed for the page
                page = await response.text()
                assert '<html lang="zh-CN">' in page and ZH.t("input-label") in page
                assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            async with http.post(served.base + "/webhooks/rest/webhook",
                                 json={"sender": "x", "message": "你好"}) as response:  # fmt: skip
                assert response.status == 401  # the REST channel still needs its token


async def test_the_language_switch_changes_the_page_and_tells_the_dialogue(
    server: Served, web: Any  # noqa: F811
) -> None:
    resident = web()
    status, body = await resident.post("/chat/api/language", {"lang": "en"})
    assert status == 200 and body["html_lang"] == "en"
    en = texts("webchat", "en")
    assert body["texts"]["input-label"] == en.t("input-label") != ZH.t("input-label")
    headers = {"Accept": "text/html"}
    async with resident.http.get(server.base + "/", headers=headers) as response:
        assert '<html lang="en">' in await response.text()  # remembered for this browser
    assert (await resident.post("/chat/api/language", {"lang": "fr"}))[0] == 400


def test_both_catalogues_have_the_page_texts() -> None:
    for locale in ("zh_CN", "en"):
        catalogue = texts("webchat", locale)
        wanted = (*PAGE_TEXTS, "document-link", "document-gone")
        assert [key for key in wanted if key not in catalogue] == []


async def test_a_push_returns_once_an_open_page_wrote_it_and_raises_without_one() -> None:
    live = LivePages(ack_timeout=1.0)
    delivery = Delivery(1, "web", "web-someone", "你好")
    with pytest.raises(NoOpenPage):
        await live.push(delivery)  # nobody here: push_pending releases it
    async with live.page("web-someone") as page:
        pushed = asyncio.create_task(live.push(delivery))
        item = await page.next(timeout=5)
        assert item is not None and item[0] == delivery
        item[1].set_result(None)
        await pushed  # returned once the page had written it
