"""FSM storage: in memory for one process, Redis when several workers share conversations."""

from __future__ import annotations

from datetime import timedelta

from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage

KEEP = timedelta(hours=48)
"""[A] How long a conversation's keys live in Redis after their last write: twice the 24 h
after which the dialogue restarts an unfinished flow anyway (bot/middlewares/idle.py)."""
REDIS_CONNECTIONS = 64
"""[A] Connections of one worker to Redis. A turn uses one for a few calls at a time; more
turns than this at once wait for a free one (redis-py's default pool refuses the request
instead: 13.5 % of the turns failed at 200 concurrent conversations, 2026-12-01)."""
REDIS_POOL_WAIT_SECONDS = 20.0
"""[A] How long a call waits for a free connection before it fails (then the turn's usual
error handling applies): far above any queue seen at 500 concurrent conversations."""


def make_storage(redis_url: str = "", prefix: str = "jiuzhu") -> BaseStorage:
    """``MemoryStorage`` when ``redis_url`` is empty, else ``RedisStorage`` on that URL.

    The Redis key builder keeps the destiny in the key, so side records (the idle
    middleware's last-seen time, the buttons shown) do not overwrite a conversation's data.
    Every key expires after :data:`KEEP` without a write: nothing personal lingers.

    :param redis_url: ``redis://host:port/db`` or empty (``settings.redis_url``).
    :param prefix: the first part of every key (``settings.redis_prefix``); the gateway's
        lock and replies and the rate-limit hits are built with the same key builder.

    The client's pool is blocking: at most :data:`REDIS_CONNECTIONS`, a call waits up to
    :data:`REDIS_POOL_WAIT_SECONDS` for one.
    """
    if not redis_url:
        return MemoryStorage()
    from aiogram.fsm.storage.redis import RedisStorage
    from redis.asyncio import BlockingConnectionPool, Redis

    pool = BlockingConnectionPool.from_url(
        redis_url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_POOL_WAIT_SECONDS
    )
    return RedisStorage(
        Redis(connection_pool=pool),
        key_builder=DefaultKeyBuilder(prefix=prefix, with_destiny=True),
        state_ttl=KEEP,
        data_ttl=KEEP,
    )
