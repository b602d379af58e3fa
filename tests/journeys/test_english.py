"""The dialogue in English: story A from greeting to happiness list, a refusal, a policy
question, a language switch in the middle of a flow, all through the REST gateway.

Expected texts are the English catalogue's own sentences or figures from the rules'
parameters, never the bot's output copied back.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.conversation import this_month
from eligibility.policy import dibao_standard
from eligibility.regions import region_name
from store.models import Case
from templates import texts
from tests.journeys.conftest import Resident, story_ids

EN = texts("bot", "en")
ZH = texts("bot", "zh_CN")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
BRACKETS = re.compile(r"\([^()]*\)")
MASKED_NAME = re.compile(r"[\u4e00-\u9fff]\*+")


def english(text: str) -> bool:
    """Written in English: Latin words, and Chinese only in brackets (``低保 dibao``, for the
    office), in masked names (``覃**``) or in place names."""
    rest = BRACKETS.sub("", MASKED_NAME.sub("", text))
    return bool(re.search(r"[A-Za-z]{4,}", text)) and not CHINESE.search(rest)


async def test_story_a_in_english_from_greeting_to_happiness_list(resident: Resident) -> None:
    hello = await resident.say("Hello, I need help")
    assert english(hello), hello
    consent = await resident.say("I want to apply for the minimum living allowance")
    assert "Authorisation" in consent and "withdraw" in consent and english(consent)
    # Not a refusal: the authorisation is asked again, in English, with both buttons.
    again = await resident.say("I do not speak Chinese")
    assert again == EN.t("signin-consent-reask")
    assert [b["title"] for b in resident.last[0]["buttons"]] == ["I agree", "I do not agree"]
    assert "ID card number" in await resident.press("I agree")
    sent = await resident.say(story_ids("A")[0])
    assert "6 digits" in sent and "[Demo mode]" in sent
    code = resident.demo_code()
    result = await resident.say(code)
    assert EN.t("signin-done") in result
    assert "Minimum Living Allowance for one person on their own (单独纳入低保): qualifies, " \
           "600 yuan/month" in result  # fmt: skip
    assert "Low-income family on the margin (低保边缘家庭): qualifies" in result
    assert "Living allowance for disabled people in need (困难残疾人生活补贴): qualifies" in result
    # 2026 rules (RULES.md § From 2026-01-01): 3000 / 4 = 750 ≥ the 600 standard but ≤ the
    # 1720 minimum wage (清远 三类 [A]) → dibao waits for the home visit instead of a refusal
    assert "Minimum Living Allowance (低保 dibao): to be decided after a home visit" in result
    assert "not below the local Minimum Living Allowance standard of 600 yuan" in result
    assert "not over the local monthly minimum wage of 1,720 yuan" in result
    assert "覃*" in result and "(self)" in result and "覃秀梅" not in result
    assert english(result.replace(region_name("441825"), ""))  # place names stay Chinese
    listing = await resident.press("My benefits")
    assert "Happiness list (幸福清单)" in listing
    assert "600 yuan/month" in listing and "217 yuan/month" in listing
    assert "Total per month: 817 yuan" in listing
    await resident.press("Download the happiness list")
    document = resident.documents[0]
    html = document["data"].decode()
    assert document["filename"].startswith("happiness-list-")
    assert 'lang="en"' in html and "Total per month" in html and "817" in html


async def test_declining_the_authorisation_in_english(resident: Resident) -> None:
    await resident.say("Hi, I would like to apply for assistance")
    assert "I do not agree" in [b["title"] for r in resident.last for b in r["buttons"]]
    declined = await resident.press("I do not agree")
    assert declined == EN.t("signin-declined")
    assert resident.last[0]["buttons"][0]["title"] == EN.t("menu-benefits")


async def test_a_refused_pre_check_explained_in_english(resident: Resident) -> None:
    await resident.say("Hello, I would like to apply for dibao")
    await resident.press("I agree")
    result = await resident.sign_in(story_ids("C")[0])
    assert "Minimum Living Allowance (低保 dibao): does not qualify" in result
    assert "You own 2 homes, more than the 1 allowed" in result  # Mr C lives alone
    assert "review by a person" in result
    await resident.press("Download the check report")
    report = resident.documents[0]["data"].decode()
    assert "Verification report of the family's finances (pre-check)" in report
    assert "2 homes" in report and "(Seal)" not in report and 'lang="en"' in report


async def test_a_policy_question_in_english(resident: Resident) -> None:
    answer = await resident.say("What is the dibao standard in Qingyuan?")
    urban, _ = dibao_standard("441800", "urban", this_month())
    rural, _ = dibao_standard("441800", "rural", this_month())
    assert f"Standards in 清远市 for {this_month()}" in answer
    assert f"urban: Minimum Living Allowance (低保) {urban:,.0f} yuan" in answer
    assert f"rural: Minimum Living Allowance (低保) {rural:,.0f} yuan" in answer
    assert "Common questions:" in answer


async def test_switching_language_mid_flow_keeps_the_step(resident: Resident, app) -> None:
    assert "授权书" in await resident.say("我想申请低保")
    assert await resident.say("/language en") == EN.t("language-set")
    # Still at the authorisation: agreeing in English goes on to the ID number, in English.
    assert await resident.say("I agree") == EN.t("signin-ask-id")
    assert await resident.say("/language zh_CN") == ZH.t("language-set")
    sent = await resident.say(story_ids("A")[0])
    assert "验证码已经发到那个手机" in sent
    # /start begins afresh but keeps the language; so does the menu's "talk to a person".
    await resident.say("/language")
    titles = [b["title"] for b in resident.last[0]["buttons"]]
    assert titles == ["中文", "English"]
    assert await resident.press("English") == EN.t("language-set")
    assert await resident.say("/start") == EN.t("welcome")
    opened = await resident.press("Talk to a person")
    assert "Your service number" in opened
    async with app.workflow_data["sessionmaker"]() as session:
        case = await session.scalar(select(Case).where(Case.kind == "handoff"))
    assert "(English-speaking)" in case.summary


async def test_not_speaking_chinese_is_a_language_request_not_a_refusal(
    resident: Resident,
) -> None:
    assert await resident.say("I do not speak Chinese") == EN.t("language-set")
    assert [b["title"] for b in resident.last[0]["buttons"]][:2] == [
        EN.t("menu-benefits"), EN.t("menu-apply")]
    assert await resident.say("请用中文") == ZH.t("language-set")


async def test_chinese_after_english_switches_back(resident: Resident) -> None:
    assert english(await resident.say("Hello there, good morning"))
    assert "救助小助手" in await resident.say("你好")
    assert await resident.say("") == ZH.t("message-empty")


async def test_the_gateway_refuses_in_the_residents_language(resident: Resident) -> None:
    await resident.say("Good morning")
    assert await resident.say("   ") == EN.t("message-empty")
    assert await resident.say("x" * 5000) == EN.t("message-too-long", limit=4096)


async def test_words_of_danger_in_english_get_help_at_once(resident: Resident, app) -> None:
    reply = await resident.say("I don't want to live any more")
    assert reply.startswith(EN.t("crisis-self-harm"))
    assert "110" in reply and "12356" in reply
    async with app.workflow_data["sessionmaker"]() as session:
        case = await session.scalar(select(Case).where(Case.kind == "crisis"))
    assert case.priority == "urgent" and "(English-speaking)" in case.summary
