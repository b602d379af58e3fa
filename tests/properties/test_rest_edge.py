"""For any request at the REST edge: no 5xx, JSON back, no traceback, nothing personal logged.

Bodies are arbitrary JSON (deep, wide, any code point including lone surrogates), arbitrary
bytes, and well-formed messages with hostile strings; headers include any Authorization
and Content-Encoding.
"""

from __future__ import annotations

import json

import aiohttp
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.rest import WEBHOOK_PATH
from tests.properties.conftest import PERSONAL, World

ANY_TEXT = st.text(st.characters(codec=None), max_size=60) | st.sampled_from(
    ["\ud800", "a\udfff", "\x00", "\u202e同意", "😀" * 20, "同意", "/start", "menu:apply", ""]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)
MESSAGES = st.fixed_dictionaries(
    {"sender": ANY_TEXT, "message": ANY_TEXT},
    optional={"message_id": ANY_TEXT | st.integers() | st.none() | st.booleans()},
)


def _encode(value: object) -> bytes:
    # ensure_ascii keeps lone surrogates as \\ud800 escapes, as a client's JSON would.
    return json.dumps(value).encode()


BODIES = (
    MESSAGES.map(_encode)
    | JSON.map(_encode)
    | st.binary(max_size=200)
    | st.integers(1, 3000).map(lambda depth: b"[" * depth + b"]" * depth)
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Authorization": st.sampled_from(["Bearer token", "Bearer wrong", "Basic x", "", "Bearer"])
        | st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30),
        "Content-Encoding": st.sampled_from(["gzip", "deflate", "br", "identity", "x-nope"]),
        "Content-Type": st.sampled_from(["application/json", "text/plain", "x/y; charset=gbk"]),
    },
)


@given(body=BODIES, headers=HEADERS)
def test_no_request_gets_a_5xx_or_a_traceback(
    world: World, body: bytes, headers: dict[str, str]
) -> None:
    async def send() -> tuple[int, object]:
        sent = {"Authorization": "Bearer token", **headers}
        url = world.base + WEBHOOK_PATH
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data=body, headers=sent) as resp,
        ):
            return resp.status, await resp.json(content_type=None)

    before = len(world.logs.lines)
    status, answer = world.run(send())  # type: ignore[misc]
    assert status < 500, answer
    assert "Traceback" not in json.dumps(answer)
    if status == 200:
        assert isinstance(answer, list)
        assert all(isinstance(r["recipient_id"], str) and isinstance(r["text"], str)
                   for r in answer)  # fmt: skip
    else:
        assert isinstance(answer, dict) and set(answer) == {"error"}
    logged = "\n".join(world.logs.lines[before:])
    assert not any(value in logged for value in PERSONAL)
