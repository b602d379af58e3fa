"""RasaNlu over real HTTP on loopback, against a small aiohttp server that answers like
Rasa's ``/model/parse`` or misbehaves (down, slow, HTTP 500, not JSON)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from nlu import FALLBACK_INTENT, LocalNlu, RasaNlu
from nlu.exceptions import RasaUnavailable
from nlu.rasa_env import free_port

TOKEN = "s3cret"


@dataclass
class FakeRasa:
    """What the fake server does next, and what it was sent."""

    mode: str = "ok"  # ok | slow | error | garbage
    seen: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def parse(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.seen.append({"token": request.query.get("token"), "text": body["text"]})
        if self.mode == "slow":
            await asyncio.sleep(2)
        if self.mode == "error":
            return web.json_response({"error": "boom"}, status=500)
        if self.mode == "garbage":
            return web.Response(text="<html>502</html>")
        text = body["text"]
        start = text.find("3500")
        entities = [{"entity": "amount", "value": "3500", "start": start, "end": start + 4,
                     "extractor": "DIETClassifier"}] if start >= 0 else []  # fmt: skip
        return web.json_response({
            "text": text,
            "intent": {"name": "inform", "confidence": 0.91},
            "intent_ranking": [{"name": "inform", "confidence": 0.91},
                               {"name": "apply_assistance", "confidence": 0.05}],
            "entities": entities,
        })  # fmt: skip

    async def status(self, request: web.Request) -> web.Response:
        if request.query.get("token") != TOKEN:
            return web.json_response({"message": "unauthorised"}, status=401)
        return web.json_response({"model_file": "fake.tar.gz"})


@pytest.fixture
async def fake() -> AsyncIterator[FakeRasa]:
    state = FakeRasa()
    app = web.Application()
    app.router.add_post("/model/parse", state.parse)
    app.router.add_get("/status", state.status)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


async def test_parse_sends_normalised_text_with_token(
    fake: FakeRasa, local_engine: LocalNlu
) -> None:
    async with RasaNlu(fake.url, token=TOKEN, timeout=1, fallback=local_engine) as rasa:
        result = await rasa.parse("我屋企三口人，月收入三千五，住天河區")
    assert fake.seen == [{"token": TOKEN, "text": "我屋企3口人,月收入3500,住天河区"}]
    assert result.engine == "rasa"
    assert result.intent_name == "inform"
    assert result.confidence == pytest.approx(0.91)
    assert [i.name for i in result.intent_ranking] == ["inform", "apply_assistance"]
    # Rasa's amount normalised to a number; the rules add what the fake Rasa missed.
    assert [(e.entity, e.value) for e in result.entities] == [
        ("person_count", 3), ("amount", 3500), ("region", "440106"),
    ]  # fmt: skip


@pytest.mark.parametrize("mode", ["slow", "error", "garbage"])
async def test_misbehaving_server_falls_back_to_local(
    fake: FakeRasa, local_engine: LocalNlu, mode: str
) -> None:
    fake.mode = mode
    async with RasaNlu(fake.url, token=TOKEN, timeout=0.3, fallback=local_engine) as rasa:
        result = await rasa.parse("谢谢你")
    assert result.engine == "local"
    assert result.intent_name == "thank"


async def test_outage_logged_once_and_recovery_logged(
    fake: FakeRasa, local_engine: LocalNlu, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nlu.rasa_client")
    async with RasaNlu(fake.url, token=TOKEN, timeout=1, fallback=local_engine) as rasa:
        fake.mode = "error"
        for _ in range(3):
            assert (await rasa.parse("你好")).engine == "local"
        fake.mode = "ok"
        assert (await rasa.parse("你好")).engine == "rasa"
        fake.mode = "error"
        assert (await rasa.parse("你好")).engine == "local"
    messages = [r.getMessage() for r in caplog.records]
    assert sum("does not answer" in m for m in messages) == 2  # two outages
    assert sum("answers again" in m for m in messages) == 1


async def test_server_down_without_fallback_is_nlu_fallback() -> None:
    async with RasaNlu(f"http://127.0.0.1:{free_port()}", timeout=0.5) as rasa:
        result = await rasa.parse("我想申请低保")
    assert result.intent_name == FALLBACK_INTENT
    assert result.engine == "none"
    assert [(e.entity, e.value) for e in result.entities] == []


async def test_status(fake: FakeRasa) -> None:
    async with RasaNlu(fake.url, token=TOKEN) as rasa:
        assert (await rasa.status())["model_file"] == "fake.tar.gz"
    async with RasaNlu(fake.url, token="wrong") as rasa:
        with pytest.raises(RasaUnavailable, match="HTTP 401"):
            await rasa.status()
    async with RasaNlu(f"http://127.0.0.1:{free_port()}", timeout=0.5) as rasa:
        with pytest.raises(RasaUnavailable, match="does not answer"):
            await rasa.status()


async def test_empty_text_is_not_sent(fake: FakeRasa, local_engine: LocalNlu) -> None:
    async with RasaNlu(fake.url, token=TOKEN, fallback=local_engine) as rasa:
        result = await rasa.parse("  \x00 ")
    assert fake.seen == []
    assert result.intent_name == FALLBACK_INTENT
