"""The web chat pages open in this process, and the pusher that reaches them at once.

Each open page holds one server-sent-events stream (:mod:`bot.channels.webchat`), registered
here under its sender while it lasts. :class:`LivePages` is the ``web`` channel's
:class:`staff.relay.Pusher`: when a caseworker's message is committed,
:func:`staff.relay.push_pending` claims it and calls :meth:`LivePages.push`, which hands it
to the resident's open pages and returns once one of them has written it to its stream. No
page open here (the resident is away, or their page streams from another worker) raises
:class:`NoOpenPage`: the message is released and waits for that page's poll of the outbox
or the resident's next turn.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from staff.relay import Delivery

ACK_TIMEOUT = 5.0
"""[A] Seconds an open page has to write a pushed message to its stream before the push
counts as failed (the message then waits for the poll or the next turn)."""


class NoOpenPage(Exception):
    """No page of this resident is open in this process, or none took the message in time."""


@dataclass(eq=False)
class OpenPage:
    """One open page's stream: pushed messages wait here, each with the pusher's future."""

    address: str
    closed: bool = False
    _queue: asyncio.Queue[tuple[Delivery, asyncio.Future[None]] | None] = field(
        default_factory=asyncio.Queue
    )

    async def next(self, timeout: float) -> tuple[Delivery, asyncio.Future[None]] | None:
        """The next pushed message and the future to resolve once it is written, or None
        after ``timeout`` seconds without one, or at once when :attr:`closed`."""
        if self.closed:
            return None
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        """The stream is to end (shutdown): its wait returns now."""
        self.closed = True
        self._queue.put_nowait(None)

    def offer(self, delivery: Delivery) -> asyncio.Future[None]:
        """Queue ``delivery`` for the stream; the future resolves once it was written."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((delivery, done))
        return done

    def abandon(self) -> None:
        """The stream ended: what was pushed to it and not written fails its pusher."""
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is None:
                continue
            _, done = item
            if not done.done():
                done.set_exception(NoOpenPage())


class LivePages:
    """Open pages by sender (the resident's address on the ``web`` channel).

    :param ack_timeout: seconds a page has to write a pushed message (:data:`ACK_TIMEOUT`).
    """

    def __init__(self, ack_timeout: float = ACK_TIMEOUT) -> None:
        self.ack_timeout = ack_timeout
        self._pages: defaultdict[str, list[OpenPage]] = defaultdict(list)

    @contextlib.asynccontextmanager
    async def page(self, address: str) -> AsyncIterator[OpenPage]:
        """Register a page's stream for ``address`` while the ``with`` block runs."""
        page = OpenPage(address)
        self._pages[address].append(page)
        try:
            yield page
        finally:
            self._pages[address].remove(page)
            if not self._pages[address]:
                del self._pages[address]
            page.abandon()

    async def push(self, delivery: Delivery) -> None:
        """Show ``delivery`` on every open page of its resident; returns once one showed it.

        :raises NoOpenPage: no page of the resident is open here, or none wrote the message
            within :attr:`ack_timeout` seconds.
        """
        pages = list(self._pages.get(delivery.address, ()))
        if not pages:
            raise NoOpenPage
        pending = {page.offer(delivery) for page in pages}
        while pending:
            done, pending = await asyncio.wait(
                pending, timeout=self.ack_timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                break
            if any(not f.cancelled() and f.exception() is None for f in done):
                return
        raise NoOpenPage

    def stop(self) -> None:
        """Shutdown: every open stream ends (its next wait returns at once)."""
        for pages in list(self._pages.values()):
            for page in pages:
                page.close()
