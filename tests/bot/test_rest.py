"""The REST channel over real HTTP on loopback (aiohttp AppRunner on a free port)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from bot.channels.gateway import Gateway
from bot.channels.rest import WEBHOOK_PATH, build_rest_app
from templates import texts

L10N = texts("bot")


@asynccontextmanager
async def serving(gateway: Gateway, **kwargs: object) -> AsyncIterator[str]:
    """Serve the REST app on 127.0.0.1 and a free port; yields the base URL."""
    runner = web.AppRunner(build_rest_app(gateway, **kwargs))  # type: ignore[arg-type]
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def post(
    base: str, body: object, *, headers: dict[str, str] | None = None, raw: bytes | None = None
) -> tuple[int, object]:
    async with aiohttp.ClientSession() as http:
        kwargs: dict[str, object] = {"data": raw} if raw is not None else {"json": body}
        async with http.post(base + WEBHOOK_PATH, headers=headers, **kwargs) as resp:
            assert resp.content_type == "application/json"
            return resp.status, await resp.json()


class TestWebhook:
    async def test_rasa_shape_and_button_round_trip(self, base: str) -> None:
        status, replies = await post(base, {"sender": "alice", "message": "/start"})
        assert status == 200
        [reply] = replies  # type: ignore[misc]
        assert set(reply) == {"recipient_id", "text", "buttons"}  # one paragraph, with buttons
        assert reply["recipient_id"] == "alice"
        assert reply["text"] == L10N.t("welcome")
        status_button = next(b for b in reply["buttons"] if b["title"] == "申请进度")
        # Sending a button's payload as the message presses it.
        status, replies = await post(
            base, {"sender": "alice", "message": status_button["payload"]}
        )
        assert status == 200
        assert [r["text"] for r in replies] == ["demo: menu status"]  # type: ignore[union-attr]

    async def test_cancel_in_a_flow(self, base: str) -> None:
        await post(base, {"sender": "alice", "message": "/demo"})
        _, replies = await post(base, {"sender": "alice", "message": "/cancel"})
        assert replies[0]["text"] == L10N.t("cancelled")  # type: ignore[index]
        _, replies = await post(base, {"sender": "alice", "message": "5"})
        assert replies[0]["text"] == "demo: text 5"  # type: ignore[index]

    async def test_duplicate_message_id_answered_once(self, base: str) -> None:
        body = {"sender": "alice", "message": "/count", "message_id": "wx-123"}
        first = await post(base, body)
        assert (
            first
            == await post(base, body)
            == (200, [{"recipient_id": "alice", "text": "demo: count 1"}])  # no "buttons": []
        )
        _, replies = await post(base, {**body, "message_id": "wx-124"})
        assert replies[0]["text"] == "demo: count 2"  # type: ignore[index]

    async def test_numeric_message_id_accepted(self, base: str) -> None:
        body = {"sender": "alice", "message": "/count", "message_id": 7}
        assert (await post(base, body))[1] == (await post(base, body))[1]

    async def test_per_sender_order_over_http(self, base: str, handled: list[str]) -> None:
        delays = ["0.04", "0.03", "0.02", "0.01"]
        async with aiohttp.ClientSession() as http:

            async def send(delay: str) -> None:
                body = {"sender": "alice", "message": f"/slow {delay}"}
                async with http.post(base + WEBHOOK_PATH, json=body) as resp:
                    assert resp.status == 200

            tasks = []
            for d in delays:  # start in order; each request is on the wire before the next
                tasks.append(asyncio.create_task(send(d)))
                await asyncio.sleep(0.002)
            await asyncio.gather(*tasks)
        assert handled == delays

    async def test_document_reply_and_download(self, base: str) -> None:
        _, replies = await post(base, {"sender": "alice", "message": "/doc"})
        caption, reply = replies  # type: ignore[misc]
        assert caption == {"recipient_id": "alice", "text": "demo: doc"}
        url = reply["attachment"]  # Rasa's send_attachment: the URL as a string
        assert url.startswith(base + "/webhooks/rest/documents/")  # absolute
        assert reply["custom"] == {"payload": "pdf_attachment", "title": "幸福清单.pdf",
                                   "url": url, "filename": "幸福清单.pdf",
                                   "mime_type": "application/pdf",
                                   "size": len(b"%PDF-1.4 demo")}  # fmt: skip
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 200
            assert resp.content_type == "application/pdf"
            assert await resp.read() == b"%PDF-1.4 demo"
        async with aiohttp.ClientSession() as http, http.get(url + "x") as resp:
            assert resp.status == 404
            assert "error" in await resp.json()

    async def test_healthz(self, base: str) -> None:
        async with aiohttp.ClientSession() as http, http.get(base + "/healthz") as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ok"}


class TestBadRequests:
    @pytest.mark.parametrize(
        ("raw", "needle"),
        [
            (b"{not json", "not UTF-8 JSON"),
            (b"\xff\xfe", "not UTF-8 JSON"),
            (b"", "not UTF-8 JSON"),
            (b"[1, 2]", "not an object"),
            (b'"hello"', "not an object"),
            (b'{"message": "hi"}', '"sender"'),
            (b'{"sender": "", "message": "hi"}', '"sender"'),
            (b'{"sender": 5.5, "message": "hi"}', '"sender"'),
            (b'{"sender": true, "message": "hi"}', '"sender"'),
            (b'{"sender": "alice", "message": "hi", "metadata": [1]}', '"metadata"'),
            (b'{"sender": "alice", "message": "hi", "metadata": "en"}', '"metadata"'),
            (b'{"sender": "alice"}', '"message"'),
            (b'{"sender": "alice", "message": 12}', '"message"'),
            (b'{"sender": "alice", "message": null}', '"message"'),
            (b'{"sender": "alice", "message": ["hi"]}', '"message"'),
            (b'{"sender": "alice", "message": "hi", "message_id": {"a": 1}}', '"message_id"'),
            (b'{"sender": "alice", "message": "hi", "message_id": true}', '"message_id"'),
        ],
    )
    async def test_malformed_body_is_a_400_saying_what_was_expected(
        self, base: str, raw: bytes, needle: str
    ) -> None:
        status, body = await post(
            base, None, raw=raw, headers={"Content-Type": "application/json"}
        )
        assert status == 400
        assert needle in body["error"]  # type: ignore[index]
        assert "Traceback" not in body["error"]  # type: ignore[index]

    async def test_oversized_body_is_a_413(self, base: str) -> None:
        raw = b'{"sender": "alice", "message": "' + b"a" * 100_000 + b'"}'
        status, body = await post(base, None, raw=raw)
        assert status == 413
        assert "bytes" in body["error"]  # type: ignore[index]

    async def test_long_message_within_the_body_limit_gets_a_polite_reply(self, base: str) -> None:
        status, replies = await post(base, {"sender": "alice", "message": "救" * 10_000})
        assert status == 200
        assert replies[0]["text"].startswith("您发的内容太长了")  # type: ignore[index]

    async def test_unknown_path_and_method_are_json(self, base: str) -> None:
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/nope") as resp:
                assert resp.status == 404 and "error" in await resp.json()
            async with http.get(base + WEBHOOK_PATH) as resp:
                assert resp.status == 405 and "error" in await resp.json()


class TestToken:
    @pytest.fixture
    async def secured(self, gateway: Gateway) -> AsyncIterator[str]:
        async with serving(gateway, token="s3cret") as url:
            yield url

    @pytest.mark.parametrize(
        "headers",
        [
            None,
            {"Authorization": "Bearer wrong"},
            {"Authorization": "s3cret"},
            {"Authorization": "Basic s3cret"},
        ],
    )
    async def test_missing_or_wrong_token_is_401(
        self, secured: str, headers: dict[str, str] | None
    ) -> None:
        status, body = await post(secured, {"sender": "a", "message": "/start"}, headers=headers)
        assert status == 401
        assert "Bearer" in body["error"] and "?token=" in body["error"]  # type: ignore[index]

    async def test_right_token_passes_and_healthz_is_open(self, secured: str) -> None:
        status, _ = await post(
            secured,
            {"sender": "a", "message": "/start"},
            headers={"Authorization": "Bearer s3cret"},
        )
        assert status == 200
        async with aiohttp.ClientSession() as http, http.get(secured + "/healthz") as resp:
            assert resp.status == 200


async def test_handler_crash_is_a_polite_reply_not_a_500(
    make_gateway: Callable[..., Gateway],
) -> None:
    gateway = make_gateway()
    async with serving(gateway) as base:
        await post(base, {"sender": "alice", "message": "/demo"})
        status, replies = await post(base, {"sender": "alice", "message": "boom"})
        assert status == 200
        assert replies[0]["text"] == L10N.t("error-generic")  # type: ignore[index]
