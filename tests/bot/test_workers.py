"""Two workers on the real Redis: two Dispatchers, two storages, two gateways, one sender.

Each test uses its own key prefix (``JIUZHU_REDIS_PREFIX``) and deletes its keys after.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiogram.fsm.storage.base import BaseStorage
from redis.asyncio import Redis

from bot.channels.gateway import Gateway, chat_id_of
from bot.channels.locks import RedisLocks
from bot.middlewares.throttling import RedisWindow, ThrottlingMiddleware
from bot.storage import make_storage
from templates import texts
from tests.bot.conftest import FakeClock, texts_of

pytestmark = pytest.mark.redis
REDIS_URL = "redis://127.0.0.1:6379/0"
L10N = texts("bot")


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix nobody else uses; every key under it is deleted afterwards."""
    name = f"jiuzhu-test-{secrets.token_hex(6)}"
    yield name
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(f"{name}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@pytest.fixture
async def storages(prefix: str) -> AsyncIterator[list[BaseStorage]]:
    """Two Redis storages, as two worker processes would open them."""
    pair = [make_storage(REDIS_URL, prefix), make_storage(REDIS_URL, prefix)]
    yield pair
    for storage in pair:
        await storage.close()


@pytest.fixture
def workers(
    make_gateway: Callable[..., Gateway], storages: list[BaseStorage]
) -> list[Gateway]:
    return [make_gateway(storage=s, throttling=False) for s in storages]


async def test_a_duplicate_sent_to_the_other_worker_is_answered_once(
    workers: list[Gateway],
) -> None:
    first, second = workers
    assert texts_of(await first.handle("alice", "/count", "m-1")) == ["demo: count 1"]
    again = await second.handle("alice", "/count", "m-1")
    assert again == [{"recipient_id": "alice", "text": "demo: count 1", "buttons": []}]
    # The handler ran once: the next message counts 2, on either worker.
    assert texts_of(await second.handle("alice", "/count", "m-2")) == ["demo: count 2"]


async def test_a_retry_while_the_first_runs_waits_for_its_replies(
    workers: list[Gateway], handled: list[str]
) -> None:
    first, second = workers
    running = asyncio.create_task(first.handle("alice", "/slow 0.3", "m-1"))
    await _until_locked(first, "alice")
    retry = await second.handle("alice", "/slow 0.3", "m-1")
    assert await running == retry
    assert texts_of(retry) == ["demo: slow 0.3"]
    assert handled == ["0.3"]  # ran once


async def test_one_senders_turns_on_two_workers_never_overlap(workers: list[Gateway]) -> None:
    # Without the shared lock two /count read the same count and both write count+1.
    sends = [w.handle("alice", "/count") for _ in range(6) for w in workers]
    replies = await asyncio.gather(*sends)
    counts = sorted(int(texts_of(r)[0].rsplit(" ", 1)[1]) for r in replies)
    assert counts == list(range(1, 13))


async def test_the_lock_holder_runs_alone_until_done(
    workers: list[Gateway], handled: list[str]
) -> None:
    first, second = workers
    slow = asyncio.create_task(first.handle("alice", "/slow 0.3"))
    await _until_locked(first, "alice")
    await second.handle("alice", "/slow 0")  # waits for the first: it finishes after it
    await slow
    assert handled == ["0.3", "0"]


async def test_replies_are_stored_encrypted_and_expire(
    workers: list[Gateway], storages: list[BaseStorage], prefix: str
) -> None:
    await workers[0].handle("alice", "/count", "m-1")
    redis: Any = storages[0].redis  # type: ignore[attr-defined]
    chat_id = chat_id_of("alice", "rest")
    [key] = [k async for k in redis.scan_iter(f"{prefix}:{chat_id}:*:jiuzhu-gateway:replies:*")]
    blob = await redis.get(key)
    assert b"count" not in blob and b"alice" not in blob
    assert 0 < await redis.ttl(key) <= 24 * 3600


async def test_a_dead_workers_lock_expires(
    make_gateway: Callable[..., Gateway], storages: list[BaseStorage]
) -> None:
    redis: Any = storages[0].redis  # type: ignore[attr-defined]
    gateway = make_gateway(storage=storages[1], throttling=False)
    # A worker took the sender's lock and died: nobody releases it, it expires.
    dead = redis.lock(gateway.key_of(chat_id_of("alice", "rest"), "lock"), timeout=0.3)
    assert await dead.acquire()
    assert texts_of(await gateway.handle("alice", "/count")) == ["demo: count 1"]


async def test_a_message_that_waited_too_long_is_told_to_send_again(
    make_gateway: Callable[..., Gateway], storages: list[BaseStorage]
) -> None:
    redis: Any = storages[0].redis  # type: ignore[attr-defined]
    gateway = make_gateway(
        storage=storages[1], throttling=False,
        gateway={"locks": RedisLocks(redis, timeout=5, wait=0.1)},
    )  # fmt: skip
    held = redis.lock(gateway.key_of(chat_id_of("alice", "rest"), "lock"), timeout=5)
    assert await held.acquire()
    try:
        busy = await gateway.handle("alice", "/count", "m-1")
        assert texts_of(busy) == [L10N.t("busy-previous")]
    finally:
        await held.release()
    # Not kept as the answer to m-1: sent again, it is handled.
    assert texts_of(await gateway.handle("alice", "/count", "m-1")) == ["demo: count 1"]


async def test_the_rate_limit_counts_both_workers(
    make_gateway: Callable[..., Gateway], storages: list[BaseStorage]
) -> None:
    clock = FakeClock()
    first, second = (
        make_gateway(storage=s, throttling=ThrottlingMiddleware(
            limit=3, window=10, clock=clock, hits=RedisWindow(s)))
        for s in storages
    )  # fmt: skip
    assert texts_of(await first.handle("alice", "/count")) == ["demo: count 1"]
    assert texts_of(await second.handle("alice", "/count")) == ["demo: count 2"]
    assert texts_of(await first.handle("alice", "/count")) == ["demo: count 3"]
    clock.advance(4)
    assert texts_of(await second.handle("alice", "/count")) == [L10N.t("slow-down", seconds=6)]
    assert texts_of(await second.handle("bob", "/count")) == ["demo: count 1"]
    clock.advance(6)
    assert texts_of(await second.handle("alice", "/count")) == ["demo: count 4"]


async def _until_locked(gateway: Gateway, sender: str) -> None:
    """Wait until ``sender``'s lock is held in Redis (the first turn has started)."""
    redis: Any = gateway.dispatcher.storage.redis  # type: ignore[attr-defined]
    name = gateway.key_of(chat_id_of(sender, gateway.channel), "lock")
    for _ in range(500):
        if await redis.exists(name):
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the first turn never took the lock")
