"""A document a handler sends, as the file the channel shows best.

Telegram shows a PDF in every client (its own viewer on phones), where an HTML file is only
offered for download; the gateway's channels (REST, terminal, web) get the HTML, which they
show or link as it is.
"""

from __future__ import annotations

import asyncio

from aiogram.types import BufferedInputFile

from eligibility.documents import html_to_pdf


async def document_file(html: str, stem: str, *, pdf: bool) -> BufferedInputFile:
    """``html`` as ``<stem>.pdf`` (rendered off the event loop: about a second [A]) when
    ``pdf``, else as ``<stem>.html`` (UTF-8)."""
    if pdf:
        return BufferedInputFile(await asyncio.to_thread(html_to_pdf, html), f"{stem}.pdf")
    return BufferedInputFile(html.encode(), f"{stem}.html")
