"""REST channel, compatible with Rasa's REST input channel.

``POST /webhooks/rest/webhook`` with ``{"sender": str, "message": str, "message_id"?: str}``
returns ``[{"recipient_id", "text", "buttons": [{"title", "payload"}]}]``. Sending a
button's ``payload`` as ``message`` presses the button. A document reply carries
``"document": {"filename", "mime_type", "size", "url"}``; ``GET url`` downloads it (same
token, kept one hour, then gone). Without a token: ``GET /healthz`` (the process is alive)
answers ``{"status": "ok"}``; ``GET /readyz`` answers 200 when the database answers a read
and a write, Redis and the NLU answer, else 503 naming what failed.

Client mistakes get a JSON ``{"error": "..."}`` saying what was expected: 400 for a body
that is not the expected JSON, 401 for a missing or wrong bearer token, 413 for a body over
the size limit. Nothing returns a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web, web_response
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.log import server_logger
from aiohttp.web_request import BaseRequest

from bot.channels.gateway import Document, Gateway, Reply
from bot.channels.sanitise import clean_text
from store.pii import mask_text

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
PROBES = ("/", "/healthz", "/readyz")  # no token, nothing personal (/: the web chat page)
DOCUMENTS_PATH = "/webhooks/rest/documents"
MAX_BODY = 64 * 1024  # bytes: room for a 4096-character message in any encoding
MAX_ID = 256  # characters of sender and message_id

GATEWAY_KEY = web.AppKey("gateway", Gateway)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DocumentStore:
    """Documents waiting to be downloaded, each for the one sender it was made for.

    A document's URL carries its random token, the sender, an expiry and an HMAC-SHA256 of
    the three under a key of this process: a URL works only for that sender, until then,
    and cannot be altered. Documents live in this process's memory, bounded.

    :param ttl: seconds a document stays downloadable.
    :param max_items: documents kept at once (oldest dropped first).
    :param clock: wall-clock seconds (the expiry is written into the URL).
    """

    def __init__(
        self,
        ttl: float = 3600.0,
        max_items: int = 500,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl, self.max_items, self.clock = ttl, max_items, clock
        self._key = secrets.token_bytes(32)
        self._items: OrderedDict[str, tuple[str, Document]] = OrderedDict()

    def put(self, document: Document, sender: str) -> str:
        """Keep ``document`` for ``sender``; returns its path with the signed query."""
        token = secrets.token_urlsafe(24)
        self._items[token] = (sender, document)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)
        expires = int(self.clock() + self.ttl)
        query = urlencode({"sender": sender, "exp": expires,
                           "sig": self._sign(token, sender, expires)})  # fmt: skip
        return f"{DOCUMENTS_PATH}/{token}?{query}"

    def get(self, token: str, sender: str, expires: str, signature: str) -> Document | None:
        """The document, or None unless the URL is intact, unexpired and ``sender``'s."""
        item = self._items.get(token)
        if item is None or not expires.isdigit():
            return None
        if not hmac.compare_digest(self._sign(token, sender, int(expires)), signature):
            return None
        if int(expires) < self.clock():
            self._items.pop(token, None)
            return None
        return item[1] if hmac.compare_digest(item[0].encode(), sender.encode()) else None

    def _sign(self, token: str, sender: str, expires: int) -> str:
        message = f"{token}\0{sender}\0{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


class RedactedAccessLogger(AbstractAccessLogger):
    """aiohttp's access log without what a URL may carry: document tokens, senders, queries.

    One line per request: method, path (percent-encoded as received, ID numbers and phones
    masked, a document's token as ``<document>``), status, bytes and milliseconds.
    """

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        # The path as sent (still percent-encoded: no line breaks to forge log lines with),
        # without its query, and masked: a client may put an ID number or phone in it.
        path = mask_text(request.raw_path.partition("?")[0])
        if path.startswith(DOCUMENTS_PATH + "/"):
            path = DOCUMENTS_PATH + "/<document>"
        self.logger.info(
            "%s %s %s %s %.1fms",
            request.method, path, response.status, response.body_length, time * 1000,
        )  # fmt: skip


class _RefusedRequestsWithoutInput(logging.Filter):
    """aiohttp's log of a request its HTTP parser refused, as one line without the request.

    aiohttp logs it at ERROR with a traceback that quotes the offending bytes (a header may
    hold a token or a phone number); a client's malformed request is not our error either.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        cause = getattr(exc, "__cause__", None)
        if isinstance(exc, HttpProcessingError) or isinstance(cause, HttpProcessingError):
            record.msg = "refused a malformed HTTP request (%s)"
            record.args = (type(exc).__name__,)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def _quiet_aiohttp() -> None:
    """What aiohttp writes before the app sees a request: no input in logs, no versions.

    Process-wide (aiohttp has no per-app setting for either); idempotent.
    """
    if not any(isinstance(f, _RefusedRequestsWithoutInput) for f in server_logger.filters):
        server_logger.addFilter(_RefusedRequestsWithoutInput())
    # The parser's own 400s are made by aiohttp, past ``on_response_prepare``.
    web_response.SERVER_SOFTWARE = "jiuzhu"


@dataclass(frozen=True)
class _Inbound:
    sender: str
    message: str
    message_id: str | None


class _BadRequest(Exception):
    def __init__(self, status: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status, self.message, self.close = status, message, close


Readiness = Callable[[], Awaitable[dict[str, str | None]]]


def build_rest_app(
    gateway: Gateway,
    *,
    token: str | None = None,
    max_body: int = MAX_BODY,
    readiness: Readiness | None = None,
    documents: DocumentStore | None = None,
    open_prefixes: tuple[str, ...] = (),
) -> web.Application:
    """The aiohttp application of the REST channel.

    :param gateway: the gateway feeding the dialogue (channel name ``rest``).
    :param token: bearer token required on the webhook and downloads; ``None``: open.
    :param max_body: largest accepted request body in bytes.
    :param readiness: the checks behind ``GET /readyz`` (:meth:`bot.app.AppContext.readiness`):
        name → problem or None. Without it ``/readyz`` reports nothing checked.
    :param documents: where documents wait for download (a new store by default).
    :param open_prefixes: paths with their own authentication (the staff app's ``/staff/``),
        exempt from the bearer token.
    """
    documents = documents or DocumentStore()

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            exempt = request.path in PROBES or request.path.startswith(open_prefixes or ("\0",))
            if token is not None and not exempt:
                _check_token(request, token)
            return await handler(request)
        except _BadRequest as e:
            response = _error(e.status, e.message)
            if e.close:  # the connection's stream is no longer in a known state
                response.force_close()
            return response
        except web.HTTPException as e:  # 404, 405 from routing: JSON like the rest
            if e.status < 400:
                raise
            return _error(e.status, e.reason)
        except Exception:
            log.exception("REST request failed")
            return _error(500, "internal error; the message was not handled, please retry")

    async def webhook(request: web.Request) -> web.Response:
        inbound = await _read_inbound(request, max_body)
        replies = await gateway.handle(inbound.sender, inbound.message, inbound.message_id)
        out = [_serialise(reply, documents, inbound.sender) for reply in replies]
        return web.json_response(out, dumps=_dumps)

    async def download(request: web.Request) -> web.Response:
        q = request.query
        document = documents.get(request.match_info["token"], q.get("sender", ""),
                                 q.get("exp", ""), q.get("sig", ""))  # fmt: skip
        if document is None:
            return _error(
                404, "no such document for this sender (a link works for one hour, unaltered)"
            )
        disposition = f"attachment; filename*=UTF-8''{_quote(document['filename'])}"
        return web.Response(
            body=document["data"],
            content_type=document["mime_type"],
            headers={"Content-Disposition": disposition},
        )

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        checks = await readiness() if readiness is not None else {}
        failing = {name: problem for name, problem in checks.items() if problem}
        body = {"status": "unavailable" if failing else "ready",
                "checks": {name: problem or "ok" for name, problem in checks.items()}}  # fmt: skip
        return web.json_response(body, status=503 if failing else 200, dumps=_dumps)

    async def no_version(_: web.Request, response: web.StreamResponse) -> None:
        response.headers["Server"] = "jiuzhu"  # aiohttp's default names its and Python's version

    app = web.Application(middlewares=[guard], client_max_size=max_body)
    app[GATEWAY_KEY] = gateway
    app.router.add_post(WEBHOOK_PATH, webhook)
    app.router.add_get(DOCUMENTS_PATH + "/{token}", download)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.on_response_prepare.append(no_version)
    _quiet_aiohttp()
    return app


def _check_token(request: web.Request, token: str) -> None:
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    # Header bytes that are not UTF-8 arrive as surrogate escapes: compare them as bytes.
    presented = value.strip().encode("utf-8", "surrogateescape")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented, token.encode()):
        raise _BadRequest(401, "missing or wrong token: send 'Authorization: Bearer <token>'")


async def _read_inbound(request: web.Request, max_body: int) -> _Inbound:
    expected = 'expected a JSON object {"sender": "<id>", "message": "<text>"}'
    if request.content_length is not None and request.content_length > max_body:
        raise _BadRequest(413, f"request body over {max_body} bytes; {expected}")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as e:
        raise _BadRequest(413, f"request body over {max_body} bytes; {expected}") from e
    except Exception as e:  # a body its Content-Encoding does not decode (bad gzip...)
        # Else aiohttp reads on after the reply, meets the decoding error again and logs it
        # as an unhandled exception with a traceback: the rest of this body is not wanted.
        request.content.feed_eof()
        raise _BadRequest(400, f"body could not be decoded; {expected}", close=True) from e
    try:
        body = json.loads(raw.decode("utf-8-sig"))  # tolerate a BOM
    except (UnicodeDecodeError, ValueError) as e:
        raise _BadRequest(400, f"body is not UTF-8 JSON; {expected}") from e
    except RecursionError as e:
        raise _BadRequest(400, f"body is nested too deeply; {expected}") from e
    if not isinstance(body, dict):
        raise _BadRequest(400, f"body is JSON but not an object; {expected}")
    sender, message, message_id = body.get("sender"), body.get("message"), body.get("message_id")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_ID:
        raise _BadRequest(
            400, f'"sender" must be a non-empty string of at most {MAX_ID} characters; {expected}'
        )
    if clean_text(sender) != unicodedata.normalize("NFC", sender):
        # Two senders must never clean to one conversation: refuse instead of repairing.
        raise _BadRequest(
            400, '"sender" must be printable Unicode text (no lone surrogates or control codes)'
        )
    if not isinstance(message, str):
        raise _BadRequest(400, f'"message" must be a string; {expected}')
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if message_id is not None and (not isinstance(message_id, str) or len(message_id) > MAX_ID):
        raise _BadRequest(400, f'"message_id" must be a string of at most {MAX_ID} characters')
    return _Inbound(sender, message, message_id)


def _serialise(reply: Reply, documents: DocumentStore, sender: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "recipient_id": reply["recipient_id"],
        "text": reply["text"],
        "buttons": reply["buttons"],
    }
    document = reply.get("document")
    if document is not None:
        out["document"] = {
            "filename": document["filename"],
            "mime_type": document["mime_type"],
            "size": len(document["data"]),
            "url": documents.put(document, sender),
        }
    return out


def _dumps(obj: object) -> str:
    """JSON text that encodes as UTF-8 whatever the replies hold.

    Input is cleaned at the edge, but a reply can still carry a lone surrogate (a handler,
    department data): it becomes U+FFFD instead of failing the whole response with a 500.
    """
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=_dumps)


def _quote(filename: str) -> str:
    return quote(filename, safe="", errors="replace")  # a lone surrogate: "?", not a 500
