"""The web chat page at ``/``: the ``web`` channel, in plain HTML, CSS and a little JS.

Routes (``WebChat.mount`` adds ``/`` to the served app and the rest under ``/chat``):

- ``GET /``: the page, for a browser (``Accept`` names ``text/html``); any other client (a
  health checker) gets ``{"status": "ok"}``, 200.
- ``POST /chat/api/messages`` ``{"message": str, "message_id"?: str}`` →
  ``{"replies": [Reply...], "new": bool}``. A button's ``payload`` sent as ``message``
  presses it; a repeated ``message_id`` returns the earlier replies (a retry after a lost
  answer). ``new`` is true when this request started the conversation (no or an expired
  cookie). Any ``sender`` field is ignored.
- ``POST /chat/api/language`` ``{"lang": "zh_CN" | "en"}`` → ``{"lang", "html_lang",
  "texts", "replies", "new"}``: the page's texts in that language, and the dialogue's answer
  to ``/language <lang>``.
- ``GET /chat/api/events``: server-sent events, one ``message`` event ``{"replies": [...]}``
  per message staff left (a caseworker's reply, outreach, a notice with its documents); 204
  without a conversation (the page opens the stream again after its first message).
- ``GET /chat/documents?t=&exp=&sig=``: a document of this conversation, one hour (all in
  the query, which the access log leaves out).
- ``GET /chat/static/<file>``: the page's CSS and JS (``templates/web/static/``).

A page ``Reply`` is ``{"from": "assistant" | "staff", "text": str, "buttons"?:
[{"title", "payload"} | {"title", "url"}], "document"?: {"filename", "size", "url",
"label"}}``.

Who is talking is never the browser's choice: the sender (``web-`` and 24 random
characters) is issued here and kept in an encrypted session cookie (aiohttp-session's
``EncryptedCookieStorage``, Fernet, key derived from ``JIUZHU_SECRET_KEY``; ``HttpOnly``,
``SameSite=Strict``, ``Secure`` per :attr:`~jiuzhu.settings.Settings.secure_cookies`), so the
page needs no REST token and cannot speak for anyone else. Every POST must be JSON and
carry an ``Origin`` naming this host (a cross-site form or script is refused with 403). The
page is served with a strict Content-Security-Policy (own scripts and styles only).

Messages staff leave for a web resident reach the open page without a reload: the
``web`` pusher (:class:`~bot.channels.webchat_live.LivePages`) wakes this process's stream at
once; each stream looks in the outbox when it opens and, on PostgreSQL (several workers),
every :data:`POLL_SECONDS` for messages another worker queued.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import jinja2
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiohttp import web
from aiohttp_session import Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from aiohttp_sse import sse_response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.documents import DocumentStore
from bot.channels.gateway import Document, Gateway, Reply, chat_id_of
from bot.channels.webchat_live import LivePages, NoOpenPage
from bot.middlewares.db import sender_hash
from bot.middlewares.handoff import back_to_menu
from staff import relay
from store.crypto import derive_key
from store.session import transaction
from templates import DEFAULT_LOCALE, ROOT, texts

log = logging.getLogger(__name__)

CHANNEL = "web"
PREFIX = "/chat"
MESSAGES_PATH = PREFIX + "/api/messages"
LANGUAGE_PATH = PREFIX + "/api/language"
EVENTS_PATH = PREFIX + "/api/events"
DOCUMENTS_PATH = PREFIX + "/documents"
WEB_TEMPLATES = ROOT / "web"

COOKIE = "jiuzhu_web"
SESSION_MAX_AGE = timedelta(hours=12)
"""[A] A conversation's cookie lives 12 hours from its start (absolute, not sliding): long
enough for a day's errand, short on a shared computer (proven identity lasts 30 minutes
anyway, :data:`bot.conversation.IDENTITY_TTL`)."""
POLL_SECONDS = 4.0
"""[A] How often an open page's stream looks in the outbox for messages another worker
queued (the staff console polls every 4 s too), and whether its page is still there."""
SEND_TIMEOUT = 10.0
"""[A] Seconds one event may take to leave for the browser before the stream is dropped."""
MAX_BODY = 64 * 1024  # bytes, as the REST channel: room for a 4096-character message
MAX_MESSAGE_ID = 64  # characters; the page sends 32
LOCALES = {"zh_CN": "zh-CN", "en": "en"}
"""Page locale (``templates/<locale>/webchat.yml``) → the HTML ``lang`` attribute."""
PAGE_TEXTS = (
    "page-title", "app-name", "intro", "log-label", "who-you", "who-assistant", "who-staff",
    "buttons-label", "input-label", "input-hint", "send", "sending", "lang-group",
    "lang-zh", "lang-en", "error-network", "error-refused", "new-conversation",
)  # fmt: skip
"""The texts the page shows and its script swaps when the language changes."""
SENDER, LANG = "sender", "lang"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # document links carry their signature
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class WebSessions:
    """The conversation cookie: who this browser is (``sender``) and the page's language.

    :param secret: the operator's key material (:meth:`jiuzhu.settings.Settings.secret`).
    :param secure: mark the cookie ``Secure`` (HTTPS only).
    """

    def __init__(self, secret: bytes, *, secure: bool) -> None:
        self.storage = EncryptedCookieStorage(
            derive_key(secret, b"webchat-session"), cookie_name=COOKIE,
            max_age=int(SESSION_MAX_AGE.total_seconds()), path="/", secure=secure,
            httponly=True, samesite="Strict",
        )  # fmt: skip

    async def read(self, request: web.Request) -> Session:
        """The request's session; empty when there is no cookie, or it expired or was altered."""
        return await self.storage.load_session(request)

    async def conversation(self, request: web.Request) -> tuple[Session, str, bool]:
        """``(session, sender, started)``: the cookie's sender, or a new one (``started``)."""
        session = await self.read(request)
        sender = sender_of(session)
        if sender is not None:
            return session, sender, False
        session[SENDER] = f"web-{secrets.token_urlsafe(18)}"
        return session, session[SENDER], True

    async def save(self, request: web.Request, response: web.StreamResponse,
                   session: Session) -> None:  # fmt: skip
        """Set the cookie on ``response`` (before it is sent)."""
        await self.storage.save_session(request, response, session)


def sender_of(session: Session) -> str | None:
    """The sender this session was issued, or None."""
    sender = session.get(SENDER)
    return sender if isinstance(sender, str) and sender.startswith("web-") else None


class WebChat:
    """The web chat page and its API, for one gateway (channel ``web``).

    :param gateway: ``Gateway(ctx.dispatcher, channel="web")``.
    :param sessions: the conversation cookie.
    :param sessionmaker: the database, for the outbox of staff messages.
    :param documents: where documents wait for download, the REST channel's (in Redis when
        workers share one, so any worker serves a link); a new in-memory store by default.
    :param live: the open pages (the ``web`` pusher); a new registry by default.
    :param poll_outbox: each stream looks in the outbox every :data:`POLL_SECONDS`, for what
        other workers queued; False (SQLite: one process, whose pushes reach its pages) looks
        only when the stream opens, so a stream never holds one of SQLite's two pooled
        connections while a turn may need it.
    """

    def __init__(
        self,
        gateway: Gateway,
        sessions: WebSessions,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        documents: DocumentStore | None = None,
        live: LivePages | None = None,
        poll_outbox: bool = True,
    ) -> None:
        self.gateway, self.sessions, self.sessionmaker = gateway, sessions, sessionmaker
        self.documents = documents or DocumentStore()
        self.live = live or LivePages()
        self.poll_outbox = poll_outbox
        self._pages = jinja2.Environment(
            loader=jinja2.FileSystemLoader(WEB_TEMPLATES), autoescape=True,
            undefined=jinja2.StrictUndefined,
        )  # fmt: skip

    def mount(self, app: web.Application) -> None:
        """Serve the page at ``/`` of ``app`` and the rest under :data:`PREFIX`."""
        app.router.add_get("/", self.page)
        chat = web.Application(middlewares=[_errors], client_max_size=MAX_BODY)
        chat.router.add_post(MESSAGES_PATH.removeprefix(PREFIX), self.messages)
        chat.router.add_post(LANGUAGE_PATH.removeprefix(PREFIX), self.language)
        chat.router.add_get(EVENTS_PATH.removeprefix(PREFIX), self.events)
        chat.router.add_get(DOCUMENTS_PATH.removeprefix(PREFIX), self.download)
        chat.router.add_static("/static", WEB_TEMPLATES / "static")
        app.add_subapp(PREFIX, chat)

        async def stop_streams(_: web.Application) -> None:
            self.live.stop()

        app.on_shutdown.append(stop_streams)

    # --- handlers ------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        """The page for a browser; ``{"status": "ok"}`` for anything else (health checks)."""
        if "text/html" not in request.headers.get("Accept", ""):
            return web.json_response({"status": "ok"})
        locale = _locale(await self.sessions.read(request))
        html = self._pages.get_template("chat.html").render(
            html_lang=LOCALES[locale], locale=locale, t=texts("webchat", locale).t,
            texts=self._texts(locale), messages_path=MESSAGES_PATH,
            language_path=LANGUAGE_PATH, events_path=EVENTS_PATH, prefix=PREFIX,
        )  # fmt: skip
        return web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)

    async def messages(self, request: web.Request) -> web.Response:
        """One message (typed, or a button's payload) of the cookie's conversation."""
        body = await _posted(request)
        message, message_id = body.get("message"), body.get("message_id")
        if not isinstance(message, str):
            raise _Refused(400, 'expected a JSON object {"message": "<text>"}')
        if message_id is not None and not (
            isinstance(message_id, str) and 0 < len(message_id) <= MAX_MESSAGE_ID
        ):
            msg = f'"message_id" must be a string of 1 to {MAX_MESSAGE_ID} characters'
            raise _Refused(400, msg)
        session, sender, started = await self.sessions.conversation(request)
        replies = await self.gateway.handle(sender, message, message_id)
        locale = _locale(session)
        out = {"replies": [await self._shown(r, sender, locale) for r in replies],
               "new": started}  # fmt: skip
        response = _json(out)
        if started:
            await self.sessions.save(request, response, session)
        return response

    async def language(self, request: web.Request) -> web.Response:
        """The page's language for this browser, told to the dialogue as ``/language``."""
        body = await _posted(request)
        lang = body.get("lang")
        if lang not in LOCALES:
            raise _Refused(400, f'"lang" must be one of {", ".join(LOCALES)}')
        session, sender, started = await self.sessions.conversation(request)
        session[LANG] = lang
        replies = await self.gateway.handle(sender, f"/language {lang}")
        response = _json({
            "lang": lang, "html_lang": LOCALES[lang], "texts": self._texts(lang),
            "replies": [await self._shown(r, sender, lang) for r in replies], "new": started,
        })  # fmt: skip
        await self.sessions.save(request, response, session)
        return response

    async def events(self, request: web.Request) -> web.StreamResponse:
        """The stream of staff messages for the cookie's conversation (until the page goes)."""
        session = await self.sessions.read(request)
        sender = sender_of(session)
        if sender is None:  # no conversation yet: nothing can be waiting
            return web.Response(status=204)
        hashed = sender_hash(chat_id_of(sender, CHANNEL))
        locale = _locale(session)
        async with (
            sse_response(request, send_timeout=SEND_TIMEOUT,
                         headers={"Cache-Control": "no-store"}) as stream,
            self.live.page(sender) as page,
        ):  # fmt: skip
            try:
                await self._show_waiting(stream, sender, hashed, locale)
                while stream.is_connected() and not page.closed:
                    pushed = await page.next(POLL_SECONDS)
                    if pushed is None:
                        if self.poll_outbox:
                            await self._show_waiting(stream, sender, hashed, locale)
                        continue
                    delivery, done = pushed
                    try:
                        await self._send(stream, sender, locale, [delivery])
                    except BaseException:
                        if not done.done():
                            done.set_exception(NoOpenPage())
                        raise
                    if not done.done():
                        done.set_result(None)
                    await self._after_shown([delivery])
            except (ConnectionError, TimeoutError):
                pass  # the page was closed or its network went away
        return stream

    async def download(self, request: web.Request) -> web.Response:
        """A document of the cookie's conversation; 404 with a sentence for anyone else."""
        session = await self.sessions.read(request)
        q = request.query
        document = await self.documents.get(q.get("t", ""), sender_of(session) or "",
                                            q.get("exp", ""), q.get("sig", ""))  # fmt: skip
        if document is None:
            gone = texts("webchat", _locale(session)).t("document-gone")
            return web.Response(status=404, text=gone, headers=PAGE_HEADERS)
        filename = quote(document["filename"], safe="", errors="replace")
        return web.Response(
            body=document["data"], content_type=document["mime_type"],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
                     "Content-Security-Policy": "sandbox", "Cache-Control": "no-store",
                     "X-Content-Type-Options": "nosniff"},
        )  # fmt: skip

    # --- outbox --------------------------------------------------------------------------

    async def _show_waiting(self, stream: Any, sender: str, hashed: str, locale: str) -> None:
        async with transaction(self.sessionmaker) as db:
            deliveries = await relay.take_undelivered(db, hashed)
        if not deliveries:
            return
        try:
            await self._send(stream, sender, locale, deliveries)
        except BaseException:
            async with transaction(self.sessionmaker) as db:  # not shown: they wait again
                await relay.unclaim(db, [d.id for d in deliveries])
            raise
        await self._after_shown(deliveries)

    async def _send(self, stream: Any, sender: str, locale: str,
                    deliveries: Iterable[relay.Delivery]) -> None:  # fmt: skip
        replies: list[dict[str, Any]] = []
        for d in deliveries:
            replies.append({"from": "staff", "text": d.text})
            for a in d.attachments:
                document: Document = {"filename": a.filename, "mime_type": a.mime_type,
                                      "data": a.data}  # fmt: skip
                link = await self._link(document, sender, locale)
                replies.append({"from": "staff", "text": "", "document": link})
        await stream.send(json.dumps({"replies": replies}, ensure_ascii=False), event="message")

    async def _after_shown(self, deliveries: Iterable[relay.Delivery]) -> None:
        """A case closed ("the assistant is back"): the dialogue restarts at the menu."""
        for d in deliveries:
            if d.reset_conversation:
                chat_id = chat_id_of(d.address, CHANNEL)
                key = StorageKey(bot_id=self.gateway.bot.id, chat_id=chat_id, user_id=chat_id)
                await back_to_menu(FSMContext(self.gateway.dispatcher.storage, key))

    # --- shapes --------------------------------------------------------------------------

    async def _shown(self, reply: Reply, sender: str, locale: str) -> dict[str, Any]:
        out: dict[str, Any] = {"from": "assistant", "text": reply["text"]}
        buttons = [
            {"title": b["title"], "url": b["url"]} if "url" in b
            else {"title": b["title"], "payload": b["payload"]}
            for b in reply["buttons"]
            if "request" not in b  # a contact or location only a Telegram client can send
        ]  # fmt: skip
        if buttons:
            out["buttons"] = buttons
        document = reply.get("document")
        if document is not None:
            out["document"] = await self._link(document, sender, locale)
        return out

    async def _link(self, document: Document, sender: str, locale: str) -> dict[str, Any]:
        """The document kept for ``sender``, as a link on this page's download route.

        The store signs token, sender and expiry; the sender is not in the link (it is the
        cookie's), so the link works in this browser's conversation only.
        """
        signed = urlsplit(await self.documents.put(document, sender))
        token, query = signed.path.rsplit("/", 1)[-1], parse_qs(signed.query)
        # All in the query, which the access log leaves out (bot.channels.rest).
        url = f"{DOCUMENTS_PATH}?" + urlencode(
            {"t": token, "exp": query["exp"][0], "sig": query["sig"][0]}
        )
        size = len(document["data"])
        label = texts("webchat", locale).t(
            "document-link", filename=document["filename"], kb=max(1, round(size / 1024))
        )
        return {"filename": document["filename"], "size": size, "url": url, "label": label}

    def _texts(self, locale: str) -> dict[str, str]:
        catalogue = texts("webchat", locale)
        return {key: catalogue.t(key) for key in PAGE_TEXTS}


def _locale(session: Session) -> str:
    lang = session.get(LANG)
    return lang if lang in LOCALES else DEFAULT_LOCALE


async def _posted(request: web.Request) -> dict[str, Any]:
    """The JSON object POSTed by this site's page.

    :raises _Refused: 403 when ``Origin`` is missing or another site's (a cross-site form or
        script: browsers always send it on a POST), 415 unless the body is JSON, 400 unless
        it is a JSON object, 413 over :data:`MAX_BODY`.
    """
    origin = request.headers.get("Origin")
    if origin is None or urlsplit(origin).netloc != request.host:
        raise _Refused(403, "cross-site request refused: POST from this site's chat page")
    if request.content_type != "application/json":
        raise _Refused(415, "expected Content-Type: application/json")
    try:
        body = json.loads(await request.text())
    except web.HTTPRequestEntityTooLarge as e:
        raise _Refused(413, f"request body over {MAX_BODY} bytes") from e
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _Refused(400, "body is not UTF-8 JSON") from e
    if not isinstance(body, dict):
        raise _Refused(400, "expected a JSON object")
    return body


def _json(body: object) -> web.Response:
    return web.json_response(body, dumps=lambda o: json.dumps(o, ensure_ascii=False),
                             headers={"Cache-Control": "no-store"})  # fmt: skip


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except _Refused as e:
        return web.json_response({"error": e.message}, status=e.status)
