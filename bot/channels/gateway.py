"""The channel-neutral core: text in, replies out, through the real Dispatcher.

A channel (REST, terminal, web chat) calls ``await gateway.handle(sender, text, message_id)``.
The gateway

0. cleans the input (:mod:`bot.channels.sanitise`): lone surrogates, control characters;
1. serialises the updates of one sender (a lock per sender), so one person's messages are
   handled in the order they arrived; with Redis (several workers) the lock is in Redis
   (:class:`~bot.channels.locks.RedisLocks`), so one sender's turns never overlap on two
   workers either;
2. answers a duplicate delivery (same ``message_id`` from the same sender) with the replies
   it gave the first time, without running the handlers again (:mod:`bot.channels.delivered`:
   in Redis, encrypted, when the storage is Redis, so a retry sent to another worker too);
3. turns the text into an aiogram ``Update``: a ``CallbackQuery`` when the text is the
   payload (``callback_data``) of an inline button this sender was shown, otherwise a
   ``Message`` from a synthetic private chat whose id is a stable hash of the sender;
4. feeds it to ``Dispatcher.feed_update`` with the capture session's ``Bot`` and maps the
   recorded Bot API calls to :class:`Reply` dicts.

A reply addressed to another chat than the sender's is dropped with a warning: what staff
write to a resident goes through :mod:`staff.relay`'s outbox, shared by every worker.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import logging
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

from aiogram import Bot, Dispatcher
from aiogram.client.default import Default
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import (
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
)

from bot import metrics, redo
from bot.buttons import Shown, ShownButtons
from bot.channels.capture import Call, CaptureSession
from bot.channels.delivered import Delivered, MemoryDelivered, RedisDelivered
from bot.channels.locks import KeyedLocks, LockBusy, Locks, RedisLocks
from bot.channels.sanitise import clean_text
from jiuzhu import clock
from templates import Texts, texts

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's limit for one message; longer input is refused politely
_ID_BITS = 52  # Telegram user ids fit in 52 bits; ours must too (JS clients, bot API)
DESTINY = "jiuzhu-gateway"  # the storage-key destiny of the gateway's own Redis keys


class Button(TypedDict):
    """A button: ``payload`` is what to send back as the message to press it."""

    title: str
    payload: str
    url: NotRequired[str]
    request: NotRequired[str]  # "contact" / "location": only a Telegram client can fulfil it


class Document(TypedDict):
    """A file for the resident: ``data`` is the whole content."""

    filename: str
    mime_type: str
    data: bytes


class Reply(TypedDict):
    """One reply, channel-neutral (the Rasa REST shape plus ``document``).

    ``text`` may be empty when the reply is only a document.
    """

    recipient_id: str
    text: str
    buttons: list[Button]
    document: NotRequired[Document]


def chat_id_of(sender: str, channel: str = "rest") -> int:
    """A positive 52-bit id for ``sender``, the same in every process (BLAKE2b, no key).

    The channel name is part of the hash, so "alice" on REST and on the terminal are two
    conversations. Not secret: it only has to be stable and unlikely to collide.
    """
    digest = hashlib.blake2b(
        f"{channel}\0{sender}".encode(), digest_size=8, person=b"jiuzhu-chat-id"
    ).digest()
    return (int.from_bytes(digest, "big") >> (64 - _ID_BITS)) or 1


def masked(sender: str) -> str:
    """A short hash of ``sender`` for logs (senders may be phone numbers)."""
    return hashlib.sha256(sender.encode()).hexdigest()[:10]


class Gateway:
    """Feed channel input to the Dispatcher and collect channel-neutral replies.

    :param dispatcher: the dialogue (:func:`bot.dispatcher.build_dispatcher`).
    :param channel: name mixed into the synthetic chat ids (``rest``, ``terminal``...).
    :param session: the capture session (a new one by default).
    :param max_message_ids: message ids remembered for duplicate detection, all senders, in
        this process (in Redis they expire instead: ``bot.channels.delivered.KEEP_REPLIES``).
    :param max_payloads: button payloads remembered per sender (in the FSM storage).
    :param locks: the per-sender locks; default: Redis locks when the FSM storage is Redis,
        else this process's.
    :param delivered: the replies by message id; default: as ``locks``.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        channel: str = "rest",
        session: CaptureSession | None = None,
        max_message_ids: int = 10_000,
        max_payloads: int = 200,
        locks: Locks | None = None,
        delivered: Delivered | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.channel = channel
        self.session = session or CaptureSession()
        self.bot: Bot = self.session.make_bot()
        self.l10n: Texts = texts("bot")
        # From a random point, as the capture session's message ids: two workers' updates
        # of one chat never share an id (anything that dedupes updates would drop one).
        self._update_ids = itertools.count((secrets.randbits(31) << 20) + 1)
        redis = getattr(dispatcher.storage, "redis", None)
        self._locks: Locks = locks or (KeyedLocks() if redis is None else RedisLocks(redis))
        self._delivered: Delivered = delivered or (
            MemoryDelivered(max_message_ids) if redis is None else RedisDelivered(redis)
        )
        self._buttons = ShownButtons(dispatcher.storage, self.bot.id, max_payloads)

    async def handle(
        self,
        sender: str,
        text: str,
        message_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> list[Reply]:
        """Handle one message of ``sender`` and return what the resident should see.

        :param sender: the channel's id of the person (any non-empty string).
        :param text: what they typed, or a button's payload to press that button.
        :param message_id: the channel's id of this message; a repeat of an id already
            handled for this sender returns the earlier replies without running anything.
        :param metadata: what the channel sent beside the text (Rasa's ``metadata``, e.g.
            ``{"language": "en"}``); handlers and middlewares read it as ``data["metadata"]``.
        :returns: replies in order; may be empty (nothing to say).

        ``sender``, ``text`` and ``message_id`` are cleaned first (:func:`clean_text`).
        """
        sender, text = clean_text(sender), clean_text(text)
        message_id = clean_text(message_id) if message_id is not None else None
        chat_id = chat_id_of(sender, self.channel)
        waiting = time.perf_counter()
        try:
            async with self._locks.hold(self.key_of(chat_id, "lock")):
                metrics.LOCK_WAIT_SECONDS.labels(self.channel).observe(
                    time.perf_counter() - waiting
                )
                return await self._once(sender, text, message_id, dict(metadata or {}))
        except LockBusy:
            log.warning("a message from %s waited too long for the previous one", masked(sender))
            metrics.TURNS.labels(self.channel, "busy").inc()
            return [self._reply(sender, self.l10n.t("busy-previous"))]

    def key_of(self, chat_id: int, part: str) -> str:
        """The name of this gateway's record ``part`` of ``chat_id`` (a lock, replies).

        Under the FSM storage's key builder when it has one (Redis: ``jiuzhu:<chat>:<chat>:
        jiuzhu-gateway:<part>``, beside the conversation's own keys).
        """
        key = StorageKey(bot_id=self.bot.id, chat_id=chat_id, user_id=chat_id, destiny=DESTINY)
        return _key_builder_name(self.dispatcher.storage, key, part)

    async def _once(
        self, sender: str, text: str, message_id: str | None, metadata: dict[str, Any]
    ) -> list[Reply]:
        """Under the sender's lock: the earlier replies to ``message_id``, or a new turn."""
        key = None
        if message_id is not None:
            digest = hashlib.blake2b(message_id.encode(), digest_size=16).hexdigest()
            key = self.key_of(chat_id_of(sender, self.channel), f"replies:{digest}")
            earlier = await self._delivered.get(key)
            if earlier is not None:
                log.info("duplicate message from %s answered again", masked(sender))
                metrics.TURNS.labels(self.channel, "duplicate").inc()
                return earlier
        in_flight = metrics.IN_FLIGHT.labels(self.channel)
        in_flight.inc()
        try:
            with metrics.TURN_SECONDS.labels(self.channel).time(), redo.watching() as asked:
                replies = await self._run(sender, text, metadata)
        finally:
            in_flight.dec()
        if key is not None and not asked():  # "send it again" is no answer to keep
            await self._delivered.put(key, replies)
        return replies

    # --- one update ------------------------------------------------------------------------

    async def _run(self, sender: str, text: str, metadata: dict[str, Any]) -> list[Reply]:
        chat_id = chat_id_of(sender, self.channel)
        if not text.strip():
            metrics.TURNS.labels(self.channel, "refused").inc()
            return [self._reply(sender, self.l10n.t("message-empty"))]
        if len(text) > MAX_TEXT:
            metrics.TURNS.labels(self.channel, "refused").inc()
            return [self._reply(sender, self.l10n.t("message-too-long", limit=MAX_TEXT))]
        outcome = "answered"
        with self.session.capture() as outbox:
            try:
                update = self._update(chat_id, text, await self._buttons.lookup(chat_id, text))
                result = await self.dispatcher.feed_update(
                    self.bot, update, channel=self.channel, sender=sender, metadata=metadata
                )
                if isinstance(result, TelegramMethod):  # webhook-style handler return value
                    await self.bot(result)
            except Exception:
                # The error router answers handler errors; this is the last line of defence.
                log.exception("update from %s failed", masked(sender))
                outcome = "error"
                redo.ask_again()
                outbox.append(
                    Call(SendMessage(chat_id=chat_id, text=self.l10n.t("error-generic")), None)
                )
        metrics.TURNS.labels(self.channel, outcome).inc()
        return await self._replies(sender, chat_id, outbox)

    def _update(self, chat_id: int, text: str, shown: Shown | None) -> Update:
        now = clock.now()
        user = {"id": chat_id, "is_bot": False, "first_name": ""}
        chat = {"id": chat_id, "type": "private"}
        payload: dict[str, Any] = {"update_id": next(self._update_ids)}
        if shown is not None:
            payload["callback_query"] = {
                "id": f"{chat_id}-{payload['update_id']}",
                "from": user,
                "chat_instance": str(chat_id),
                "data": text,
                "message": {
                    "message_id": shown.message_id,
                    "date": now,
                    "chat": chat,
                    "from": {"id": self.bot.id, "is_bot": True, "first_name": "jiuzhu"},
                    "text": shown.text,
                },
            }
        else:
            payload["message"] = {
                "message_id": self.session.next_message_id(),
                "date": now,
                "chat": chat,
                "from": user,
                "text": text,
            }
        return Update.model_validate(payload, context={"bot": self.bot})

    # --- calls -> replies --------------------------------------------------------------------

    async def _replies(self, sender: str, chat_id: int, outbox: list[Call]) -> list[Reply]:
        replies: list[Reply] = []
        for call in outbox:
            target = getattr(call.method, "chat_id", None)
            if target is not None and _int_or_none(target) != chat_id:
                log.warning("a reply to another chat than the sender's was dropped")
                continue
            reply = await self._reply_of(sender, chat_id, call)
            if reply is not None:
                replies.append(reply)
        return replies

    async def _reply_of(self, recipient: str, chat_id: int | None, call: Call) -> Reply | None:
        method = call.method
        if isinstance(method, AnswerCallbackQuery):
            return self._reply(recipient, method.text) if method.text else None
        if isinstance(method, EditMessageReplyMarkup):
            if chat_id is not None and method.message_id is not None:
                await self._buttons.forget(chat_id, method.message_id)
            return None
        text = getattr(method, "text", None) or getattr(method, "caption", None) or ""
        if _is_html(method):
            text = _plain(text)
        if not isinstance(method, SendMessage | EditMessageText) and call.file is None:
            return None  # chat actions, deletions, pins: nothing to show
        markup = getattr(method, "reply_markup", None)
        reply = self._reply(recipient, text, _buttons(markup))
        if chat_id is not None and isinstance(call.result, Message):
            if isinstance(method, EditMessageText):  # an edit replaces the message's buttons
                await self._buttons.forget(chat_id, call.result.message_id)
            payloads = [b["payload"] for b in reply["buttons"] if "url" not in b]
            if isinstance(markup, InlineKeyboardMarkup):
                await self._buttons.remember(chat_id, call.result.message_id, text, payloads)
        if call.file is not None:
            reply["document"] = {
                "filename": call.file.filename,
                "mime_type": call.file.mime_type,
                "data": call.file.data,
            }
        return reply

    def _reply(self, recipient: str, text: str, buttons: list[Button] | None = None) -> Reply:
        return {"recipient_id": recipient, "text": text, "buttons": buttons or []}


def _key_builder_name(storage: BaseStorage, key: StorageKey, part: str) -> str:
    builder = getattr(storage, "key_builder", None)
    if builder is None:  # memory storage: any unique name will do
        return f"{key.chat_id}:{key.destiny}:{part}"
    return str(builder.build(key, part))


def _buttons(markup: Any) -> list[Button]:
    buttons: list[Button] = []
    if isinstance(markup, InlineKeyboardMarkup):
        for row in markup.inline_keyboard:
            for b in row:
                if b.callback_data is not None:
                    buttons.append({"title": b.text, "payload": b.callback_data})
                elif b.url is not None:
                    buttons.append({"title": b.text, "payload": b.url, "url": b.url})
    elif isinstance(markup, ReplyKeyboardMarkup):
        for row in markup.keyboard:
            for k in row:
                button: Button = {"title": k.text, "payload": k.text}
                if k.request_contact:
                    button["request"] = "contact"
                elif k.request_location:
                    button["request"] = "location"
                buttons.append(button)
    return buttons


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None  # "@channelname": not a chat of this gateway


def _is_html(method: object) -> bool:
    """Sent as HTML: explicitly, or by the bot's default (this gateway's bot sends HTML)."""
    mode = getattr(method, "parse_mode", None)
    return mode == "HTML" or isinstance(mode, Default)


def _plain(text: str) -> str:
    """HTML-formatted Telegram text as plain text (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))
