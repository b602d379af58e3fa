"""Issue 12, part "family": whose family, whose case, what was said, what happened.

Every conversation goes over the Rasa-compatible REST webhook over real HTTP on loopback
(``POST /webhooks/rest/webhook``), through the real Dispatcher, over the demo database with
the four story families (relations to the registered applicant as in
``store/demo/fixtures.py``). Masked names read ``覃＊＊``: the REST channel sends fullwidth
asterisks (``bot/channels/rasa_messages.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.app import AppContext
from bot.channels.gateway import Gateway
from bot.channels.rest import build_rest_app
from store.models import Case, ReportedChange
from tests.journeys.conftest import Resident, story_ids


class RestResident(Resident):
    """:class:`Resident` whose every message is a POST to the REST webhook."""

    def __init__(self, http: ClientSession, url: str, sender: str) -> None:
        super().__init__(gateway=None, sender=sender)  # type: ignore[arg-type]
        self.http, self.url = http, url

    async def say(self, text: str) -> str:
        self._ids += 1
        body = {"sender": self.sender, "message": text, "message_id": f"{self.sender}-{self._ids}"}
        async with self.http.post(self.url, json=body) as response:
            assert response.status == 200, await response.text()
            self.last = list(await response.json())
        self.seen += self.last
        return self.text

    async def document(self) -> str:
        """The text of the latest reply's document, downloaded from its signed link."""
        [url] = [r["attachment"] for r in self.last if r.get("attachment")]
        async with self.http.get(url) as response:
            assert response.status == 200
            return await response.text()

    @property
    def titles(self) -> list[str]:
        return [b["title"] for r in self.last for b in r.get("buttons") or []]


@pytest.fixture
async def rest(app: AppContext) -> AsyncIterator[tuple[ClientSession, str]]:
    server = TestServer(build_rest_app(Gateway(app.dispatcher, channel="rest")), host="127.0.0.1")
    await server.start_server()
    async with ClientSession() as http:
        yield http, str(server.make_url("/webhooks/rest/webhook"))
    await server.close()


def person(rest: tuple[ClientSession, str], sender: str) -> RestResident:
    return RestResident(*rest, sender)


async def _count(app: AppContext, model: Any) -> int:
    async with app.workflow_data["sessionmaker"]() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def _summaries(app: AppContext) -> list[str]:
    async with app.workflow_data["sessionmaker"]() as session:
        return list(await session.scalars(select(Case.summary)))


# --- 1. Point of view ---------------------------------------------------------------------


async def test_the_husband_sees_the_family_from_his_own_point_of_view(rest, app) -> None:
    # Story A: Ms A (覃秀梅) is the registered applicant; her husband 韦志强 signs in.
    wife = person(rest, "pov-wife")
    await wife.say("我想申请低保")
    await wife.press("同意授权")
    assert "覃＊＊（本人）" in await wife.sign_in(story_ids("A")[0])

    husband = person(rest, "pov-husband")
    await husband.say("我想申请低保")
    await husband.press("同意授权")
    result = await husband.sign_in(story_ids("A")[1])
    assert "预审结果" in result
    # Her severe disability is his wife's; he is himself (本人); the girls are his children.
    assert "覃＊＊（配偶）" in result and "覃＊＊（本人）" not in result
    assert "韦＊＊（本人）" in result and "韦＊＊（配偶）" not in result
    await husband.press("下载核查报告")
    report = await husband.document()
    assert "覃**（配偶）" in report and "覃**（本人）" not in report
    listing = await husband.press("查看我的待遇")
    assert "覃＊＊（配偶）：" in listing and "覃＊＊（本人）" not in listing


async def test_a_son_sees_his_grandmother_as_his_grandmother(rest, app) -> None:
    # Story B: 黄丽萍 applicant, her son 陈俊杰 (child), her mother-in-law 李桂英 (parent).
    mother = person(rest, "pov-b-mother")  # the applicant's own consent comes first
    await mother.say("我想申请低保")
    await mother.press("同意授权")
    await mother.sign_in(story_ids("B")[0])
    son = person(rest, "pov-b-son")
    await son.say("我想申请低保")
    await son.press("同意授权")
    result = await son.sign_in(story_ids("B")[1])
    # Her houses are his grandmother's, not his "parent's" (the register's view).
    assert "李＊＊（祖父母）名下 80 平方米" in result and "李＊＊（父母）" not in result


# --- 2. Someone else's case ----------------------------------------------------------------


async def test_applying_for_my_mother_runs_for_her_with_her_own_consent(rest, app) -> None:
    # Story B's son asks for his mother (黄丽萍, the registered applicant).
    son = person(rest, "for-mother")
    asked = await son.say("帮我妈申请特困")
    assert "授权书" not in asked  # his own family's check does not start
    assert "妈妈" in asked and "本人" in asked and "授权" in asked and "监护" in asked
    assert "请妈妈本人登录" in son.titles
    assert "授权书" in await son.press("请妈妈本人登录")
    await son.press("同意授权")
    result = await son.sign_in(story_ids("B")[0])  # her ID number, the code on her phone
    # Her family seen by her: the houses are her mother-in-law's, registered as her parent
    # (her son would read 祖父母).
    assert "预审结果" in result and "李＊＊（父母）名下 80 平方米" in result


async def test_applying_for_a_young_child_is_the_parents_own_consent(rest, app) -> None:
    mother = person(rest, "for-daughter")
    asked = await mother.say("帮我女儿申请低保")
    assert "未满18岁" in asked and "监护人" in asked
    await mother.press("为孩子测算")
    await mother.press("同意授权")
    result = await mother.sign_in(story_ids("A")[0])
    assert "预审结果" in result and "韦＊＊（子女）" in result


async def test_a_change_naming_someone_not_in_the_household_is_asked_about(rest, app) -> None:
    # Story B: no husband on the register (applicant, son, mother-in-law).
    mother = person(rest, "absent-husband")
    await mother.say("查看我的待遇")
    await mother.sign_in(story_ids("B")[0])
    asked = await mother.say("我老公没工作了")
    assert "没有" in asked and "配偶" in asked and "已记录" not in asked
    assert await _count(app, ReportedChange) == 0
    assert "是家里人，请记录" in mother.titles
    recorded = await mother.press("是家里人，请记录")
    assert "已记录" in recorded and "我老公没工作了" in recorded
    assert await _count(app, ReportedChange) == 1


async def test_a_change_naming_a_member_of_the_household_is_recorded(rest, app) -> None:
    husband = person(rest, "present-wife")
    await husband.say("查看我的待遇")
    await husband.sign_in(story_ids("A")[1])
    assert "已记录" in await husband.say("我老婆住院了")
    assert await _count(app, ReportedChange) == 1


# --- 3. Facts typed with a request ---------------------------------------------------------


async def test_facts_typed_with_the_request_are_compared_with_the_records(rest, app) -> None:
    # Story B lives in 台山 (440781), three people: the place differs, the size does not.
    mother = person(rest, "facts-b")
    await mother.say("我想申请低保，屋企三个人，住番禺")
    await mother.press("同意授权")
    result = await mother.sign_in(story_ids("B")[0])
    assert "您说住番禺区，但登记在台山市" in result
    assert "您说家里" not in result
    await mother.press("对结果有异议")  # a caseworker reviews it: the difference goes too
    assert any("番禺区" in s and "台山市" in s for s in await _summaries(app))


async def test_a_household_size_that_differs_goes_to_the_home_visit(rest, app) -> None:
    # Story A: four on the register; today a home-visit case for dibao (STORIES.md, 2026 rules).
    mother = person(rest, "facts-a")
    await mother.say("我想申请低保，家里三个人")
    await mother.press("同意授权")
    result = await mother.sign_in(story_ids("A")[0])
    assert "您说家里有 3 人，但登记的是 4 人" in result
    assert any("入户核查" in s and "3 人" in s and "4 人" in s for s in await _summaries(app))


# --- 4. Life events ------------------------------------------------------------------------


async def test_kindergarten_is_a_change_at_the_menu_and_inside_the_report(rest, app) -> None:
    mother = person(rest, "kindergarten")
    await mother.say("查看我的待遇")
    await mother.sign_in(story_ids("A")[0])
    said = await mother.say("孩子上幼儿园了")
    assert "帮不上" not in said and "已记录" in said and "孩子上幼儿园了" in said
    assert "特困" in said or "教育" in said  # school entry matters for children's support
    await mother.say("/menu")
    await mother.press("报告变化")
    inside = await mother.say("孩子上幼儿园了")
    assert "帮不上" not in inside and "已记录" in inside
    assert await _count(app, ReportedChange) == 2


@pytest.mark.parametrize(
    ("words", "effect"),
    [
        ("我家生了二胎", "家庭人数"),  # a new member: household size and the family's standard
        ("我爸去世了", "家庭人数"),  # Mr D's father lives with the family
        ("我老婆失业了", "收入"),
        ("我老婆得了重病，住院了", "医疗救助"),
        ("我老婆残疾了", "残疾人"),
        ("我们搬家了，搬到番禺了", "当地"),  # another county: another standard
    ],
)
async def test_a_life_event_is_recorded_with_what_it_may_change(
    rest, app, words: str, effect: str
) -> None:
    # Story D: Mr D, his wife, his parents and four children on the register.
    husband = person(rest, "events")
    await husband.say("查看我的待遇")
    await husband.sign_in(story_ids("D")[0])
    said = await husband.say(words)
    assert "已记录" in said and effect in said
    assert f"（您说的情况：{words}）" in said  # the words as typed, not "2胎"
    assert await _count(app, ReportedChange) == 1
