"""Issue 12, part "emergency", over the REST webhook on loopback: an emergency in any state
becomes an urgent 临时救助 case and an explanation; a crisis promises contact once; "I do not
speak Chinese" at the authorization asks it again in English; a deletion request is recorded
and answered, the consent kept; "有人吗？我等了好久了" reaches a person.

Expected texts come from RULES.md (临时救助, 支出型, timelines), the PIPL (art. 47) and the
catalogues; figures the rules leave to us (the urgent contact's hours) from the parameters.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.app import AppContext
from bot.channels.gateway import Gateway
from bot.channels.rest import build_rest_app
from bot.conversation import today
from staff.clocks import figure
from store.consent import consent_text
from store.models import Case, Consent
from templates import texts
from tests.journeys.conftest import story_ids
from tests.journeys.test_bad_input import Client

EN = texts("bot", "en")
Replies = list[dict[str, Any]]


@pytest.fixture
async def rest(app: AppContext) -> AsyncIterator[tuple[ClientSession, str]]:
    server = TestServer(build_rest_app(Gateway(app.dispatcher, channel="rest")), host="127.0.0.1")
    await server.start_server()
    async with ClientSession() as http:
        yield http, str(server.make_url("/webhooks/rest/webhook"))
    await server.close()


def joined(replies: Replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def titles(replies: Replies) -> list[str]:
    return [b["title"] for r in replies for b in r.get("buttons") or []]


async def cases(app: AppContext, kind: str) -> list[Case]:
    async with app.workflow_data["sessionmaker"]() as session:
        return list(await session.scalars(select(Case).where(Case.kind == kind)))


async def at(client: Client, where: str) -> Replies:
    """Put the conversation at the menu, the authorization, or the ID number question."""
    replies = await client.say("/start")
    if where != "menu":
        replies = await client.press(replies, "申请/测算")
    if where == "id_number":
        replies = await client.press(replies, "同意授权")
    return replies


# --- 1. 临时救助 as a journey ---------------------------------------------------------------

EMERGENCIES = [
    "家里着火了，什么都没了，怎么办",  # the issue's own words
    "昨晚发大水，屋里全被水淹了",
    "我老公出车祸了，现在在医院",
    "我妈突然脑出血，进了ICU抢救",
    "我爸突然去世了，家里一下子乱了",
    "我的钱全被抢了，身上一分都没有",
]


@pytest.mark.parametrize("where", ["menu", "consent", "id_number"])
@pytest.mark.parametrize("text", EMERGENCIES)
async def test_an_emergency_in_any_state_opens_an_urgent_temporary_assistance_case(
    rest: tuple[ClientSession, str], app: AppContext, where: str, text: str
) -> None:
    client = Client(*rest, f"emergency-{where}")
    before = await at(client, where)
    replies = await client.say(text)
    reply = joined(replies)
    assert "很抱歉让您不满意" not in reply and "授权书" not in reply
    # RULES.md § 临时救助: 急难型 for emergencies, small amounts may be paid first
    assert "临时救助" in reply and "急难型" in reply and "先行救助" in reply
    # ... and 支出型 with its criteria (RULES.md § Spending-based hardship)
    assert "支出型" in reply and "60%" in reply and "人均可支配收入" in reply
    hours = int(figure("crisis_contact", today()))
    assert f"{hours}小时内" in reply  # who answers and when
    assert "3个工作日内" in reply  # RULES.md § Timelines: investigation starts ≤ 3 working days
    assert reply.count("联系您") == 1  # said once
    assert titles(replies)  # a next step
    [case] = await cases(app, "temporary_assistance")
    assert case.priority == "urgent" and str(case.id) in reply
    # The flow the resident was in is left where it was, and what it waits for said again.
    waiting = {"menu": None, "consent": "刚才的授权还在等您", "id_number": "刚才的登录还在等您"}
    if waiting[where]:
        assert reply.index(waiting[where]) > reply.index("临时救助")
    else:
        assert "还在等您" not in reply
    if where == "consent":
        assert "身份证" in joined(await client.press(before, "同意授权"))
    if where == "id_number":
        assert "验证码" in joined(await client.say(story_ids("C")[0]))


async def test_an_emergency_in_english(rest: tuple[ClientSession, str], app: AppContext) -> None:
    client = Client(*rest, "emergency-en")
    reply = joined(await client.say("Please help me, our house burned down"))
    assert "temporary assistance (临时救助)" in reply and "paid first" in reply
    assert "60%" in reply
    [case] = await cases(app, "temporary_assistance")
    assert case.priority == "urgent"


async def test_asking_how_to_apply_for_temporary_assistance_explains_it(
    rest: tuple[ClientSession, str], app: AppContext
) -> None:
    client = Client(*rest, "ask-linshi")
    replies = await client.say("临时救助怎么申请")
    reply = joined(replies)
    assert "授权书" not in reply  # the pre-check does not cover 临时救助
    assert "急难型" in reply and "支出型" in reply and "先行救助" in reply
    assert "60%" in reply and "上年" in reply and "12个月" in reply  # RULES.md: 支出型
    assert "申请临时救助" in titles(replies)
    opened = joined(await client.press(replies, "申请临时救助"))
    [case] = await cases(app, "temporary_assistance")
    assert str(case.id) in opened and "3个工作日内" in opened
    assert case.priority != "urgent"  # no emergency was told


# --- 2. a crisis promises contact once ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "help_now"), [("我不想活了", "12356"), ("家里已经两天没饭吃了", "临时救助")]
)
async def test_a_crisis_promises_contact_once(
    rest: tuple[ClientSession, str], app: AppContext, text: str, help_now: str
) -> None:
    client = Client(*rest, "crisis")
    replies = await client.say(text)
    reply = joined(replies)
    assert help_now in reply
    hours = int(figure("crisis_contact", today()))
    assert reply.count("联系您") == 1 and f"{hours}小时内" in reply
    assert "工作日" not in reply
    assert titles(replies)
    [case] = await cases(app, "crisis")
    assert case.priority == "urgent"


# --- 3. "I do not speak Chinese" at the authorization ---------------------------------------


async def test_i_do_not_speak_chinese_asks_the_authorization_again_in_english(
    rest: tuple[ClientSession, str],
) -> None:
    client = Client(*rest, "no-chinese")
    await at(client, "consent")
    replies = await client.say("I do not speak Chinese")
    english_consent, _ = consent_text(EN)
    assert english_consent in joined(replies)  # the whole authorization, in English
    assert EN.t("signin-declined").strip() not in joined(replies)  # nothing refused
    assert titles(replies) == ["I agree", "I do not agree"]
    assert "ID card number" in joined(await client.press(replies, "I agree"))


# --- 4. a deletion request (PIPL art. 47) ---------------------------------------------------


async def test_a_deletion_request_is_recorded_and_answered_and_the_consent_kept(
    rest: tuple[ClientSession, str], app: AppContext
) -> None:
    client = Client(*rest, "delete-me")
    await at(client, "id_number")
    code = re.search(r"本次验证码：(\d{6})", joined(await client.say(story_ids("A")[0])))
    assert code, "demo mode shows the code"
    assert "身份确认成功" in joined(await client.say(code.group(1)))
    async with app.workflow_data["sessionmaker"]() as session:
        consents = list(await session.scalars(select(Consent).where(Consent.channel == "chat")))
    assert consents and all(c.revoked_at is None for c in consents)

    replies = await client.say("请删除我的个人信息")
    reply = joined(replies)
    [case] = await cases(app, "deletion_request")
    assert str(case.id) in reply and "3个工作日内" in reply
    assert "可以删除" in reply and "不能删除" in reply  # what can and cannot, and why
    assert "第四十七条" in reply and "保存期限" in reply
    assert "待遇" in reply and "查询记录" in reply  # kept: benefit and audit records
    assert "确定要撤回吗" not in reply  # not taken as revoking
    assert "撤回授权" in titles(replies)  # revoking is a separate choice
    async with app.workflow_data["sessionmaker"]() as session:
        kept = list(await session.scalars(select(Consent).where(Consent.channel == "chat")))
    assert [c.id for c in kept] == [c.id for c in consents]
    assert all(c.revoked_at is None for c in kept)
    assert "确定要撤回吗" in joined(await client.press(replies, "撤回授权"))


async def test_a_deletion_request_before_signing_in_is_recorded(
    rest: tuple[ClientSession, str], app: AppContext
) -> None:
    client = Client(*rest, "delete-anonymous")
    reply = joined(await client.say("请删除我的个人信息"))
    assert "身份证号码" not in reply  # recorded first; staff check who it is
    [case] = await cases(app, "deletion_request")
    assert str(case.id) in reply and "核实您的身份" in reply


# --- 5. someone waiting for a person ---------------------------------------------------------


@pytest.mark.parametrize("text", ["有人吗？我等了好久了", "人呢？怎么一直没人回我"])
async def test_someone_waiting_for_a_person_is_handed_over(
    rest: tuple[ClientSession, str], app: AppContext, text: str
) -> None:
    client = Client(*rest, "waiting")
    replies = await client.say(text)
    reply = joined(replies)
    assert "身份证" not in reply and "申请进度" not in reply
    [case] = await cases(app, "handoff")
    assert str(case.id) in reply and "3个工作日内" in reply  # who answers and when
    again = joined(await client.say(text))
    assert str(case.id) in again and len(await cases(app, "handoff")) == 1
