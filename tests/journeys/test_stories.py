"""The four acceptance stories as conversations through the REST gateway."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.conversation import this_month
from eligibility.policy import dibao_standard
from store.models import Application, Case, Consent
from tests.journeys.conftest import Resident, story_ids


async def test_story_a_from_greeting_to_happiness_list(resident: Resident, app) -> None:
    assert "救助小助手" in await resident.say("你好")
    consent = await resident.say("我想申请低保")
    assert "授权书" in consent and "撤回" in consent
    assert "身份证" in await resident.press("同意授权")
    answer = await resident.say(story_ids("A")[0])
    # No part of her phone (138...) is shown; the random demo code itself may hold "138".
    assert "验证码" in answer and "138" not in answer.replace(resident.demo_code(), "")
    result = await resident.say(resident.demo_code())
    assert "身份确认成功" in result
    assert "单独纳入低保（单人户）：符合条件" in result
    assert "低保边缘家庭：符合条件" in result
    assert "困难残疾人生活补贴：符合条件" in result
    # 2026 rules (RULES.md § From 2026-01-01): 3000 / 4 = 750 ≥ the 600 standard but ≤ the
    # 1720 minimum wage (清远 三类 [A]) → dibao waits for the home visit instead of a refusal
    assert "最低生活保障（低保）：需要入户核查后确定" in result
    assert "没有超过当地月最低工资标准 1,720 元" in result
    assert "覃*" in result and "覃秀梅" not in result  # masked names only
    listing = await resident.press("查看我的待遇")
    assert "幸福清单" in listing
    assert "单独纳入低保" in listing and "困难残疾人生活补贴" in listing
    assert "每月 600 元" in listing and "每月 217 元" in listing
    assert "每月合计：817 元" in listing
    doc = await resident.press("下载幸福清单")
    assert resident.documents and "幸福清单" in resident.documents[0]["data"].decode()
    assert doc is not None


@pytest.mark.parametrize("story", ["B", "C"])
async def test_stories_b_and_c_two_houses_explained(resident: Resident, story: str) -> None:
    await resident.say("/start")
    await resident.press("申请/测算")
    await resident.press("同意授权")
    result = await resident.sign_in(story_ids(story)[0])
    assert "最低生活保障（低保）：不符合条件" in result
    assert "名下有 2 套住房，超过 1 套的规定" in result
    assert "人工复核" in result  # the right to a person's review
    await resident.press("下载核查报告")
    report = resident.documents[0]["data"].decode()
    assert "核查报告（预审）" in report and "2 套住房" in report and "盖章" not in report
    if story == "B":  # on dibao since 2017: told payments go on until a person reviews
        assert "这次预审不会停止发放" in result
        assert "已经在领取：最低生活保障（低保）" in await resident.press("提交申请")


async def test_story_d_visit_flag_then_application(resident: Resident, app) -> None:
    await resident.say("/start")
    await resident.press("申请/测算")
    await resident.press("同意授权")
    result = await resident.sign_in(story_ids("D")[0])
    assert "最低生活保障（低保）：需要入户核查后确定" in result
    assert "不会直接导致不符合" in result
    assert "您想申请哪一项" in await resident.press("提交申请")
    applied = await resident.press("最低生活保障（低保）")
    assert "申请已提交" in applied and "最低生活保障（低保）" in applied
    status = await resident.press("申请进度")
    assert "已提交，等待受理" in status
    # Asking again for the same program does not file a second application.
    await resident.say("我想申请低保")
    await resident.press("同意授权") if "授权书" in resident.text else None
    again = await resident.press("提交申请")
    assert "已在办理，不用重复申请：最低生活保障（低保）" in again
    assert "最低生活保障（低保）" not in [b["title"] for r in resident.last for b in r["buttons"]]
    async with app.workflow_data["sessionmaker"]() as session:
        assert await session.scalar(select(func.count()).select_from(Application)) == 1
        # the applicant consented for self and, as guardian, for the 4 children
        chat = select(func.count()).select_from(Consent).where(Consent.channel == "chat")
        assert await session.scalar(chat) == 5
    # The story's premise, on any day: the couple's 4,000 a month for eight people is under
    # the standard in force (the parameters', never a copied amount).
    standard, _ = dibao_standard("445303", "rural", this_month())
    assert standard > 4000 / 8


async def test_talk_to_a_person_opens_a_case(resident: Resident, app) -> None:
    reply = await resident.say("我要找人工客服")
    assert "工作人员" in reply and "编号" in reply
    async with app.workflow_data["sessionmaker"]() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1
