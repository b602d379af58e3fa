"""Issue 9, finding 8: what the REST channel leaves behind — links, logs, headers, keys.

Real HTTP on loopback, the real Redis on 127.0.0.1:6379 and real subprocesses.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web

from bot.channels.gateway import Gateway, chat_id_of
from bot.channels.rest import DocumentStore, RedactedAccessLogger, build_rest_app
from bot.storage import make_storage
from tests.bot.conftest import FakeClock
from tests.bot.test_rest import post, serving


async def _document_url(base: str, sender: str) -> str:
    _, replies = await post(base, {"sender": sender, "message": "/doc"})
    # An absolute link, Rasa's "attachment" (it works without the token: it is signed).
    return next(m["attachment"] for m in replies if "attachment" in m)  # type: ignore[union-attr]


async def _status(url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status


async def test_a_document_link_works_for_its_sender_only_and_not_for_long(
    gateway: Gateway,
) -> None:
    clock = FakeClock()
    async with serving(gateway, documents=DocumentStore(ttl=3600, clock=clock)) as base:
        url = await _document_url(base, "alice")
        assert await _status(url) == 200
        query = parse_qs(urlsplit(url).query)
        other = url.replace(f"sender={query['sender'][0]}", "sender=bob")
        assert await _status(other) == 404  # another sender
        forged = url.replace(f"exp={query['exp'][0]}", f"exp={int(query['exp'][0]) + 3600}")
        assert await _status(forged) == 404  # a later expiry, same signature
        sig = query["sig"][0]
        tampered = url.replace(f"sig={sig}", f"sig={sig[:-1]}{'0' if sig[-1] != '0' else '1'}")
        assert await _status(tampered) == 404  # the signature itself altered
        assert await _status(url.split("?")[0]) == 404  # the bare token is no bearer
        clock.advance(3601)
        assert await _status(url) == 404  # expired


async def test_the_access_log_has_no_document_token_and_no_query(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    runner = web.AppRunner(build_rest_app(gateway), access_log_class=RedactedAccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        url = await _document_url(base, "alice-13800441825")
        assert await _status(url) == 200
    finally:
        await runner.cleanup()
    token = urlsplit(url).path.rsplit("/", 1)[1]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "aiohttp.access")
    assert "/webhooks/rest/documents/<document>" in logged
    assert token not in logged and "sig=" not in logged and "13800441825" not in logged


async def test_no_version_in_the_server_header(gateway: Gateway) -> None:
    async with serving(gateway) as base, aiohttp.ClientSession() as http:
        for path in ("/healthz", "/webhooks/rest/webhook", "/nowhere"):
            async with http.get(base + path) as response:
                assert response.headers["Server"] == "jiuzhu", path


def test_production_refuses_to_serve_without_a_token(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env |= {"JIUZHU_ENV": "production", "JIUZHU_SECRET_KEY": "x" * 32,
            "JIUZHU_DATA_DIR": str(tmp_path)}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "jiuzhu", "serve", "--port", "0"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "JIUZHU_REST_TOKEN" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.redis
async def test_every_redis_key_expires_and_logout_clears_the_buttons(
    make_gateway: Callable[..., Gateway],
) -> None:
    storage = make_storage("redis://127.0.0.1:6379/0")
    sender = f"hygiene-{secrets.token_hex(6)}"
    redis = storage.redis  # type: ignore[attr-defined]
    pattern = f"jiuzhu:{chat_id_of(sender, 'rest')}:*"
    try:
        gateway = make_gateway(storage=storage)
        for message in ("/demo", "12", "/count"):
            await gateway.handle(sender, message)
        keys = await redis.keys(pattern)
        assert any(b"jiuzhu-buttons" in k for k in keys)
        ttls = [await redis.ttl(k) for k in keys]
        assert ttls and all(0 < ttl <= 48 * 3600 for ttl in ttls)
        await gateway.handle(sender, "/logout")
        left = [await redis.get(k) for k in await redis.keys(pattern) if b"jiuzhu-buttons" in k]
        assert all(b"demo:" not in (value or b"") for value in left)  # only the new menu
    finally:
        if keys := await redis.keys(pattern):
            await redis.delete(*keys)
        await storage.close()
