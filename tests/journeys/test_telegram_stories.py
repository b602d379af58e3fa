"""The four acceptance stories on Telegram, by long polling and by webhook.

aiogram's real ``Bot`` and Dispatcher run against the fake Bot API on loopback; each story
sees what ``test_stories.py`` asserts over REST, and the documents arrive as PDF
(``sendDocument``, multipart).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nlu import NluEngine
from store.models import Application
from tests.fakes.telegram_api import FakeTelegram, user
from tests.journeys.conftest import demo_database, story_ids
from tests.journeys.telegram import (
    Handled,
    TelegramResident,
    Worker,
    buttons,
    on_telegram,
    telegram_worker,
)

RESIDENT = user(5001, "阿玲")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def handled() -> Handled:
    return Handled()


@pytest.fixture(params=["polling", "webhook"])
async def worker(
    request: pytest.FixtureRequest, tmp_path: Path, nlu_engine: NluEngine,
    fake: FakeTelegram, handled: Handled,
) -> AsyncIterator[Worker]:  # fmt: skip
    await nlu_engine.parse("你好")  # trained once per session, before any wait for a reply
    settings = on_telegram(demo_database("sqlite", tmp_path), fake)
    async with telegram_worker(settings, nlu_engine, handled,
                               webhook=request.param == "webhook") as running:  # fmt: skip
        if request.param == "webhook":
            assert fake.webhook is not None and fake.webhook["url"] == running.webhook_url
        yield running


@pytest.fixture
def resident(fake: FakeTelegram, handled: Handled, worker: Worker) -> TelegramResident:
    return TelegramResident(fake, RESIDENT, handled)


def assert_pdf(resident: TelegramResident, stem: str) -> None:
    [(name, data)] = resident.documents
    assert name.startswith(stem) and name.endswith(".pdf"), name
    assert data.startswith(b"%PDF-")


async def test_story_a_from_greeting_to_happiness_list(
    resident: TelegramResident, fake: FakeTelegram, worker: Worker
) -> None:
    assert "救助小助手" in await resident.say("你好")
    consent = await resident.say("我想申请低保")
    assert "授权书" in consent and "撤回" in consent
    assert "身份证" in await resident.press("同意授权")
    answer = await resident.say(story_ids("A")[0])
    assert "验证码" in answer and "138" not in answer.replace(resident.demo_code(), "")
    share = [c for c in resident.last if "keyboard" in (c.params.get("reply_markup") or {})]
    assert share and share[0].params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    result = await resident.say(resident.demo_code())
    assert "身份确认成功" in result
    assert "单独纳入低保（单人户）：符合条件" in result
    assert "低保边缘家庭：符合条件" in result
    assert "困难残疾人生活补贴：符合条件" in result
    # 2026 rules (RULES.md § From 2026-01-01): 3000 / 4 = 750 ≥ the 600 standard but ≤ the
    # 1720 minimum wage (清远 三类 [A]) → dibao waits for the home visit instead of a refusal
    assert "最低生活保障（低保）：需要入户核查后确定" in result
    assert "覃*" in result and "覃秀梅" not in result
    listing = await resident.press("查看我的待遇")
    assert "幸福清单" in listing and "每月合计：817 元" in listing
    assert "每月 600 元" in listing and "每月 217 元" in listing
    await resident.press("下载幸福清单")
    assert_pdf(resident, "幸福清单-")
    assert [c.method for c in resident.last] == ["sendDocument"]
    assert fake.refused == []


@pytest.mark.parametrize("story", ["B", "C"])
async def test_stories_b_and_c_two_houses_explained(
    resident: TelegramResident, story: str
) -> None:
    await resident.say("/start")
    await resident.press("申请/测算")
    await resident.press("同意授权")
    result = await resident.sign_in(story_ids(story)[0])
    assert "最低生活保障（低保）：不符合条件" in result
    assert "名下有 2 套住房，超过 1 套的规定" in result
    assert "人工复核" in result
    await resident.press("下载核查报告")
    assert_pdf(resident, "核查报告-P")
    if story == "B":
        assert "这次预审不会停止发放" in result
        assert "已经在领取：最低生活保障（低保）" in await resident.press("提交申请")


async def test_story_d_visit_flag_then_application(
    resident: TelegramResident, fake: FakeTelegram, worker: Worker
) -> None:
    await resident.say("/start")
    await resident.press("申请/测算")
    await resident.press("同意授权")
    result = await resident.sign_in(story_ids("D")[0])
    assert "最低生活保障（低保）：需要入户核查后确定" in result
    assert "不会直接导致不符合" in result
    assert "您想申请哪一项" in await resident.press("提交申请")
    applied = await resident.press("最低生活保障（低保）")
    assert "申请已提交" in applied and "最低生活保障（低保）" in applied
    assert "已提交，等待受理" in await resident.press("申请进度")
    await resident.say("我想申请低保")
    if "授权书" in resident.text:
        await resident.press("同意授权")
    again = await resident.press("提交申请")
    assert "已在办理，不用重复申请：最低生活保障（低保）" in again
    offered = [b for c in resident.last for b in buttons(c.params)]
    assert "最低生活保障（低保）" not in offered
    async with worker.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Application)) == 1
