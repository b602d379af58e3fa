"""Rasa's callback channel (``CallbackInput``/``CallbackOutput`` in Rasa 3.6's
``rasa/core/channels/callback.py``): the webhook answers ``success`` and every reply is
POSTed, one JSON message each, to the integrator's endpoint, both over real loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.channels.documents import DocumentStore
from bot.channels.gateway import Gateway
from bot.channels.push import CallbackPoster
from bot.channels.rest import CALLBACK_PATH, CallbackChannel, build_rest_app


class Endpoint:
    """The integrator's callback endpoint: records each POST; can be made to fail."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[str | None] = []
        self.failing = False

    async def handle(self, request: web.Request) -> web.Response:
        if self.failing:
            return web.Response(status=503)
        self.received.append(await request.json())
        self.headers.append(request.headers.get("Authorization"))
        return web.Response(text="ok")


@asynccontextmanager
async def listen(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[Endpoint, str]]:
    recorder = Endpoint()
    app = web.Application()
    app.router.add_post("/bot", recorder.handle)
    async with listen(app) as base:
        yield recorder, base + "/bot"


@asynccontextmanager
async def channel(
    make_gateway: Callable[..., Gateway], url: str, token: str | None = None
) -> AsyncIterator[str]:
    """The REST app with the callback channel on; yields its base URL."""
    documents = DocumentStore()
    poster = CallbackPoster(url, documents, public_url="", token=token)
    callback = CallbackChannel(Gateway(make_gateway().dispatcher, channel="callback"), poster)
    app = build_rest_app(make_gateway(), token=token, documents=documents, callback=callback)
    async with listen(app) as base:
        poster.public_url = base  # links point at this server, as JIUZHU_PUBLIC_URL would
        try:
            yield base
        finally:
            await poster.close()


async def send(base: str, body: object, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + CALLBACK_PATH, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.text()


async def test_replies_are_posted_one_message_each_and_the_answer_is_success(
    make_gateway: Callable[..., Gateway], endpoint: tuple[Endpoint, str]
) -> None:
    recorder, url = endpoint
    async with channel(make_gateway, url) as base:
        assert await send(base, {"sender": "cb-1", "message": "/doc"}) == (200, "success")
        caption, document = recorder.received
        assert caption == {"recipient_id": "cb-1", "text": "demo: doc"}
        assert document["recipient_id"] == "cb-1"
        assert document["custom"]["payload"] == "pdf_attachment"
        async with aiohttp.ClientSession() as http, http.get(document["attachment"]) as resp:
            assert resp.status == 200 and await resp.read() == b"%PDF-1.4 demo"


async def test_buttons_pressed_by_payload_and_state_kept(
    make_gateway: Callable[..., Gateway], endpoint: tuple[Endpoint, str]
) -> None:
    recorder, url = endpoint
    async with channel(make_gateway, url) as base:
        await send(base, {"sender": 7, "message": "/demo"})
        [prompt] = recorder.received
        assert prompt["recipient_id"] == "7" and prompt["buttons"][0]["title"] == "跳过"
        await send(base, {"sender": 7, "message": prompt["buttons"][0]["payload"]})
        assert [m.get("text") for m in recorder.received[1:]] == [
            "skipped", "demo: skipped (was demo: a number please)"
        ]  # fmt: skip


async def test_a_failing_endpoint_is_a_502_and_a_retry_posts_the_same_replies(
    make_gateway: Callable[..., Gateway], endpoint: tuple[Endpoint, str]
) -> None:
    recorder, url = endpoint
    body = {"sender": "cb-2", "message": "/count", "message_id": "m-1"}
    async with channel(make_gateway, url) as base:
        recorder.failing = True
        status, answer = await send(base, body)
        assert status == 502 and "message_id" in answer
        recorder.failing = False
        assert await send(base, body) == (200, "success")  # the same message again
        assert recorder.received == [{"recipient_id": "cb-2", "text": "demo: count 1"}]


async def test_the_token_guards_the_callback_webhook_and_goes_to_the_endpoint(
    make_gateway: Callable[..., Gateway], endpoint: tuple[Endpoint, str]
) -> None:
    recorder, url = endpoint
    async with channel(make_gateway, url, token="t0k") as base:
        status, _ = await send(base, {"sender": "cb-3", "message": "/count"})
        assert status == 401 and recorder.received == []
        async with aiohttp.ClientSession() as http:
            body = {"sender": "cb-3", "message": "/count"}
            async with http.post(f"{base}{CALLBACK_PATH}?token=t0k", json=body) as resp:
                assert await resp.text() == "success"
        assert recorder.headers == ["Bearer t0k"]


async def test_without_a_callback_url_the_channel_is_off(gateway: Gateway) -> None:
    async with listen(build_rest_app(gateway)) as base:
        status, answer = await send(base, {"sender": "a", "message": "hi"})
    assert status == 404 and "JIUZHU_REST_CALLBACK_URL" in answer


async def test_turns_of_one_sender_are_posted_in_order(
    make_gateway: Callable[..., Gateway], endpoint: tuple[Endpoint, str]
) -> None:
    recorder, url = endpoint
    async with channel(make_gateway, url) as base:
        delays = ["0.03", "0.02", "0.01"]
        tasks = []
        for d in delays:  # each request on the wire before the next
            body = {"sender": "cb-4", "message": f"/slow {d}"}
            tasks.append(asyncio.create_task(send(base, body)))
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
    assert [m["text"] for m in recorder.received] == [f"demo: slow {d}" for d in delays]
