"""Issue 9, finding 6: hostile requests at the REST edge get a clear 4xx, never a 500.

Sent as raw bytes over a real loopback socket, so that nothing in a client library cleans
them first.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from bot.channels.gateway import Gateway
from bot.channels.rest import WEBHOOK_PATH
from bot.dispatcher import build_dispatcher
from tests.bot.test_rest import serving


async def raw_post(base: str, body: bytes, headers: dict[str, bytes]) -> tuple[int, dict]:
    """POST ``body`` with exactly these header bytes; returns (status, JSON body)."""
    url = urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    head = [f"POST {WEBHOOK_PATH} HTTP/1.1".encode(), f"Host: {url.netloc}".encode(),
            b"Content-Type: application/json", f"Content-Length: {len(body)}".encode(),
            b"Connection: close"]  # fmt: skip
    head += [name.encode() + b": " + value for name, value in headers.items()]
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    await writer.drain()
    response = await reader.read()
    writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(payload)


def _body(**fields: object) -> bytes:
    return json.dumps({"sender": "s", "message": "你好", **fields}).encode()


CASES = {
    "lone surrogate in sender": (b'{"sender": "a\\ud800", "message": "hi"}', {}, 400),
    "control character in sender": (b'{"sender": "a\\u0000b", "message": "hi"}', {}, 400),
    "JSON nested 980 deep": (b"[" * 980 + b"]" * 980, {}, 400),
    "JSON object nested 5000 deep": (b'{"a":' * 5000 + b"1" + b"}" * 5000, {}, 400),
    "a bad gzip body": (b"\x1f\x8b not gzip at all", {"Content-Encoding": b"gzip"}, 400),
    "a truncated gzip body": (gzip.compress(_body())[:20], {"Content-Encoding": b"gzip"}, 400),
    "a non-ASCII byte in Authorization": (_body(), {"Authorization": b"Bearer t\xffken"}, 401),
    "a non-UTF-8 Authorization": (_body(), {"Authorization": b"Bearer \xe4\xb8"}, 401),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_hostile_requests_get_a_clear_4xx(
    gateway: Gateway, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, headers, expected = CASES[case]
    caplog.set_level(logging.DEBUG)
    async with serving(gateway, token="token") as base:
        auth = {"Authorization": b"Bearer token"} if "Authorization" not in headers else {}
        status, answer = await raw_post(base, body, {**auth, **headers})
    assert status == expected
    assert set(answer) == {"error"} and "Traceback" not in answer["error"]
    # A client's mistake is not an error of ours: no traceback logged (aiohttp logged the bad
    # gzip body as "Unhandled exception" when it read on after the reply).
    logged = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert logged == []


async def test_a_lone_surrogate_in_the_message_is_cleaned_not_a_500(gateway: Gateway) -> None:
    async with serving(gateway) as base:
        status, answer = await raw_post(base, b'{"sender": "s", "message": "/count\\ud800"}', {})
    assert status == 200 and isinstance(answer, list)


async def test_a_reply_holding_a_lone_surrogate_is_sent_not_a_500() -> None:
    # Input is cleaned at the edge; a reply can still carry one (a handler, department data).
    router = Router()

    @router.message(Command("odd"))
    async def odd(message: Message) -> None:
        await message.answer("半个\ud800字")
        await message.answer_document(BufferedInputFile(b"%PDF", filename="清单\udc00.pdf"))

    gateway = Gateway(build_dispatcher(extra_routers=[router]), channel="rest")
    async with serving(gateway) as base:
        status, answer = await raw_post(base, b'{"sender": "s", "message": "/odd"}', {})
        assert status == 200 and answer[0]["text"] == "半个\ufffd字"
        url = answer[-1]["attachment"]
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200 and await response.read() == b"%PDF"


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Phone\x01: 13800441825\r\n\r\n",
        b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 13800441825x\r\n\r\n",
    ],
    ids=["a control character in a header name", "a Content-Length that is not a number"],
)
async def test_a_request_aiohttp_refuses_logs_no_input_and_no_versions(
    gateway: Gateway, request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    # aiohttp answers these itself, before the app: it logged them at ERROR with a traceback
    # quoting the bytes, and its 400 named aiohttp's and Python's versions.
    caplog.set_level(logging.DEBUG)
    async with serving(gateway) as base:
        url = urlsplit(base)
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.write(request_bytes)
        await writer.drain()
        response = await reader.read()
        writer.close()
    head = response.partition(b"\r\n\r\n")[0].split(b"\r\n")
    assert head[0].split()[1] == b"400" and b"Server: jiuzhu" in head
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert all("13800441825" not in r.getMessage() for r in caplog.records)
