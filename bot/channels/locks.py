"""One lock per key (a sender, a chat), so each one's updates are handled in arrival order.

A key's lock exists only while someone holds or waits for it: memory stays bounded by the
number of conversations in flight, not by everyone ever seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class KeyedLocks(dict[Hashable, _Entry]):
    """``async with locks.hold(key):`` — serialise the work of one key.

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
