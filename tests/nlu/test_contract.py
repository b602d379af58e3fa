"""The same cases through LocalNlu and a real Rasa server: one contract for both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from nlu import FALLBACK_INTENT, INTENTS, LocalNlu, NluEngine, ParseResult, RasaNlu

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("你好", "greet", {}),
    ("拜拜", "goodbye", {}),
    ("唔該晒", "thank", {}),
    ("是的", "affirm", {}),
    ("不用了", "deny", {}),
    ("我想申请低保", "apply_assistance", {"program": "dibao"}),
    ("點樣攞低保", "apply_assistance", {"program": "dibao"}),
    ("我能领什么补贴", "apply_assistance", {}),
    ("看看我的幸福清单", "check_benefits", {}),
    ("我的申请审批到哪一步了", "check_status", {}),
    ("我同意授权，身份证号是4401 0619 7803 1533 24", "give_consent",
     {"id_number": "440106197803153324"}),
    ("我要撤回授权", "revoke_consent", {}),
    ("广州的低保标准是多少", "ask_policy", {"program": "dibao", "region": "440100"}),
    ("我找到工作了，要报告吗", "report_change", {"life_event": "income_change"}),
    ("转人工", "ask_human", {}),
    ("我要投诉", "complain", {}),
    ("你是机器人吗", "bot_challenge", {}),
    ("家里三口人，月收入两千五", "inform", {"person_count": 3, "amount": 2500}),
    ("我住天河區", "inform", {"region": "440106"}),
    ("今天天气怎么样", "out_of_scope", {}),
    # English, as residents who read English write it (none of these is a training example).
    ("good morning to you", "greet", {}),
    ("thanks, bye", "goodbye", {}),
    ("thank you very much for the help", "thank", {}),
    ("I would like to apply for dibao", "apply_assistance", {"program": "dibao"}),
    ("show me the benefits we get", "check_benefits", {}),
    ("has my application been decided yet", "check_status", {}),
    ("please withdraw my authorisation", "revoke_consent", {}),
    ("what is the dibao standard in Guangzhou", "ask_policy",
     {"program": "dibao", "region": "440100"}),
    ("I want to talk to a real person", "ask_human", {}),
    ("I want to complain about the service", "complain", {}),
    ("are you a real person or a robot", "bot_challenge", {}),
    ("how do I renew my driving licence", "out_of_scope", {}),
]  # fmt: skip

HOSTILE = ["", "🙂🙂", "\x00\x1b[2J", "'; DROP TABLE person; --", "<b onclick=x>低保</b>",
           "a" * 10_240]  # fmt: skip


@pytest.fixture(params=["local", pytest.param("rasa", marks=pytest.mark.rasa)])
async def engine(
    request: pytest.FixtureRequest, local_engine: LocalNlu
) -> AsyncIterator[NluEngine]:
    if request.param == "local":
        yield local_engine
        return
    server = request.getfixturevalue("rasa_server")
    # No fallback: a case that passes here was answered by Rasa itself.
    async with RasaNlu(server.url, token=server.token, timeout=10, fallback=None) as rasa:
        await rasa.status()
        yield rasa


def _engine_name(engine: NluEngine) -> str:
    return "local" if isinstance(engine, LocalNlu) else "rasa"


@pytest.mark.parametrize(("text", "intent", "entities"), CASES, ids=[c[0][:12] for c in CASES])
async def test_case(engine: NluEngine, text: str, intent: str, entities: dict) -> None:
    result = await engine.parse(text)
    assert result.engine == _engine_name(engine)
    assert result.intent_name == intent, result.to_dict()
    for name, value in entities.items():
        assert result.entity(name) == value, result.to_dict()


async def test_result_shape(engine: NluEngine) -> None:
    result = await engine.parse("我想申請低保，家里三口人，月收入三千五，住天河區")
    assert isinstance(result, ParseResult)
    d = result.to_dict()
    assert set(d) == {"text", "intent", "intent_ranking", "entities", "engine"}
    assert d["text"] == "我想申请低保,家里3口人,月收入3500,住天河区"
    assert set(d["intent"]) == {"name", "confidence"}
    assert 0 < result.confidence <= 1
    confidences = [i["confidence"] for i in d["intent_ranking"]]
    assert confidences == sorted(confidences, reverse=True)
    assert {i["name"] for i in d["intent_ranking"]} <= {*INTENTS, FALLBACK_INTENT}
    assert d["intent_ranking"][0] == d["intent"]
    for e in d["entities"]:
        assert set(e) == {"entity", "value", "start", "end", "extractor"}
        assert 0 <= e["start"] < e["end"] <= len(d["text"])
    assert result.entity_values("program") == ["dibao"]
    assert result.entity("person_count") == 3
    assert result.entity("amount") == 3500
    assert result.entity("region") == "440106"
    assert result.entity("id_number") is None


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_input(engine: NluEngine, text: str) -> None:
    result = await engine.parse(text)
    assert result.intent_name in (*INTENTS, FALLBACK_INTENT)
    assert 0.0 <= result.confidence <= 1.0
    if not text.strip("\x00\x1b "):
        assert result.intent_name == FALLBACK_INTENT


async def test_invalid_id_number_is_flagged(engine: NluEngine) -> None:
    result = await engine.parse("我的身份证号是440106197803153325")
    assert result.entity("id_number") is None
    assert result.entity("invalid_id_number") == "440106197803153325"
