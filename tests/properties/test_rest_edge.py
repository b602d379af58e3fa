"""For any request at the REST edge: no 5xx, JSON back, no traceback, nothing personal logged.

Requests go over real HTTP on loopback, written byte by byte (a client library would refuse
to send most of them): arbitrary JSON (deep, wide, any code point including lone
surrogates, NaN), arbitrary bytes, nesting up to the body limit, any ``Content-Encoding``
with a body that does or does not match it, any ``Authorization`` bytes, chunked or not,
and well-formed messages with hostile ``sender``, ``message`` and ``message_id`` values.

Every response: a status under 500, a JSON body without a traceback — a list of replies
with string ``recipient_id`` and ``text`` for 200, ``{"error": str}`` otherwise. Only
requests that aiohttp's HTTP parser refuses before the application sees them (a control
character in a header, say) get aiohttp's own plain-text 400; they must still be a 400.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import unicodedata
import zlib
from dataclasses import dataclass
from typing import Any

from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from bot.channels.rest import MAX_BODY, MAX_ID, WEBHOOK_PATH
from tests.properties.conftest import PERSONAL, TOKEN, TRACEBACK, Harness, examples

# --- strings -------------------------------------------------------------------------------

SPECIAL = [
    "\ud800", "\udfff", "a\ud800b", "\ud83d\ude00",  # lone surrogates, and a pair as two
    "\x00", "\x01\x1b[31m", "\x7f", "\r\n", "\u202e", "\u200b", "\ufeff", "\u2028",
    "😀", "👨‍👩‍👧", "你好", "我想申请低保", "同意", "覃秀梅", " ", "\t", "\u3000", "",
    "44182519900305902X", "13800441825", "/start", "signin:agree", "menu:apply",
    "Traceback (most recent call last):", "%s%n", "{{ 7*7 }}", "<script>", "null",
]  # fmt: skip
ANY_CHAR = st.characters(codec=None, exclude_categories=())  # every code point, surrogates too
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.sampled_from(SPECIAL),
    st.lists(st.sampled_from(SPECIAL) | st.text(ANY_CHAR, max_size=5), max_size=6).map("".join),
)
PLAIN_SENDER = st.from_regex(r"[A-Za-z0-9_.@+-]{1,40}", fullmatch=True)

# --- JSON values ---------------------------------------------------------------------------

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=25,
)
MESSAGE_IDS = st.one_of(
    st.none(),
    TEXT,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.text(max_size=300),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers()),
)
SHAPED = st.fixed_dictionaries(
    {"sender": TEXT | PLAIN_SENDER | JSON, "message": TEXT | JSON},
    optional={"message_id": MESSAGE_IDS, "metadata": JSON, "sender ": TEXT},
)


def encode(value: Any, ensure_ascii: bool) -> bytes:
    """JSON text of ``value``; without ``ensure_ascii`` a lone surrogate stays one (that is
    not UTF-8: the body must then be refused)."""
    return json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")


# --- a raw HTTP/1.1 client -----------------------------------------------------------------


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


async def exchange(
    port: int, headers: list[bytes], body: bytes, *, chunked: bool = False
) -> Response | None:
    """POST ``body`` to the webhook with ``headers`` (whole lines, no CRLF) as given."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"POST {WEBHOOK_PATH} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    head += headers
    if chunked:
        pieces = [body[i : i + 1000] for i in range(0, len(body), 1000)]
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        head.append(b"Transfer-Encoding: chunked")
    else:
        payload = body
        head.append(b"Content-Length: %d" % len(body))
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + payload)
    with contextlib.suppress(ConnectionError):  # answered before reading it all (413)
        await writer.drain()
    data = b""
    try:
        while chunk := await reader.read(65536):
            data += chunk
    except ConnectionError:
        pass
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return parse(data)


def parse(data: bytes) -> Response | None:
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
        body, rest2 = b"", rest
        while rest2:
            size_line, _, rest2 = rest2.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            body, rest2 = body + rest2[:size], rest2[size + 2 :]
        rest = body
    return Response(status, fields.get(b"content-type", b"").decode("latin-1"), rest)


# --- the properties --------------------------------------------------------------------------


def check(h: Harness, response: Response | None, marks: tuple[int, int]) -> Any:
    """The properties of every response; returns the decoded JSON (None: parser refusal)."""
    leaks_before, errors_before = marks
    assert response is not None, "the server closed the connection without an answer"
    note(f"{response.status} {response.content_type} {response.text[:300]!r}")
    event(f"status {response.status}")
    h.stats[f"status {response.status}"] += 1
    if response.status >= 500:  # one failure per cause: raised from what the server logged
        raise AssertionError(f"{response.status}: {response.text[:500]}") from h.logs.failure(
            errors_before
        )
    assert not TRACEBACK.search(response.text), response.text[:2000]
    leaked = h.logs.leaks[leaks_before:]
    assert not leaked, f"personal data logged in clear: {leaked[:3]}"
    if response.status == 400 and response.content_type.startswith("text/plain"):
        return None  # aiohttp's HTTP parser refused the request before the application
    assert response.content_type.startswith("application/json"), response.content_type
    answer = json.loads(response.body.decode("utf-8"))
    if response.status == 200:
        assert isinstance(answer, list), answer
        for reply in answer:
            assert isinstance(reply, dict), reply
            assert isinstance(reply.get("recipient_id"), str), reply
            assert isinstance(reply.get("text"), str), reply
            assert isinstance(reply.get("buttons", []), list), reply
    else:
        assert isinstance(answer, dict) and isinstance(answer.get("error"), str), answer
    return answer


def send(
    h: Harness, headers: list[bytes], body: bytes, *, token: bool = False, chunked: bool = False
) -> tuple[Response | None, tuple[int, int]]:
    marks = len(h.logs.leaks), h.logs.error_count
    port = h.token_port if token else h.open_port
    return h.run(exchange(port, headers, body, chunked=chunked)), marks


JSON_TYPE = [b"Content-Type: application/json"]
BEARER = [b"Authorization: Bearer " + TOKEN.encode()]


@settings(max_examples=examples(60))
@given(value=JSON | SHAPED, ensure_ascii=st.booleans(), token=st.booleans())
def test_any_json_body(harness: Harness, value: Any, ensure_ascii: bool, token: bool) -> None:
    body = encode(value, ensure_ascii)
    response, marks = send(harness, JSON_TYPE + BEARER, body, token=token)
    answer = check(harness, response, marks)
    assert response is not None and answer is not None
    if response.status == 200:  # only a JSON object with a string sender and message
        assert isinstance(value, dict), value
        assert isinstance(value.get("sender"), str) and isinstance(value.get("message"), str)


CONTENT_TYPES = st.sampled_from([
    b"application/json", b"application/json; charset=utf-8", b"application/json; charset=gbk",
    b"text/plain", b"multipart/form-data; boundary=x", b"application/x-www-form-urlencoded",
    b"", b"\xff\xfe", b"application/json; charset=\xe4\xb8\xad",
])  # fmt: skip


@settings(max_examples=examples(40))
@given(body=st.binary(max_size=3000), content_type=CONTENT_TYPES, chunked=st.booleans())
def test_any_bytes_body(harness: Harness, body: bytes, content_type: bytes, chunked: bool) -> None:
    headers = [b"Content-Type: " + content_type]
    check(harness, *send(harness, headers, body, chunked=chunked))


HEADER_BYTES = st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
AUTHORIZATION = st.one_of(
    st.just(b"Bearer " + TOKEN.encode()),
    st.sampled_from(
        [
            b"",
            b"Bearer",
            b"Bearer ",
            b"bearer " + TOKEN.encode(),
            b"Basic eDp5",
            b"Bearer  " + TOKEN.encode() + b"  ",
            b"Bearer " + TOKEN.encode()[:-1],
            "Bearer 令牌".encode(),
            b"Bearer \xff\xfe",
            b"Bearer " + b"a" * 8000,
        ]
    ),
    HEADER_BYTES,
    HEADER_BYTES.map(lambda b: b"Bearer " + b),
)
ENCODINGS = st.sampled_from(
    [b"gzip", b"deflate", b"br", b"identity", b"x-gzip", b"gzip, deflate", b"GZIP", b"", b"zz"]
)
BODY_CODINGS = st.sampled_from(["plain", "gzip", "deflate", "raw-deflate", "truncated-gzip"])
MESSAGE = {"sender": "edge-headers", "message": "/menu"}


def coded(body: bytes, how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(body)
    if how == "deflate":
        return zlib.compress(body)
    if how == "raw-deflate":
        c = zlib.compressobj(wbits=-15)
        return c.compress(body) + c.flush()
    if how == "truncated-gzip":
        return gzip.compress(body)[:-7]
    return body


@settings(max_examples=examples(60))
@given(
    authorization=st.none() | AUTHORIZATION,
    encoding=st.none() | ENCODINGS,
    coding=BODY_CODINGS,
    bomb=st.booleans(),
    extra=st.lists(
        st.tuples(st.from_regex(rb"[A-Za-z-]{1,12}", fullmatch=True), HEADER_BYTES), max_size=3
    ),
    token=st.booleans(),
    chunked=st.booleans(),
)
def test_any_headers(
    harness: Harness,
    authorization: bytes | None,
    encoding: bytes | None,
    coding: str,
    bomb: bool,
    extra: list[tuple[bytes, bytes]],
    token: bool,
    chunked: bool,
) -> None:
    raw = b" " * (4 * MAX_BODY) + json.dumps(MESSAGE).encode() if bomb else json.dumps(MESSAGE)
    raw = raw if isinstance(raw, bytes) else raw.encode()
    headers = JSON_TYPE[:]
    if authorization is not None:
        headers.append(b"Authorization: " + authorization)
    if encoding is not None:
        headers.append(b"Content-Encoding: " + encoding)
    headers += [name + b": " + value for name, value in extra]
    response, marks = send(harness, headers, coded(raw, coding), token=token, chunked=chunked)
    check(harness, response, marks)
    assert response is not None
    if token and response.status == 200:
        assert authorization is not None and TOKEN.encode() in authorization, authorization
    if bomb and response.status == 200:
        raise AssertionError("a body over the limit once decoded was accepted")


@settings(max_examples=examples(30))
@given(
    depth=st.integers(1, MAX_BODY // 2 + 100),
    shape=st.sampled_from(["list", "object", "in-message", "in-sender", "in-message-id"]),
    gzipped=st.booleans(),
)
def test_deep_nesting(harness: Harness, depth: int, shape: str, gzipped: bool) -> None:
    if shape == "list":
        body = b"[" * depth + b"]" * depth
    elif shape == "object":
        body = b'{"a":' * depth + b"1" + b"}" * depth
    else:
        field = {"in-message": b"message", "in-sender": b"sender", "in-message-id": b"message_id"}
        rest = {
            b"message": b'"sender":"deep",',
            b"sender": b'"message":"hi",',
            b"message_id": b'"sender":"deep","message":"hi",',
        }[field[shape]]
        body = b"{" + rest + b'"' + field[shape] + b'":' + b"[" * depth + b"]" * depth + b"}"
    headers = JSON_TYPE[:]
    if gzipped:
        body = gzip.compress(body)
        headers.append(b"Content-Encoding: gzip")
    check(harness, *send(harness, headers, body))


@settings(max_examples=examples(60))
@given(
    sender=TEXT | PLAIN_SENDER | st.text(min_size=250, max_size=300),
    message=TEXT | st.text(max_size=5000) | st.sampled_from(["好" * 4097, "x" * 4096]),
    message_id=MESSAGE_IDS,
    with_id=st.booleans(),
    ensure_ascii=st.booleans(),
)
def test_any_sender_and_message(
    harness: Harness,
    sender: str,
    message: str,
    message_id: Any,
    with_id: bool,
    ensure_ascii: bool,
) -> None:
    value: dict[str, Any] = {"sender": sender, "message": message}
    if with_id:
        value["message_id"] = message_id
    body = encode(value, ensure_ascii)
    response, marks = send(harness, JSON_TYPE, body)
    answer = check(harness, response, marks)
    assert response is not None and answer is not None
    plain_id = (
        not with_id
        or message_id is None
        or (
            isinstance(message_id, str | int)
            and not isinstance(message_id, bool)
            and len(str(message_id)) <= MAX_ID
            and _printable(str(message_id))
        )
    )
    if len(body) > MAX_BODY:
        assert response.status == 413, answer
    elif PLAIN_SENDER_RE(sender) and plain_id and (ensure_ascii or _printable(message)):
        assert response.status == 200, answer  # a well-formed message is always answered
    if response.status == 200:
        assert answer, "a message got no reply at all"
        # The sender as the server read it: JSON joins "\ud800\udc00" escapes into one
        # character, as a UTF-16 client means them.
        wire = json.loads(body.decode("utf-8"))["sender"]
        cleaned = unicodedata.normalize("NFC", wire)
        assert all(r["recipient_id"] == cleaned for r in answer), (sender, answer)


BURST_TEXT = st.sampled_from(["/start", "/menu", "我想申请低保", "同意", "menu:apply", "你好", ""])


@settings(max_examples=examples(8))
@given(
    texts=st.lists(BURST_TEXT | TEXT, min_size=1, max_size=20),
    concurrent=st.booleans(),
)
def test_bursts_are_all_answered(
    harness: Harness, throttled_port: int, texts: list[str], concurrent: bool
) -> None:
    """With the rate limit on, a sender sending fast gets an answer to every message."""
    sender = harness.new_sender("burst")
    bodies = [
        encode({"sender": sender, "message": t, "message_id": f"{sender}-{i}"}, True)
        for i, t in enumerate(texts)
    ]

    async def all_of_them() -> list[Response | None]:
        send_one = [exchange(throttled_port, JSON_TYPE, b) for b in bodies]
        if concurrent:
            return list(await asyncio.gather(*send_one))
        return [await one for one in send_one]

    marks = len(harness.logs.leaks), harness.logs.error_count
    for response in harness.run(all_of_them()):
        answer = check(harness, response, marks)
        assert response is not None and response.status == 200, answer
        assert answer and all(r["text"].strip() for r in answer), f"dropped: {answer}"


def _printable(text: str) -> bool:
    return not any(unicodedata.category(ch) == "Cs" for ch in text)


def PLAIN_SENDER_RE(sender: str) -> bool:
    return 0 < len(sender) <= 40 and all(
        ch.isascii() and (ch.isalnum() or ch in "_.@+-") for ch in sender
    )


def test_personal_bits_cover_every_story_member() -> None:
    # The log checks above are only as good as this list.
    assert sum(v.endswith("name") for v in PERSONAL.values()) >= 16
