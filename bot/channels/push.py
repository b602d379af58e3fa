"""Pushers: a caseworker's message goes out at once where the channel can push.

- :class:`RestCallbackPusher`: each message is POSTed as JSON to the integrator's callback
  URL (``JIUZHU_REST_CALLBACK_URL``), in the form of Rasa's ``CallbackOutput``:
  ``{"recipient_id": sender, "text": "..."}``; a document follows as
  ``{"recipient_id", "text": "", "document": {"filename", "mime_type", "size", "url"}}``
  with a signed download link of the REST channel.
- Telegram pushes with the bot itself (:class:`TelegramPusher`).

A push that fails raises; :func:`staff.relay.push_pending` then keeps the message for the
resident's next turn.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BufferedInputFile
from aiohttp import ClientSession, ClientTimeout

from bot.channels.rest import DocumentStore
from staff.relay import Delivery

CALLBACK_TIMEOUT = 5.0
"""[A] Seconds an integrator's callback endpoint has to accept one message."""


class RestCallbackPusher:
    """POST each message to ``url`` (one request per message, in order).

    :param documents: the REST channel's document store, so links work on its download route.
    :param token: sent as ``Authorization: Bearer`` when set (the REST token).
    """

    def __init__(self, url: str, documents: DocumentStore, token: str | None = None) -> None:
        self.url, self.documents, self.token = url, documents, token
        self._http: ClientSession | None = None

    async def push(self, delivery: Delivery) -> None:
        """:raises aiohttp.ClientError: the endpoint did not answer 2xx in time."""
        http = self._client()
        messages: list[dict] = [{"recipient_id": delivery.address, "text": delivery.text}]
        for a in delivery.attachments:
            url = self.documents.put({"filename": a.filename, "mime_type": a.mime_type,
                                      "data": a.data}, delivery.address)  # fmt: skip
            messages.append({"recipient_id": delivery.address, "text": "",
                             "document": {"filename": a.filename, "mime_type": a.mime_type,
                                          "size": len(a.data), "url": url}})  # fmt: skip
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        for message in messages:
            async with http.post(self.url, json=message, headers=headers) as response:
                response.raise_for_status()

    def _client(self) -> ClientSession:
        if self._http is None or self._http.closed:
            self._http = ClientSession(timeout=ClientTimeout(total=CALLBACK_TIMEOUT))
        return self._http

    async def close(self) -> None:
        """Close the HTTP client (at the app's cleanup)."""
        if self._http is not None:
            await self._http.close()


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
