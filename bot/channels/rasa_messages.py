"""Channel-neutral replies as Rasa messages, the shape of Rasa 3.6's ``CollectingOutputChannel``.

One :class:`~bot.channels.gateway.Reply` becomes one or more Rasa messages
``{"recipient_id", "text"?, "buttons"?, "attachment"?, "custom"?}``:

- **Empty keys are left out**, as Rasa's ``CollectingOutputChannel._message`` drops None:
  no ``"buttons": []`` (widgets draw an empty button group), no ``"text": ""``.
- **Paragraphs are messages.** A text is split at blank lines into one message each, as
  Rasa's ``send_text_message`` does (``text.strip().split("\\n\\n")``); the buttons go with
  the last part, the question they answer. Widgets that join lines (plain HTML, Markdown
  soft breaks) then still show the paragraphs apart.
- **Asterisks are fullwidth.** Our texts are plain text, never Markdown, yet most widgets
  render Markdown (the Chatbot-Widget through showdown, for one): two masked names
  ``覃**（本人）… 李**`` would turn the text between them bold and lose the stars.
  ``＊`` (U+FF0A) looks the same beside Chinese text and is inert everywhere; a backslash
  escape would show in the clients that do not render Markdown (Rasa's console). Button
  titles get the same; payloads are left exactly as sent (they press the button).
- **A document** is its own message, ``{"recipient_id", "attachment": "<absolute URL>",
  "custom": {"payload": "pdf_attachment", "title", "url", "filename", "mime_type",
  "size"}}``: ``attachment`` as Rasa's ``send_attachment`` sends it (a string, which Rasa's
  console prints), ``custom`` as the Chatbot-Widget's ``pdf_attachment`` expects it (its
  only kind for a file: a link titled with the file name, whatever the type; ``mime_type``
  says which). A turn's documents come after its other messages: that widget stops drawing
  a response at its first ``pdf_attachment`` (``static/js/components/chat.js``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.gateway import Document, Reply

RasaMessage = dict[str, Any]
Link = Callable[[Document, str], Awaitable[str]]
"""Keeps a document for a recipient and returns its absolute download URL."""

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def markdown_safe(text: str) -> str:
    """``text`` with ASCII asterisks as fullwidth ``＊``, so no Markdown renderer emphasises."""
    return text.replace("*", "\N{FULLWIDTH ASTERISK}")


def paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs of ``text`` (split at blank lines), stripped."""
    return [part.strip() for part in _PARAGRAPH_BREAK.split(text.strip()) if part.strip()]


async def to_rasa(replies: list[Reply], link: Link) -> list[RasaMessage]:
    """The Rasa messages of one turn's ``replies``, documents last (see the module docstring).

    :param link: stores a document for the recipient and returns its absolute URL.
    """
    messages: list[RasaMessage] = []
    documents: list[RasaMessage] = []
    for reply in replies:
        recipient = reply["recipient_id"]
        parts: list[RasaMessage] = [
            {"recipient_id": recipient, "text": markdown_safe(part)}
            for part in paragraphs(reply["text"])
        ]
        if reply["buttons"]:
            if not parts:
                parts.append({"recipient_id": recipient})
            parts[-1]["buttons"] = [
                {**button, "title": markdown_safe(button["title"])} for button in reply["buttons"]
            ]
        messages += parts
        document = reply.get("document")
        if document is not None:
            documents.append(await document_message(recipient, document, link))
    return messages + documents


async def document_message(recipient: str, document: Document, link: Link) -> RasaMessage:
    """One document as a Rasa ``attachment`` (its URL) with the details in ``custom``."""
    url = await link(document, recipient)
    return {
        "recipient_id": recipient,
        "attachment": url,
        "custom": {
            "payload": "pdf_attachment",
            "title": document["filename"],
            "url": url,
            "filename": document["filename"],
            "mime_type": document["mime_type"],
            "size": len(document["data"]),
        },
    }
