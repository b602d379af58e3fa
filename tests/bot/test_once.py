"""A delivery key is claimed once: in memory, and across two Redis clients (two workers)."""

from __future__ import annotations

import secrets

import pytest
from redis.asyncio import Redis

from bot.channels.once import MemoryClaims, RedisClaims

REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_memory_claims_once_until_the_ttl_passes() -> None:
    now = [0.0]
    claims = MemoryClaims(max_keys=2, ttl=10, clock=lambda: now[0])
    assert await claims.claim("u1") is True
    assert await claims.claim("u1") is False
    now[0] = 11
    assert await claims.claim("u1") is True  # forgotten after ttl


async def test_memory_claims_are_bounded() -> None:
    claims = MemoryClaims(max_keys=2, ttl=100, clock=lambda: 0.0)
    for key in ("a", "b", "c"):
        assert await claims.claim(key) is True
    assert await claims.claim("a") is True  # the oldest was dropped to keep two
    assert await claims.claim("c") is False


@pytest.mark.parametrize("workers", [2])
async def test_two_redis_clients_claim_one_key_once(workers: int) -> None:
    clients = [Redis.from_url(REDIS_URL) for _ in range(workers)]
    key = f"test-{secrets.token_hex(8)}"
    try:
        first, second = (RedisClaims(c, ttl=60) for c in clients)
        assert await first.claim(key) is True
        assert await second.claim(key) is False
        ttl = await clients[0].ttl("jiuzhu:once:" + key)
        assert 0 < ttl <= 60
    finally:
        for c in clients:
            await c.delete("jiuzhu:once:" + key)
            await c.aclose()
