"""What Rasa 3.6's REST clients expect of the channel, over real HTTP on loopback.

Each expectation is read from Rasa's own code (``rasa/core/channels/rest.py``, ``channel.py``,
``console.py`` in the Rasa venv) or from the Chatbot-Widget's (JiteshGaikwad/Chatbot-Widget,
``static/js/components/chat.js``, ``pdfAttachment.js``); Rasa's console itself runs in
``test_rest_rasa_console.py``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from markdown_it import MarkdownIt

from bot.channels.cors import parse_origins
from bot.channels.gateway import Gateway
from bot.channels.rest import HEALTH_PATH, WEBHOOK_PATH, RedactedAccessLogger, build_rest_app
from templates import texts
from tests.bot.conftest import MASKED
from tests.bot.test_rest import post, serving

L10N = texts("bot")


async def stream(base: str, body: object, query: str = "stream=true") -> tuple[str, list[str]]:
    """POST with ``?stream=true``; returns the content type and the raw lines."""
    url = f"{base}{WEBHOOK_PATH}?{query}"
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as resp:
        assert resp.status == 200
        return resp.content_type, [line.decode() async for line in resp.content]


class TestStream:
    async def test_one_json_object_per_line_as_rasa_shell_reads_them(self, base: str) -> None:
        _, whole = await post(base, {"sender": "bob", "message": "/doc"})
        content_type, lines = await stream(base, {"sender": "alice", "message": "/doc"},
                                           query="stream=True")  # fmt: skip
        assert content_type == "application/x-ndjson"
        # console.py: `async for line in resp.content: if line: yield json.loads(line)`
        assert all(line.endswith("\n") and line.strip() for line in lines)
        messages = [json.loads(line) for line in lines]
        assert [m["text"] for m in messages if "text" in m] == ["demo: doc"]
        assert [set(m) for m in messages] == [set(m) for m in whole]  # type: ignore[union-attr]
        assert messages[1]["attachment"].startswith(base + "/webhooks/rest/documents/")

    # rasa.utils.endpoints.bool_arg: `str(value).lower() == "true"`, nothing else
    @pytest.mark.parametrize("query", ["stream=false", "stream=", "stream=1", "stream=yes"])
    async def test_stream_false_is_one_array(self, base: str, query: str) -> None:
        async with aiohttp.ClientSession() as http:
            url = f"{base}{WEBHOOK_PATH}?{query}"
            async with http.post(url, json={"sender": "a", "message": "/count"}) as resp:
                assert await resp.json() == [{"recipient_id": "a", "text": "demo: count 1"}]


class TestRasaShapes:
    @pytest.mark.parametrize("path", [HEALTH_PATH, "/webhooks/rest", "/webhooks/callback/"])
    async def test_rasa_health_path(self, base: str, path: str) -> None:
        async with aiohttp.ClientSession() as http, http.get(base + path) as resp:
            assert resp.status == 200 and await resp.json() == {"status": "ok"}

    async def test_a_numeric_sender_is_its_decimal_text(self, base: str) -> None:
        status, replies = await post(base, {"sender": 4418, "message": "/count"})
        assert status == 200 and replies == [{"recipient_id": "4418", "text": "demo: count 1"}]
        # ...and the same conversation as the string "4418".
        _, replies = await post(base, {"sender": "4418", "message": "/count"})
        assert replies[0]["text"] == "demo: count 2"  # type: ignore[index]

    async def test_metadata_reaches_the_handlers(self, base: str) -> None:
        body = {"sender": "a", "message": "/meta", "metadata": {"language": "en"}}
        assert (await post(base, body))[1][0]["text"] == "demo: language en"  # type: ignore[index]
        _, replies = await post(base, {"sender": "a", "message": "/meta"})
        assert replies[0]["text"] == "demo: language None"  # type: ignore[index]

    async def test_masked_names_stay_literal_under_markdown_and_paragraphs_are_messages(
        self, base: str
    ) -> None:
        _, replies = await post(base, {"sender": "a", "message": "/masked"})
        assert replies == [
            {"recipient_id": "a",
             "text": "覃＊＊（本人）：身份证 4418＊＊＊＊＊＊＊＊＊＊002X\n手机 138＊＊＊＊5678"},
            {"recipient_id": "a", "text": "每月合计：817 元"},
        ]  # fmt: skip
        markdown = MarkdownIt()  # CommonMark, as the widgets' Markdown renderers
        first = markdown.render(replies[0]["text"])  # type: ignore[index]
        assert "<em>" not in first and "<strong>" not in first and first.count("＊") == 16
        # What the text as the dialogue wrote it becomes in a Markdown widget:
        assert "<strong>" in markdown.render(MASKED.split("\n\n")[0])

    async def test_restart_forgets_and_get_started_greets(self, base: str) -> None:
        for _ in range(2):
            await post(base, {"sender": "a", "message": "/count"})
        _, replies = await post(base, {"sender": "a", "message": "/restart"})
        assert replies[0]["text"] == L10N.t("welcome")  # type: ignore[index]
        _, replies = await post(base, {"sender": "a", "message": "/count"})
        assert replies[0]["text"] == "demo: count 1"  # type: ignore[index]
        await post(base, {"sender": "a", "message": "/demo"})
        _, replies = await post(base, {"sender": "a", "message": "/get_started"})
        assert replies[0]["text"] == L10N.t("welcome")  # type: ignore[index]
        assert replies[0]["buttons"]  # type: ignore[index]
        _, replies = await post(base, {"sender": "a", "message": "7"})
        assert replies[0]["text"] == "demo: got 7"  # type: ignore[index]  # the flow stayed

    async def test_what_the_chatbot_widget_reads(self, base: str) -> None:
        """chat.js: ``buttons.length`` when the key is there, ``custom.payload ===
        "pdf_attachment"`` with ``custom.url``/``custom.title``, and ``return`` after it."""
        menu = (await post(base, {"sender": "w", "message": "/start"}))[1]
        doc = (await post(base, {"sender": "w", "message": "/doc"}))[1]
        for message in [*menu, *doc]:  # type: ignore[misc]
            assert "buttons" not in message or len(message["buttons"]) > 0
            assert "text" not in message or message["text"]
        *before, last = doc  # type: ignore[misc]
        assert last["custom"]["payload"] == "pdf_attachment" and last["custom"]["title"]
        assert all("custom" not in m for m in before)  # nothing after it goes unshown
        async with aiohttp.ClientSession() as http, http.get(last["custom"]["url"]) as resp:
            assert resp.status == 200  # a plain link: no header


class TestQueryToken:
    @pytest.fixture
    async def secured(self, gateway: Gateway) -> AsyncIterator[str]:
        async with serving(gateway, token="s3cret") as url:
            yield url

    async def test_token_in_the_query_as_rasa_clients_send_it(self, secured: str) -> None:
        async with aiohttp.ClientSession() as http:
            body = {"sender": "a", "message": "/count"}
            async with http.post(f"{secured}{WEBHOOK_PATH}?token=s3cret", json=body) as resp:
                assert resp.status == 200
            for token in ("", "wrong", "s3cre"):
                url = f"{secured}{WEBHOOK_PATH}?token={token}"
                async with http.post(url, json=body) as resp:
                    assert resp.status == 401
            async with http.get(secured + HEALTH_PATH) as resp:
                assert resp.status == 401
            async with http.get(f"{secured}{HEALTH_PATH}?token=s3cret") as resp:
                assert resp.status == 200

    async def test_the_document_link_needs_no_token(self, secured: str) -> None:
        headers = {"Authorization": "Bearer s3cret"}
        _, replies = await post(secured, {"sender": "a", "message": "/doc"}, headers=headers)
        url = replies[-1]["attachment"]  # type: ignore[index]
        assert "token" not in url
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 200 and await resp.read() == b"%PDF-1.4 demo"


async def test_a_query_token_stays_out_of_the_access_log(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    app = build_rest_app(gateway, token="q-s3cret-token")
    runner = web.AppRunner(app, access_log_class=RedactedAccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as http:
            url = f"{base}{WEBHOOK_PATH}?stream=true&token=q-s3cret-token"
            async with http.post(url, json={"sender": "a", "message": "/count"}) as resp:
                assert resp.status == 200
    finally:
        await runner.cleanup()
    logged = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any(WEBHOOK_PATH in line for line in logged)
    assert all("q-s3cret-token" not in line and "token=" not in line for line in logged)


class TestCors:
    ORIGIN = "https://widget.example.org"

    @pytest.fixture
    async def cors(self, gateway: Gateway) -> AsyncIterator[str]:
        origins = parse_origins(f"{self.ORIGIN}/, https://other.example.org")
        async with serving(gateway, token="t", cors_origins=origins) as url:
            yield url

    async def _preflight(self, base: str, origin: str) -> aiohttp.ClientResponse:
        headers = {"Origin": origin, "Access-Control-Request-Method": "POST",
                   "Access-Control-Request-Headers": "content-type,authorization"}  # fmt: skip
        async with (
            aiohttp.ClientSession() as http,
            http.options(base + WEBHOOK_PATH, headers=headers) as resp,
        ):
            await resp.read()
            return resp

    async def test_preflight_of_a_listed_origin(self, cors: str) -> None:
        resp = await self._preflight(cors, self.ORIGIN)
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == self.ORIGIN
        allowed = resp.headers["Access-Control-Allow-Headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed
        assert "POST" in resp.headers["Access-Control-Allow-Methods"]
        assert "Access-Control-Allow-Credentials" not in resp.headers

    async def test_an_unlisted_origin_gets_no_cors(self, cors: str) -> None:
        resp = await self._preflight(cors, "https://evil.example.net")
        assert resp.status == 403 and "Access-Control-Allow-Origin" not in resp.headers
        headers = {"Origin": "https://evil.example.net", "Authorization": "Bearer t"}
        async with aiohttp.ClientSession() as http:
            body = {"sender": "a", "message": "/count"}
            async with http.post(cors + WEBHOOK_PATH, json=body, headers=headers) as resp:
                assert "Access-Control-Allow-Origin" not in resp.headers

    @pytest.mark.parametrize("auth", ["Bearer t", "Bearer wrong"])
    async def test_answers_and_refusals_carry_the_origin(self, cors: str, auth: str) -> None:
        headers = {"Origin": self.ORIGIN, "Authorization": auth}
        async with aiohttp.ClientSession() as http:
            for query in ("", "?stream=true"):
                url = cors + WEBHOOK_PATH + query
                body = {"sender": "a", "message": "/count"}
                async with http.post(url, json=body, headers=headers) as resp:
                    assert resp.status == (200 if auth == "Bearer t" else 401)
                    assert resp.headers["Access-Control-Allow-Origin"] == self.ORIGIN
                    assert resp.headers["Vary"] == "Origin"

    async def test_any_origin_without_credentials(self, gateway: Gateway) -> None:
        async with serving(gateway, cors_origins=parse_origins("*")) as base:
            resp = await self._preflight(base, "https://anyone.example")
        assert resp.status == 204 and resp.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in resp.headers

    async def test_no_origins_no_cors(self, base: str) -> None:
        resp = await self._preflight(base, self.ORIGIN)
        assert resp.status == 403

