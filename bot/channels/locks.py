"""One lock per key (a sender, a chat), so each one's updates are handled in arrival order.

:class:`KeyedLocks` serialises within one process; a key's lock exists only while someone
holds or waits for it, so memory stays bounded by the conversations in flight.
:class:`RedisLocks` serialises across every worker sharing one Redis (redis-py's ``Lock``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.exceptions import LockError

log = logging.getLogger(__name__)

LOCK_SECONDS = 30.0
"""[A] A Redis lock expires this long after its last renewal: a worker that dies mid-turn
frees its sender within 30 s, while a live worker renews every third of it, so a slow turn
(a PDF, a slow Rasa server) keeps its lock."""
WAIT_SECONDS = 60.0
"""[A] How long a message waits for the same sender's earlier one before it is answered
"still working on your previous message" (twice a dead worker's lock)."""


class LockBusy(Exception):
    """The key's lock was not free within the wait (another turn is still running)."""


class Locks(Protocol):
    """``async with locks.hold(key):`` — serialise the work of one key."""

    def hold(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Wait for ``key``'s turn and keep it for the block.

        :raises LockBusy: waited longer than the implementation allows.
        """
        ...


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class KeyedLocks(dict[Hashable, _Entry]):
    """``async with locks.hold(key):`` — serialise the work of one key in this process.

    As a mapping it holds the keys locked right now (held or waited for).
    """

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Wait for ``key``'s turn, and keep it for the ``async with`` block."""
        entry = self.setdefault(key, _Entry())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                self.pop(key, None)


class RedisLocks:
    """Locks shared by every worker on one Redis: redis-py's ``Lock`` (``SET NX PX`` with a
    random token, released only by its holder), renewed while its block runs.

    The Redis key is ``key`` itself (the caller builds it under its prefix). Waiters poll
    every ``poll`` seconds, so across workers the order is arrival order only roughly;
    each holder still runs alone.

    :param redis: a ``redis.asyncio.Redis`` client.
    :param timeout: seconds the lock outlives its holder (:data:`LOCK_SECONDS`).
    :param wait: seconds to wait for it before :class:`LockBusy` (:data:`WAIT_SECONDS`).
    :param poll: seconds between attempts while waiting [A].
    """

    def __init__(
        self, redis: Any, *, timeout: float = LOCK_SECONDS, wait: float = WAIT_SECONDS,
        poll: float = 0.02,
    ) -> None:  # fmt: skip
        self.redis, self.timeout, self.wait, self.poll = redis, timeout, wait, poll

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Take ``key``'s lock (waiting up to ``wait`` seconds) for the block.

        :raises LockBusy: another holder kept it longer than ``wait``.
        """
        lock = self.redis.lock(
            key, timeout=self.timeout, sleep=self.poll, blocking_timeout=self.wait
        )
        if not await lock.acquire():
            raise LockBusy(key)
        renewing = asyncio.create_task(self._renew(lock))
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            try:
                await lock.release()
            except LockError:  # expired (this worker stalled): another may hold it now
                log.warning("a sender's lock expired before its turn ended")

    async def _renew(self, lock: Any) -> None:
        while True:
            await asyncio.sleep(self.timeout / 3)
            try:
                await lock.extend(self.timeout, replace_ttl=True)
            except LockError:
                log.warning("a sender's lock could not be renewed (it had expired)")
                return
