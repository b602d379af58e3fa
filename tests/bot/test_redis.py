"""FSM state in the real Redis on 127.0.0.1:6379 survives a new Dispatcher (a second worker)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable

import pytest

from bot.channels.gateway import Gateway
from bot.middlewares.idle import IdleMiddleware
from bot.storage import make_storage
from templates import texts
from tests.bot.conftest import FakeClock, texts_of

pytestmark = pytest.mark.redis
REDIS_URL = "redis://127.0.0.1:6379/0"
L10N = texts("bot")


@pytest.fixture
async def sender() -> AsyncIterator[str]:
    """A sender nobody else uses; its keys are removed afterwards."""
    name = f"redis-test-{secrets.token_hex(6)}"
    yield name
    storage = make_storage(REDIS_URL)
    try:
        from bot.channels.gateway import chat_id_of

        chat_id = chat_id_of(name, "rest")
        keys = await storage.redis.keys(f"jiuzhu:{chat_id}:*")  # type: ignore[attr-defined]
        if keys:
            await storage.redis.delete(*keys)  # type: ignore[attr-defined]
    finally:
        await storage.close()


async def test_state_survives_a_second_worker(
    make_gateway: Callable[..., Gateway], sender: str
) -> None:
    clock = FakeClock()
    first_storage = make_storage(REDIS_URL)
    try:
        first = make_gateway(storage=first_storage, idle=IdleMiddleware(clock=clock))
        await first.handle(sender, "/demo")
        assert texts_of(await first.handle(sender, "1")) == ["demo: got 1"]
    finally:
        await first_storage.close()

    # A new process would build a new storage connection and a new Dispatcher.
    second_storage = make_storage(REDIS_URL)
    try:
        second = make_gateway(storage=second_storage, idle=IdleMiddleware(clock=clock))
        assert texts_of(await second.handle(sender, "2")) == ["demo: got 1,2"]
        # The idle record (own destiny) is shared too and does not clobber the flow data.
        clock.advance(31 * 60)
        replies = await second.handle(sender, "3")
        assert texts_of(replies) == [L10N.t("idle-resume"), "demo: got 1,2,3"]
        assert texts_of(await second.handle(sender, "/cancel")) == [L10N.t("cancelled")]
    finally:
        await second_storage.close()


async def test_a_button_shown_by_one_worker_is_pressed_on_another(
    make_gateway: Callable[..., Gateway], sender: str
) -> None:
    first_storage, second_storage = make_storage(REDIS_URL), make_storage(REDIS_URL)
    try:
        first = make_gateway(storage=first_storage)
        [ask] = await first.handle(sender, "/demo")
        second = make_gateway(storage=second_storage)
        replies = await second.handle(sender, ask["buttons"][0]["payload"])
        assert texts_of(replies) == ["skipped", "demo: skipped (was demo: a number please)"]
    finally:
        await first_storage.close()
        await second_storage.close()


async def test_more_turns_at_once_than_connections_wait_instead_of_failing() -> None:
    """At 200 concurrent conversations the default pool (100, failing when exhausted) refused
    13.5 % of the turns (MEASUREMENTS.md): the pool waits for a free connection instead."""
    import asyncio

    from aiogram.fsm.storage.base import StorageKey

    from bot.storage import REDIS_CONNECTIONS

    prefix = f"jiuzhu-test-{secrets.token_hex(4)}"
    storage = make_storage(REDIS_URL, prefix)
    keys = [StorageKey(bot_id=1, chat_id=n, user_id=n) for n in range(3 * REDIS_CONNECTIONS)]
    try:
        await asyncio.gather(*(storage.set_data(k, {"n": k.chat_id}) for k in keys))
        found = await asyncio.gather(*(storage.get_data(k) for k in keys))
        assert [d["n"] for d in found] == [k.chat_id for k in keys]
    finally:
        redis = storage.redis  # type: ignore[attr-defined]
        stored = await redis.keys(f"{prefix}:*")
        if stored:
            await redis.delete(*stored)
        await storage.close()
