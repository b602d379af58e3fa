"""REST channel, compatible with Rasa's REST input channel.

``POST /webhooks/rest/webhook`` with ``{"sender": str, "message": str, "message_id"?: str}``
returns ``[{"recipient_id", "text", "buttons": [{"title", "payload"}]}]``. Sending a
button's ``payload`` as ``message`` presses the button. A document reply carries
``"document": {"filename", "mime_type", "size", "url"}``; ``GET url`` downloads it (same
token, kept one hour, then gone). ``GET /healthz`` answers ``{"status": "ok"}`` without a
token.

Client mistakes get a JSON ``{"error": "..."}`` saying what was expected: 400 for a body
that is not the expected JSON, 401 for a missing or wrong bearer token, 413 for a body over
the size limit. Nothing returns a traceback.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.channels.gateway import Document, Gateway, Reply
from bot.channels.sanitise import clean_text

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
DOCUMENTS_PATH = "/webhooks/rest/documents"
MAX_BODY = 64 * 1024  # bytes: room for a 4096-character message in any encoding
MAX_ID = 256  # characters of sender and message_id

GATEWAY_KEY = web.AppKey("gateway", Gateway)
_dumps = partial(json.dumps, ensure_ascii=False)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DocumentStore:
    """Documents waiting to be downloaded: random tokens, kept ``ttl`` seconds, bounded.

    :param ttl: seconds a document stays downloadable.
    :param max_items: documents kept at once (oldest dropped first).
    :param clock: seconds (``time.monotonic``).
    """

    def __init__(
        self,
        ttl: float = 3600.0,
        max_items: int = 500,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl, self.max_items, self.clock = ttl, max_items, clock
        self._items: OrderedDict[str, tuple[float, Document]] = OrderedDict()

    def put(self, document: Document) -> str:
        """Keep ``document``; returns its token."""
        token = secrets.token_urlsafe(24)
        self._items[token] = (self.clock(), document)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)
        return token

    def get(self, token: str) -> Document | None:
        """The document, or ``None`` if unknown or expired."""
        item = self._items.get(token)
        if item is None or self.clock() - item[0] > self.ttl:
            self._items.pop(token, None)
            return None
        return item[1]


@dataclass(frozen=True)
class _Inbound:
    sender: str
    message: str
    message_id: str | None


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def build_rest_app(
    gateway: Gateway, *, token: str | None = None, max_body: int = MAX_BODY
) -> web.Application:
    """The aiohttp application of the REST channel.

    :param gateway: the gateway feeding the dialogue (channel name ``rest``).
    :param token: bearer token required on the webhook and downloads; ``None``: open.
    :param max_body: largest accepted request body in bytes.
    """
    documents = DocumentStore()

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            if token is not None and request.path != "/healthz":
                _check_token(request, token)
            return await handler(request)
        except _BadRequest as e:
            return _error(e.status, e.message)
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
        return web.json_response([_serialise(reply, documents) for reply in replies], dumps=_dumps)

    async def download(request: web.Request) -> web.Response:
        document = documents.get(request.match_info["token"])
        if document is None:
            return _error(404, "no such document (documents can be downloaded for one hour)")
        disposition = f"attachment; filename*=UTF-8''{_quote(document['filename'])}"
        return web.Response(
            body=document["data"],
            content_type=document["mime_type"],
            headers={"Content-Disposition": disposition},
        )

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(middlewares=[guard], client_max_size=max_body)
    app[GATEWAY_KEY] = gateway
    app.router.add_post(WEBHOOK_PATH, webhook)
    app.router.add_get(DOCUMENTS_PATH + "/{token}", download)
    app.router.add_get("/healthz", healthz)
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
        raise _BadRequest(400, f"body could not be decoded; {expected}") from e
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


def _serialise(reply: Reply, documents: DocumentStore) -> dict[str, Any]:
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
            "url": f"{DOCUMENTS_PATH}/{documents.put(document)}",
        }
    return out


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=_dumps)


def _quote(filename: str) -> str:
    return quote(filename, safe="")
