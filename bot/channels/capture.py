"""An aiogram session that records Bot API calls instead of sending them to Telegram.

Handlers call ``message.answer(...)``, ``callback.answer()``, ``answer_document(...)`` as
usual; :class:`CaptureSession` answers each call with a plausible result (a ``Message`` with
a fresh id, ``True``...) and appends a :class:`Call` to the outbox of the update being
handled. The outbox is a context variable, so concurrent updates of different senders on
one ``Bot`` never mix their calls.

Usage::

    session = CaptureSession()
    bot = session.make_bot()
    with session.capture() as outbox:
        await dispatcher.feed_update(bot, update)
    # outbox: list[Call]
"""

from __future__ import annotations

import itertools
import mimetypes
import secrets
import types
import typing
from collections import OrderedDict
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import GetMe, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardMarkup, InputFile, Message, User

from jiuzhu import clock

BOT_ID = 42
BOT_TOKEN = f"{BOT_ID}:jiuzhu-capture-session"  # shaped like a token; never sent anywhere
_FILE_FIELDS = ("document", "photo", "audio", "video", "voice", "animation")


@dataclass(frozen=True)
class CapturedFile:
    """A file a handler sent: ``data`` is the whole content (bytes)."""

    file_id: str
    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class Call:
    """One Bot API call made while handling an update.

    :ivar method: the aiogram method object (``SendMessage``, ``EditMessageText``...).
    :ivar result: what the session returned to the handler.
    :ivar file: the file sent with it, if any (``SendDocument``, ``SendPhoto``...).
    """

    method: TelegramMethod[Any]
    result: Any
    file: CapturedFile | None = None


_OUTBOX: ContextVar[list[Call] | None] = ContextVar("jiuzhu_capture_outbox", default=None)


class CaptureSession(BaseSession):
    """A :class:`BaseSession` that talks to nobody and records what it was asked to send.

    :param max_files: files kept for re-sending by ``file_id`` (least recent dropped).
    """

    def __init__(self, *, max_files: int = 256) -> None:
        super().__init__()
        # Ids start at a random point of 2**51, so two workers showing one chat its buttons
        # do not hand out the same message id (the buttons shown are keyed by it).
        self._message_ids = itertools.count((secrets.randbits(31) << 20) + 1)
        self._files: OrderedDict[str, CapturedFile] = OrderedDict()
        self._max_files = max_files

    def make_bot(self) -> Bot:
        """A ``Bot`` bound to this session, sending HTML as on Telegram (texts from
        ``templates/`` are HTML-escaped; the gateway turns them back into plain text)."""
        return Bot(BOT_TOKEN, session=self, default=DefaultBotProperties(parse_mode="HTML"))

    def next_message_id(self) -> int:
        """A message id not used before by this session (incoming and outgoing share them)."""
        return next(self._message_ids)

    @contextmanager
    def capture(self) -> Iterator[list[Call]]:
        """Collect the calls made inside the ``with`` block (this task and tasks it starts)."""
        outbox: list[Call] = []
        token = _OUTBOX.set(outbox)
        try:
            yield outbox
        finally:
            _OUTBOX.reset(token)

    async def close(self) -> None:
        """Nothing to close: there is no connection."""

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """Downloads are not possible without Telegram.

        :raises TelegramBadRequest: always.
        """
        msg = "the capture session cannot download files"
        raise TelegramBadRequest(method=GetMe(), message=msg)
        yield b""  # pragma: no cover - makes this an async generator

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,
    ) -> TelegramType:
        """Record ``method`` and return a plausible result.

        :raises TelegramBadRequest: for methods whose result cannot be faked (``getChat``,
            ``sendMediaGroup``...), as Telegram would refuse an impossible request.
        """
        file = await self._file_of(bot, method)
        result = self._result(bot, method, file)
        outbox = _OUTBOX.get()
        if outbox is not None:
            outbox.append(Call(method, result, file))
        return typing.cast(TelegramType, result)

    # --- results -----------------------------------------------------------------------------

    def _result(self, bot: Bot, method: TelegramMethod[Any], file: CapturedFile | None) -> Any:
        returning = _types_of(method.__returning__)
        if User in returning:
            return User(id=bot.id, is_bot=True, first_name="jiuzhu", username="jiuzhu_bot")
        if Message in returning and getattr(method, "chat_id", None) is not None:
            return self._message(bot, method, file)
        if bool in returning:
            return True
        msg = f"{method.__api_method__} is not supported by the capture session"
        raise TelegramBadRequest(method=method, message=msg)

    def _message(
        self, bot: Bot, method: TelegramMethod[Any], file: CapturedFile | None
    ) -> Message:
        edited = getattr(method, "message_id", None)
        markup = getattr(method, "reply_markup", None)
        fields: dict[str, Any] = {
            "message_id": edited if edited is not None else self.next_message_id(),
            "date": clock.now(),
            "chat": {"id": method.chat_id, "type": "private"},
            "from": {"id": bot.id, "is_bot": True, "first_name": "jiuzhu"},
            "text": getattr(method, "text", None),
            "caption": getattr(method, "caption", None),
            # A Message only carries inline keyboards; reply keyboards live in the client.
            "reply_markup": markup if isinstance(markup, InlineKeyboardMarkup) else None,
        }
        if file is not None:
            fields["document"] = {
                "file_id": file.file_id,
                "file_unique_id": file.file_id,
                "file_name": file.filename,
                "mime_type": file.mime_type,
                "file_size": len(file.data),
            }
        return Message.model_validate(fields, context={"bot": bot})

    # --- files -------------------------------------------------------------------------------

    async def _file_of(self, bot: Bot, method: TelegramMethod[Any]) -> CapturedFile | None:
        for field in _FILE_FIELDS:
            value = getattr(method, field, None)
            if isinstance(value, InputFile):
                data = b"".join([chunk async for chunk in value.read(bot)])
                filename = value.filename or f"{field}.bin"
                mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
                file = CapturedFile(secrets.token_urlsafe(16), filename, mime, data)
                self._remember(file)
                return file
            if isinstance(value, str):  # re-sending a file_id we handed out before
                return self._files.get(value)
        return None

    def _remember(self, file: CapturedFile) -> None:
        self._files[file.file_id] = file
        while len(self._files) > self._max_files:
            self._files.popitem(last=False)


def _types_of(annotation: Any) -> set[Any]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return set(typing.get_args(annotation))
    return {annotation}
