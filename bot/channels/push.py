"""Pushers: a message goes out at once where the channel can push.

- :class:`CallbackPoster`: Rasa's callback output (``CallbackOutput`` in Rasa 3.6's
  ``rasa/core/channels/callback.py``): each Rasa message is POSTed as JSON to the
  integrator's URL (``JIUZHU_REST_CALLBACK_URL``), one request per message, in order.
  The messages have the REST channel's shape (:mod:`bot.channels.rasa_messages`):
  ``{"recipient_id", "text"?, "buttons"?}``, and a document as
  ``{"recipient_id", "attachment": "<absolute signed URL>", "custom": {...}}``.
  The callback channel's replies (``POST /webhooks/callback/webhook``) go out through it.
- :class:`RestCallbackPusher`: what staff write (and any later message for a resident,
  queued in :mod:`staff.relay`'s outbox) to a resident of the REST or the callback channel,
  through the same poster.
- Telegram pushes with the bot itself (:class:`TelegramPusher`).

A push that fails raises; :func:`staff.relay.push_pending` then keeps the message for the
resident's next turn.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BufferedInputFile
from aiohttp import ClientSession, ClientTimeout

from bot.channels.documents import DocumentStore
from bot.channels.gateway import Document, Reply
from bot.channels.rasa_messages import RasaMessage, to_rasa
from staff.relay import Delivery

CALLBACK_TIMEOUT = 5.0
"""[A] Seconds an integrator's callback endpoint has to accept one message."""


class CallbackPoster:
    """POST Rasa messages to the integrator's callback ``url``, one request each, in order.

    :param url: the integrator's endpoint (``JIUZHU_REST_CALLBACK_URL``).
    :param documents: the REST channel's document store, so links work on its download route.
    :param public_url: the absolute base of those links (``JIUZHU_PUBLIC_URL``, or where
        ``jiuzhu serve`` listens), e.g. ``https://chat.example.gov.cn``.
    :param token: sent as ``Authorization: Bearer`` when set (the REST token).
    """

    def __init__(
        self, url: str, documents: DocumentStore, public_url: str, token: str | None = None
    ) -> None:
        self.url, self.documents, self.token = url, documents, token
        self.public_url = public_url.rstrip("/")
        self._http: ClientSession | None = None

    async def messages(self, replies: list[Reply]) -> list[RasaMessage]:
        """``replies`` as the Rasa messages to post (documents stored for their recipient)."""
        return await to_rasa(replies, self._link)

    async def post(self, messages: list[RasaMessage]) -> None:
        """:raises aiohttp.ClientError: the endpoint did not answer 2xx in time."""
        http = self._client()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        for message in messages:
            async with http.post(self.url, json=message, headers=headers) as response:
                response.raise_for_status()

    async def _link(self, document: Document, recipient: str) -> str:
        return self.public_url + await self.documents.put(document, recipient)

    def _client(self) -> ClientSession:
        if self._http is None or self._http.closed:
            self._http = ClientSession(timeout=ClientTimeout(total=CALLBACK_TIMEOUT))
        return self._http

    async def close(self) -> None:
        """Close the HTTP client (at the app's cleanup)."""
        if self._http is not None:
            await self._http.close()


class RestCallbackPusher:
    """Push a :class:`~staff.relay.Delivery` to a REST or callback resident via ``poster``."""

    def __init__(self, poster: CallbackPoster) -> None:
        self.poster = poster

    async def push(self, delivery: Delivery) -> None:
        """:raises aiohttp.ClientError: the endpoint did not answer 2xx in time."""
        replies: list[Reply] = [{"recipient_id": delivery.address, "text": delivery.text,
                                 "buttons": []}]  # fmt: skip
        for a in delivery.attachments:
            replies.append({"recipient_id": delivery.address, "text": "", "buttons": [],
                            "document": {"filename": a.filename, "mime_type": a.mime_type,
                                         "data": a.data}})  # fmt: skip
        await self.poster.post(await self.poster.messages(replies))


class TelegramPusher:
    """Send with the Telegram bot: the text, then each document."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def push(self, delivery: Delivery) -> None:
        """:raises aiogram.exceptions.TelegramAPIError: Telegram refused it."""
        chat_id = int(delivery.address)
        await self.bot.send_message(chat_id, delivery.text)
        for a in delivery.attachments:
            await self.bot.send_document(chat_id, BufferedInputFile(a.data, a.filename))
