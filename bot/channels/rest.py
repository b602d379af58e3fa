"""REST channel, compatible with Rasa 3.6's REST and callback input channels.

Checked against Rasa's own code (``rasa/core/channels/rest.py``, ``callback.py``,
``channel.py``' ``CollectingOutputChannel`` and ``console.py``, the ``rasa shell`` client):

``POST /webhooks/rest/webhook`` with ``{"sender": str | number, "message": str,
"message_id"?: str | number, "metadata"?: object}`` answers a JSON array of Rasa messages
(:mod:`bot.channels.rasa_messages`): ``{"recipient_id", "text"?, "buttons"?: [{"title",
"payload"}]}``, empty keys left out, one message per paragraph, asterisks fullwidth; a
document as ``{"recipient_id", "attachment": "<absolute URL>", "custom": {"payload":
"pdf_attachment", "title", "url", "filename", "mime_type", "size"}}``. With ``?stream=true``
the same messages come one JSON object per line (what ``rasa shell`` reads by default).
Sending a button's ``payload`` as ``message`` presses the button; ``/restart`` starts afresh,
``/get_started`` greets. A numeric ``sender`` is read as its decimal text; ``metadata``
reaches the handlers as ``data["metadata"]``.

``POST /webhooks/callback/webhook`` (Rasa's ``CallbackInput``): the same body; the replies
are POSTed to ``JIUZHU_REST_CALLBACK_URL``, one JSON message each, and then the answer is
the text ``success`` (like Rasa, after the message was handled). Later messages for that
resident (staff replies) are POSTed there too (:mod:`bot.channels.push`).

A document's URL (``GET /webhooks/rest/documents/<token>?sender=&exp=&sig=``) is absolute
(``JIUZHU_PUBLIC_URL``, else the request's scheme and host), signed, bound to the sender,
expiring after an hour, and works without the token (:mod:`bot.channels.documents`).

The token (``JIUZHU_REST_TOKEN``), when set, is required on the webhooks and on Rasa's
health path ``GET /webhooks/rest/`` (``{"status": "ok"}``), as ``Authorization: Bearer
<token>`` or as ``?token=<token>`` (what Rasa's clients send). Without a token: ``GET
/healthz`` (the process is alive) answers ``{"status": "ok"}``; ``GET /readyz`` answers 200
when the database answers a read and a write, Redis and the NLU answer, else 503 naming
what failed. A browser on an origin of ``JIUZHU_CORS_ORIGINS`` may call all of it
(:mod:`bot.channels.cors`).

Client mistakes get a JSON ``{"error": "..."}`` saying what was expected: 400 for a body
that is not the expected JSON, 401 for a missing or wrong token, 413 for a body over the
size limit, 502 when the callback URL did not take the replies. Nothing returns a traceback.
"""

from __future__ import annotations

import hmac
import json
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, web, web_response
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.log import server_logger
from aiohttp.web_request import BaseRequest

from bot.channels.cors import install_cors
from bot.channels.documents import DOCUMENTS_PATH, DocumentStore
from bot.channels.gateway import Document, Gateway
from bot.channels.locks import KeyedLocks
from bot.channels.push import CallbackPoster
from bot.channels.rasa_messages import to_rasa
from bot.channels.sanitise import clean_text
from store.pii import mask_text

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
HEALTH_PATH = "/webhooks/rest/"  # Rasa's channel health check
CALLBACK_PATH = "/webhooks/callback/webhook"
CALLBACK_HEALTH_PATH = "/webhooks/callback/"
PROBES = ("/", "/healthz", "/readyz")  # no token, nothing personal (/: the web chat page)
MAX_BODY = 64 * 1024  # bytes: room for a 4096-character message in any encoding
MAX_ID = 256  # characters of sender and message_id
STREAM_TYPE = "application/x-ndjson"
"""One JSON object per line. Rasa labels the same lines ``text/event-stream``, though they
are no SSE frames; its console reads lines and ignores the type."""

GATEWAY_KEY = web.AppKey("gateway", Gateway)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
    metadata: dict[str, Any]


class _BadRequest(Exception):
    def __init__(self, status: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status, self.message, self.close = status, message, close


Readiness = Callable[[], Awaitable[dict[str, str | None]]]


@dataclass(frozen=True)
class CallbackChannel:
    """Rasa's callback channel: its own gateway (channel ``callback``) and where replies go."""

    gateway: Gateway
    poster: CallbackPoster


def build_rest_app(
    gateway: Gateway,
    *,
    token: str | None = None,
    max_body: int = MAX_BODY,
    readiness: Readiness | None = None,
    documents: DocumentStore | None = None,
    open_prefixes: tuple[str, ...] = (),
    public_url: str = "",
    cors_origins: frozenset[str] = frozenset(),
    callback: CallbackChannel | None = None,
) -> web.Application:
    """The aiohttp application of the REST channel.

    :param gateway: the gateway feeding the dialogue (channel name ``rest``).
    :param token: token required on the webhooks and Rasa's health path; ``None``: open.
    :param max_body: largest accepted request body in bytes.
    :param readiness: the checks behind ``GET /readyz`` (:meth:`bot.app.AppContext.readiness`):
        name → problem or None. Without it ``/readyz`` reports nothing checked.
    :param documents: where documents wait for download (a new in-memory store by default).
    :param open_prefixes: paths with their own authentication (the staff app's ``/staff/``),
        exempt from the token and from CORS.
    :param public_url: the absolute base of document links (``JIUZHU_PUBLIC_URL``); empty:
        the scheme and host of the request that got the link.
    :param cors_origins: origins a browser may call from (:mod:`bot.channels.cors`).
    :param callback: Rasa's callback channel; None: ``/webhooks/callback/webhook`` is 404.
    """
    documents = documents or DocumentStore()
    callback_senders = KeyedLocks()
    # Signed links are their own credential: a widget opens them as plain links.
    exempt_prefixes = (*open_prefixes, DOCUMENTS_PATH + "/")

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            exempt = request.path in PROBES or request.path.startswith(exempt_prefixes)
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

    def linker(request: web.Request) -> Callable[[Document, str], Awaitable[str]]:
        base = public_url.rstrip("/") or f"{request.scheme}://{request.host}"

        async def link(document: Document, recipient: str) -> str:
            return base + await documents.put(document, recipient)

        return link

    async def webhook(request: web.Request) -> web.StreamResponse:
        inbound = await _read_inbound(request, max_body)
        replies = await gateway.handle(
            inbound.sender, inbound.message, inbound.message_id, inbound.metadata
        )
        messages = await to_rasa(replies, linker(request))
        if not _wants_stream(request):
            return web.json_response(messages, dumps=_dumps)
        # Rasa's RestInput streams each message as it is sent; ours are all known here
        # (the gateway collects a whole turn), so they go out at once, one line each.
        response = web.StreamResponse(headers={"Content-Type": f"{STREAM_TYPE}; charset=utf-8"})
        await response.prepare(request)
        for message in messages:
            await response.write((_dumps(message) + "\n").encode())
        await response.write_eof()
        return response

    async def callback_webhook(request: web.Request) -> web.Response:
        if callback is None:
            raise _BadRequest(404, "the callback channel is off: set JIUZHU_REST_CALLBACK_URL")
        inbound = await _read_inbound(request, max_body)
        # Held until the replies are posted: one sender's turns reach the URL in order.
        async with callback_senders.hold(inbound.sender):
            replies = await callback.gateway.handle(
                inbound.sender, inbound.message, inbound.message_id, inbound.metadata
            )
            try:
                await callback.poster.post(await callback.poster.messages(replies))
            except (ClientError, TimeoutError) as e:
                log.warning("the callback URL did not take the replies (%s)", type(e).__name__)
                raise _BadRequest(502, "the callback URL did not accept the replies; send the "
                                  "message again with the same message_id to have them "
                                  "posted again") from e  # fmt: skip
        return web.Response(text="success")

    async def download(request: web.Request) -> web.Response:
        q = request.query
        document = await documents.get(request.match_info["token"], q.get("sender", ""),
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
    for health in (HEALTH_PATH, CALLBACK_HEALTH_PATH):  # with and without the slash, as Sanic
        app.router.add_get(health, healthz)
        app.router.add_get(health.rstrip("/"), healthz)
    app.router.add_post(CALLBACK_PATH, callback_webhook)
    app.router.add_get(DOCUMENTS_PATH + "/{token}", download)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.on_response_prepare.append(no_version)
    install_cors(app, cors_origins, skip_prefixes=open_prefixes)
    _quiet_aiohttp()
    return app


def _wants_stream(request: web.Request) -> bool:
    """Rasa's ``bool_arg(request, "stream", default=False)``: only ``true``, in any case."""
    return request.query.get("stream", "").lower() == "true"


def _check_token(request: web.Request, token: str) -> None:
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() == "bearer":
        # Header bytes that are not UTF-8 arrive as surrogate escapes: compare them as bytes.
        presented = value.strip().encode("utf-8", "surrogateescape")
    else:  # Rasa's clients send ?token=<token> (rasa shell: always, empty when none)
        presented = request.query.get("token", "").encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(presented, token.encode()):
        raise _BadRequest(
            401, "missing or wrong token: send 'Authorization: Bearer <token>' or '?token=<token>'"
        )


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
    sender = _id_text(body.get("sender"))
    message, message_id = body.get("message"), _id_text(body.get("message_id"))
    metadata = body.get("metadata")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_ID:
        raise _BadRequest(
            400, f'"sender" must be a non-empty string (or a whole number) of at most {MAX_ID} '
            f"characters; {expected}"
        )  # fmt: skip
    if clean_text(sender) != unicodedata.normalize("NFC", sender):
        # Two senders must never clean to one conversation: refuse instead of repairing.
        raise _BadRequest(
            400, '"sender" must be printable Unicode text (no lone surrogates or control codes)'
        )
    if not isinstance(message, str):
        raise _BadRequest(400, f'"message" must be a string; {expected}')
    if message_id is not None and (not isinstance(message_id, str) or len(message_id) > MAX_ID):
        raise _BadRequest(400, f'"message_id" must be a string of at most {MAX_ID} characters')
    if metadata is not None and not isinstance(metadata, dict):
        raise _BadRequest(400, '"metadata" must be a JSON object, e.g. {"language": "en"}')
    return _Inbound(sender, message, message_id, metadata or {})


def _id_text(value: object) -> object:
    """A whole number as its decimal text (Rasa's clients send ids as numbers too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


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
