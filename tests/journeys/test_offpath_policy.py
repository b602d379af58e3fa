"""Issue 12, part "policy": policy questions, questions inside a flow, dead ends.

Every case is a conversation over the REST webhook (Rasa's format) on real HTTP on loopback.
Expected figures come from RULES.md (cited at each assertion), never from the code's output.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.app import AppContext
from bot.channels.gateway import Gateway
from bot.channels.rest import build_rest_app
from nlu import NluEngine
from store.demo.timeline import years_for
from store.models import Case, CaseEvent
from tests.conftest import TEST_TODAY
from tests.journeys.conftest import dialogue, story_ids


class Rest:
    """One resident on ``POST /webhooks/rest/webhook``; ``last`` holds the latest replies."""

    def __init__(self, http: ClientSession, url: str, sender: str) -> None:
        self.http, self.url, self.sender, self.n = http, url, sender, 0
        self.last: list[dict[str, Any]] = []

    async def say(self, message: str) -> str:
        self.n += 1
        body = {"sender": self.sender, "message": message, "message_id": f"{self.sender}-{self.n}"}
        async with self.http.post(self.url, json=body) as response:
            assert response.status == 200, await response.text()
            self.last = await response.json()
        return self.text

    async def press(self, title: str) -> str:
        for payload in (b["payload"] for b in self.buttons_of() if b["title"] == title):
            return await self.say(payload)
        raise AssertionError(f"no button {title!r} in {self.titles}")

    def buttons_of(self) -> list[dict[str, Any]]:
        return [b for r in self.last for b in r.get("buttons") or []]

    @property
    def titles(self) -> list[str]:
        return [b["title"] for b in self.buttons_of()]

    @property
    def text(self) -> str:
        return "\n".join(r.get("text") or "" for r in self.last)

    async def sign_in(self, id_number: str) -> str:
        asked = await self.say(id_number)
        code = re.search(r"本次验证码：(\d{6})", asked)
        assert code, asked
        return await self.say(code.group(1))


@pytest.fixture
async def app(tmp_path: Path, nlu_engine: NluEngine) -> AsyncIterator[AppContext]:
    """SQLite: the stories run every flow on PostgreSQL already."""
    async with dialogue("sqlite", tmp_path, nlu_engine) as ctx:
        yield ctx


@pytest.fixture
async def rest(app: AppContext) -> AsyncIterator[Rest]:
    server = TestServer(build_rest_app(Gateway(app.dispatcher, channel="rest")), host="127.0.0.1")
    await server.start_server()
    async with ClientSession() as http:
        yield Rest(http, str(server.make_url("/webhooks/rest/webhook")), "policy-resident")
    await server.close()


TABLE = "广东各地"  # the head of the list of every city's dibao standard


# --- 1. policy answers per programme ------------------------------------------------------


@pytest.mark.parametrize("question", ["特困人员条件", "什么人可以认定为特困人员"])
async def test_tekun_conditions_are_its_own(rest: Rest, question: str) -> None:
    answer = await rest.say(question)
    assert TABLE not in answer
    # RULES.md § 特困人员: unable to work (≥ 60, < 16, disability), no source of living, no
    # supporter; standard ≥ 1.6 × the local dibao standard
    assert "60" in answer and "16" in answer and "赡养" in answer and "1.6" in answer
    assert rest.titles


async def test_marginal_family_how_it_is_decided(rest: Rest) -> None:
    answer = await rest.say("低保边缘怎么认定")
    assert TABLE not in answer
    # RULES.md § 低保边缘: income < 1.5 × standard; 粤府办〔2022〕3号: assets ≤ 24 × urban
    # standard, one home at most, no vehicle
    assert "1.5" in answer and "24" in answer and "1套住房" in answer
    assert rest.titles


async def test_dibao_materials_to_bring(rest: Rest) -> None:
    answer = await rest.say("申请低保要带什么材料")
    assert TABLE not in answer
    assert "身份证" in answer and "户口本" in answer and "授权书" in answer
    assert rest.titles


async def test_dibao_process_and_its_time_limits(rest: Rest) -> None:
    answer = await rest.say("申请低保要多久")
    assert TABLE not in answer
    # RULES.md § Timelines: investigation ≤ 3 working days, public notice 7 days, decision
    # ≤ 10 working days, whole process ≤ 30 working days (45 special)
    for figure in ("3个工作日", "7天", "10个工作日", "30个工作日", "45个工作日"):
        assert figure in answer, figure
    assert rest.titles


async def test_amounts_say_what_kind_of_figure(rest: Rest) -> None:
    lianshan = await rest.say("连山的低保标准是多少")
    # RULES.md § floors: tier 4 (连山 is in 清远, [A] tier 4) 857 urban / 600 rural, a 2023
    # provincial floor: said as a floor, not as the city's own figure
    assert "857" in lianshan and "600" in lianshan
    assert "省定最低标准" in lianshan and "2023" in lianshan
    guangzhou = await rest.say("广州的低保标准是多少")
    # RULES.md: Guangzhou's own standard 1238 (2023), marginal 1857, 特困 1981
    assert "1,238" in guangzhou and "广州市公布的标准" in guangzhou
    assert "省定最低标准" not in guangzhou
    assert rest.titles


# --- 2. questions inside a flow, changing one's mind, consent on record --------------------


async def test_a_question_at_the_consent_prompt_is_answered_and_the_prompt_stays(
    rest: Rest,
) -> None:
    await rest.say("/start")
    await rest.press("申请/测算")
    answer = await rest.say("连山的低保标准是多少")
    assert "600" in answer and "省定最低标准" in answer  # RULES.md tier 4 rural floor
    assert "同意授权" in rest.titles and "不同意" in rest.titles  # the prompt is asked again
    assert "1" in await rest.press("同意授权")  # and still works


async def test_a_fact_at_the_consent_prompt_is_kept_for_the_caseworker(
    rest: Rest, app: AppContext
) -> None:
    await rest.say("/start")
    await rest.press("申请/测算")
    answer = await rest.say("第二套房是我爸留下的祖屋")
    assert "请告诉我您是否同意" not in answer and "记下" in answer
    assert "同意授权" in rest.titles
    await rest.press("同意授权")
    result = await rest.sign_in(story_ids("C")[0])
    assert "身份确认成功" in result
    async with app.workflow_data["sessionmaker"]() as session:
        notes = (await session.scalars(select(CaseEvent).where(CaseEvent.kind == "note"))).all()
        assert any("祖屋" in (n.text or "") for n in notes)
        case = await session.get(Case, notes[0].case_id)
        assert case is not None and case.family_id is not None  # the family's caseworker


async def test_agreeing_after_refusing_leads_to_the_consent(rest: Rest) -> None:
    await rest.say("/start")
    await rest.press("申请/测算")
    await rest.press("不同意")
    again = await rest.say("我想了想，还是同意吧")
    assert "授权书" in again and "同意授权" in rest.titles
    assert "身份证" in await rest.press("同意授权")


async def test_taking_back_an_agreement_before_the_id_number(rest: Rest) -> None:
    await rest.say("/start")
    await rest.press("申请/测算")
    assert "身份证" in await rest.press("同意授权")
    taken_back = await rest.say("我不同意了")
    assert "不会查询任何信息" in taken_back and "申请/测算" in rest.titles
    assert "授权书" in await rest.say("还是同意吧")


async def test_a_valid_consent_on_record_is_not_asked_again(rest: Rest) -> None:
    await rest.say("/start")
    await rest.press("申请/测算")
    await rest.press("同意授权")
    assert "单独纳入低保" in await rest.sign_in(story_ids("A")[0])
    await rest.say("/start")  # a new conversation: signed out
    asked = await rest.press("申请/测算")
    assert "授权书" not in asked and "身份证" in asked
    result = await rest.sign_in(story_ids("A")[0])
    assert "授权书" not in result and "单独纳入低保" in result


# --- 3. will our dibao stop? -------------------------------------------------------------


async def test_will_our_dibao_stop_is_answered_from_the_rules(rest: Rest) -> None:
    await rest.say("/start")
    await rest.press("查看我的待遇")
    await rest.sign_in(story_ids("B")[0])
    answer = await rest.say("我家的低保是不是要停了？")
    assert "幸福清单" not in answer
    # RULES.md § Reviews, exit: yearly / every 6 months; 渐退期 ≤ 6 months; verify first,
    # end only under the rules; the story B family's next review is on 1 December of the
    # fixtures' year (2026, moved with the day the demo data reads), one line per benefit
    assert "每年" in answer and "6个月" in answer and "渐退" in answer
    review = f"{2026 + years_for(TEST_TODAY)}-12-01"
    assert f"下次复核 {review}\n• 您家的" in answer
    assert "报告变化" in rest.titles and "转人工" in rest.titles


# --- 4. dead ends ---------------------------------------------------------------------------


async def test_status_and_the_list_download_offer_a_next_step(rest: Rest) -> None:
    await rest.say("/start")
    await rest.press("申请进度")
    await rest.sign_in(story_ids("D")[0])
    assert "申请" in rest.text and rest.titles
    await rest.say("查看我的待遇")
    await rest.press("下载幸福清单")
    assert rest.titles


async def test_after_applying_the_others_are_offered_and_not_suggested_again(rest: Rest) -> None:
    await rest.say("/start")
    await rest.press("申请/测算")
    await rest.press("同意授权")
    await rest.sign_in(story_ids("A")[0])
    await rest.press("提交申请")
    choices = [t for t in rest.titles]
    assert "城乡居民医保参保资助" in choices or len(choices) > 1, choices
    first = choices[0]
    applied = await rest.press(first)
    assert "申请已提交" in applied
    others = [t for t in choices if t != first]
    assert set(others) <= set(rest.titles) and others, rest.titles
    listing = await rest.press("查看我的待遇") if "查看我的待遇" in rest.titles else None
    if listing is None:
        listing = await rest.say("查看我的待遇")
    suggested = listing.split("可能还符合", 1)[1] if "可能还符合" in listing else ""
    assert first not in suggested
