"""Handle a delivery once: the first worker to claim its key handles it, a repeat is skipped.

Telegram re-delivers an update it thinks was not received (same ``update_id``, possibly to
another worker behind the same webhook); a REST client retries a message with the same
``message_id``. ``await claims.claim(key)`` is True for the first claim of ``key`` and
False for every later one, in this process (:class:`MemoryClaims`) or across every worker
sharing Redis (:class:`RedisClaims`, an atomic ``SET NX EX``).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from aiogram.fsm.storage.base import BaseStorage

from bot.storage import KEEP

PREFIX = "jiuzhu"
"""The default first part of a claim's key (``<prefix>:once:<key>``)."""


class Claims(Protocol):
    """First-claim-wins registry of delivery keys."""

    async def claim(self, key: str) -> bool:
        """True the first time ``key`` is claimed (within the registry's memory), else False."""
        ...


class MemoryClaims:
    """Claims of this process: the newest ``max_keys``, each for ``ttl`` seconds.

    :param clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        max_keys: int = 100_000,
        ttl: float = KEEP.total_seconds(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_keys, self.ttl, self.clock = max_keys, ttl, clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def claim(self, key: str) -> bool:
        """True unless ``key`` was claimed in the last ``ttl`` seconds."""
        now = self.clock()
        claimed_at = self._seen.get(key)
        if claimed_at is not None and now - claimed_at < self.ttl:
            return False
        self._seen[key] = now
        self._seen.move_to_end(key)
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return True


class RedisClaims:
    """Claims shared by every worker on one Redis: ``SET <prefix>:once:<key> 1 NX EX ttl``.

    :param redis: a ``redis.asyncio.Redis`` client.
    :param ttl: seconds a claim is remembered (default the FSM storage's 48 h [A]).
    :param prefix: the deployment's key prefix (``JIUZHU_REDIS_PREFIX``).
    """

    def __init__(
        self, redis: Any, ttl: int = int(KEEP.total_seconds()), prefix: str = PREFIX
    ) -> None:
        self.redis, self.ttl, self.prefix = redis, ttl, f"{prefix}:once:"

    async def claim(self, key: str) -> bool:
        """True for the one worker whose ``SET NX`` created the key."""
        return bool(await self.redis.set(self.prefix + key, b"1", nx=True, ex=self.ttl))


def claims_for(storage: BaseStorage) -> Claims:
    """Redis claims when the FSM storage is Redis (several workers, under the storage's key
    prefix), else this process's."""
    redis = getattr(storage, "redis", None)
    if redis is None:
        return MemoryClaims()
    prefix = getattr(getattr(storage, "key_builder", None), "prefix", PREFIX)
    return RedisClaims(redis, prefix=prefix)
