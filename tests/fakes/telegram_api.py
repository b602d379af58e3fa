"""A fake Telegram Bot API on loopback, for aiogram's real ``Bot`` and polling.

It answers the methods jiuzhu uses the way Telegram documents them
(https://core.telegram.org/bots/api): ``getMe``, ``setWebhook``, ``deleteWebhook``,
``getWebhookInfo``, ``getUpdates`` (long polling over a queue the test fills, confirmed by
``offset``), ``sendMessage``, ``sendDocument`` (multipart), ``editMessageText``,
``editMessageReplyMarkup`` and ``answerCallbackQuery``. Every call is recorded
(:attr:`FakeTelegram.calls`) with its decoded parameters and the status answered; messages
the bot sends get ids per chat, so a test can reply to them or press their buttons. A wrong
token is 401, an unknown method 404, an edit that changes nothing 400 ("message is not
modified"), ``getUpdates`` while a webhook is set 409, as on Telegram; :meth:`FakeTelegram.flood`
makes the next calls of a method 429 with ``retry_after``.

While a webhook is set (``setWebhook``), every update is POSTed to its URL with the
``X-Telegram-Bot-Api-Secret-Token`` header given at registration, as Telegram does; without
one, updates wait for ``getUpdates``.

Point a bot at it with
``AiohttpSession(api=TelegramAPIServer.from_base(fake.base))``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web
from multidict import MultiDictProxy

TOKEN = "123456:fake-telegram-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "jiuzhu", "username": "jiuzhu_bot"}
TEXT_FIELDS = frozenset({"text", "caption", "parse_mode", "callback_query_id", "url",
                         "document", "inline_message_id"})  # fmt: skip
"""Parameters that are plain strings; aiogram sends every other one JSON-encoded."""


@dataclass
class ApiCall:
    """One request the bot made: the method, its decoded parameters, uploaded files, and
    what the fake answered (``status``; ``result``, once answered with 200)."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    """When it arrived (monotonic seconds), to measure how soon something went out."""
    result: Any = None
    status: int = 200

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")


class FakeTelegram:
    """The fake server. ``await start()`` → :attr:`base`; ``await stop()`` when done."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.bot_user = {**BOT_USER, "id": int(token.split(":")[0])}
        self.webhook: dict[str, Any] | None = None
        """``setWebhook``'s parameters while one is set."""
        self.webhook_answers: list[int] = []
        """The HTTP status of every update POSTed to the webhook, in order."""
        self._floods: dict[str, list[int]] = defaultdict(list)
        self.updates: list[dict[str, Any]] = []
        """Every update :meth:`send_update` made, in order."""
        self.calls: list[ApiCall] = []
        self.refused: list[tuple[ApiCall, str]] = []
        """Calls answered with an error (400), with Telegram's description."""
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._update_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._arrived = asyncio.Condition()
        self._called = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base = ""

    # --- the server ------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        return self.base

    async def stop(self) -> None:
        async with self._arrived:
            self._arrived.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = _decode(await request.post())
        call = ApiCall(method, params, files)
        handler = getattr(self, f"_m_{method}", None)
        try:
            if handler is None:
                call.status = 404
                return _error(404, "Not Found: method not found")
            if self._floods[method]:
                wait = self._floods[method].pop(0)
                call.status = 429
                return _error(429, f"Too Many Requests: retry after {wait}",
                              parameters={"retry_after": wait})  # fmt: skip
            call.result = await handler(params, files)
        except _ApiError as e:
            self.refused.append((call, e.description))
            call.status = e.status
            return _error(e.status, e.description)
        finally:
            if method != "getUpdates":
                await self._record(call)
        return web.json_response({"ok": True, "result": call.result})

    async def _record(self, call: ApiCall) -> None:
        async with self._called:
            self.calls.append(call)
            self._called.notify_all()

    # --- methods ---------------------------------------------------------------------------

    async def _m_getMe(self, params: dict, files: dict) -> dict:
        return self.bot_user

    async def _m_setWebhook(self, params: dict, files: dict) -> bool:
        if not str(params.get("url", "")).startswith(("https://", "http://127.0.0.1")):
            raise _ApiError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = params
        return True

    async def _m_deleteWebhook(self, params: dict, files: dict) -> bool:
        self.webhook = None
        return True

    async def _m_getWebhookInfo(self, params: dict, files: dict) -> dict:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}  # fmt: skip

    async def _m_getUpdates(self, params: dict, files: dict) -> list[dict]:
        if self.webhook is not None:
            msg = ("Conflict: can't use getUpdates method while webhook is active; "
                   "use deleteWebhook to delete the webhook first")
            raise _ApiError(msg, status=409)
        offset, timeout = int(params.get("offset", 0)), float(params.get("timeout", 0))
        async with self._arrived:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout > 0:
                # Capped, so a test's teardown never waits out a long poll.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), min(timeout, 2.0))
            return list(self._updates[:100])

    async def _m_sendMessage(self, params: dict, files: dict) -> dict:
        return self._store(params, text=params["text"])

    async def _m_sendDocument(self, params: dict, files: dict) -> dict:
        ref = str(params.get("document", ""))
        name, data = files.get(ref.removeprefix("attach://"), ("document", b""))
        document = {"file_id": f"file-{len(self.calls)}", "file_unique_id": f"u{len(self.calls)}",
                    "file_name": name, "file_size": len(data)}  # fmt: skip
        return self._store(params, document=document, caption=params.get("caption"))

    async def _m_editMessageText(self, params: dict, files: dict) -> dict:
        message = self._message(params)
        markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            raise _ApiError("Bad Request: message is not modified")
        message["text"] = params["text"]
        message["reply_markup"] = markup
        if markup is None:
            del message["reply_markup"]
        return message

    async def _m_editMessageReplyMarkup(self, params: dict, files: dict) -> dict:
        message = self._message(params)
        message["reply_markup"] = params.get("reply_markup")
        if message["reply_markup"] is None:
            del message["reply_markup"]
        return message

    async def _m_answerCallbackQuery(self, params: dict, files: dict) -> bool:
        return True

    def _store(self, params: dict, **content: Any) -> dict:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._ids[chat_id]), "date": int(time.time()),
            "chat": _chat(chat_id), "from": self.bot_user,
            **{k: v for k, v in content.items() if v is not None},
        }  # fmt: skip
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram returns only inline keyboards
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _message(self, params: dict) -> dict:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise _ApiError("Bad Request: message to edit not found")
        return self.messages[key]

    # --- what a test does ------------------------------------------------------------------

    async def send_update(self, **payload: Any) -> dict[str, Any]:
        """Deliver an update (``message=...`` or ``callback_query=...``): POSTed to the
        webhook when one is set, else queued for getUpdates."""
        update = {"update_id": next(self._update_ids), **payload}
        self.updates.append(update)
        await self.deliver(update)
        return update

    async def deliver(self, update: dict[str, Any], *, url: str | None = None) -> int:
        """Deliver ``update`` as it is (again, to another worker's ``url``...): POSTed to
        ``url`` or the webhook with its secret, or queued for getUpdates.

        :returns: the webhook's HTTP status (200 when queued).
        """
        if self.webhook is None and url is None:
            async with self._arrived:
                self._updates.append(update)
                self._arrived.notify_all()
            return 200
        hook = self.webhook or {}
        secret = hook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        async with ClientSession() as http, http.post(
            url or hook["url"], json=update, headers=headers
        ) as response:  # fmt: skip
            self.webhook_answers.append(response.status)
            return response.status

    def flood(self, method: str, *retry_after: int) -> None:
        """The next calls of ``method`` are refused with 429, one per ``retry_after`` (seconds
        to wait, in Telegram's ``parameters.retry_after``)."""
        self._floods[method].extend(retry_after)

    async def say(
        self, user: dict, chat_id: int, text: str, *, reply_to: dict | None = None
    ) -> dict[str, Any]:
        """``user`` writes ``text`` in chat ``chat_id`` (a reply to ``reply_to``)."""
        message: dict[str, Any] = {
            "message_id": next(self._ids[chat_id]), "date": int(time.time()),
            "chat": _chat(chat_id), "from": user, "text": text,
        }  # fmt: skip
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self.messages[(chat_id, message["message_id"])] = message
        await self.send_update(message=message)
        return message

    async def share_contact(
        self, user: dict, chat_id: int, *, phone: str, owner: dict | None = None
    ) -> dict[str, Any]:
        """``user`` shares a contact in chat ``chat_id``: ``owner``'s (default their own, as
        the "share my phone" button does), whose ``user_id`` Telegram sets to the owner."""
        owner = owner or user
        contact = {"phone_number": phone, "first_name": owner["first_name"],
                   "user_id": owner["id"]}  # fmt: skip
        message: dict[str, Any] = {
            "message_id": next(self._ids[chat_id]), "date": int(time.time()),
            "chat": _chat(chat_id), "from": user, "contact": contact,
        }  # fmt: skip
        self.messages[(chat_id, message["message_id"])] = message
        await self.send_update(message=message)
        return message

    async def press(self, user: dict, message: dict, title: str) -> dict[str, Any]:
        """``user`` presses the inline button titled ``title`` under the bot's ``message``.

        :raises AssertionError: no such button on the message as it is now.
        """
        current = self.messages[(message["chat"]["id"], message["message_id"])]
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = {b["text"]: b.get("callback_data") for row in rows for b in row}
        if buttons.get(title) is None:
            msg = f"no button {title!r} on message {message['message_id']}: {list(buttons)}"
            raise AssertionError(msg)
        query = {"id": f"cq-{len(self.calls)}-{user['id']}", "from": user,
                 "chat_instance": str(message["chat"]["id"]), "data": buttons[title],
                 "message": current}  # fmt: skip
        await self.send_update(callback_query=query)
        return query

    async def wait_for(
        self, predicate: Callable[[ApiCall], bool], *, after: int = 0, timeout: float = 15.0
    ) -> ApiCall:
        """The first call from index ``after`` on that satisfies ``predicate``.

        :raises AssertionError: none within ``timeout`` seconds (the calls are listed).
        """
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._called:
            while True:
                for call in self.calls[after:]:
                    if predicate(call):
                        return call
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    seen = [(c.method, c.chat_id, c.text[:60]) for c in self.calls[after:]]
                    msg = f"no matching Bot API call within {timeout} s; got {seen}"
                    raise AssertionError(msg)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._called.wait(), left)

    def sent_to(self, chat_id: int, *, after: int = 0) -> list[ApiCall]:
        """Messages and documents the bot sent to ``chat_id`` (from call index ``after``)."""
        sent = ("sendMessage", "sendDocument")
        return [c for c in self.calls[after:] if c.method in sent and c.chat_id == chat_id]


class _ApiError(Exception):
    def __init__(self, description: str, status: int = 400) -> None:
        self.description, self.status = description, status


def user(user_id: int, first_name: str, username: str | None = None) -> dict[str, Any]:
    """A Telegram user as updates carry it."""
    found = {"id": user_id, "is_bot": False, "first_name": first_name}
    return {**found, "username": username} if username else found


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "staff"}
    return {"id": chat_id, "type": "private", "first_name": "resident"}


def _decode(form: MultiDictProxy) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = (value.filename, value.file.read())
        elif key in TEXT_FIELDS:
            params[key] = value
        else:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
    return params, files


def _error(status: int, description: str, **extra: Any) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": status, "description": description, **extra}, status=status
    )
