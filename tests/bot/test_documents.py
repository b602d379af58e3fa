"""Document links with several workers: documents in the real Redis, encrypted, expiring.

Two REST apps (two workers) over two gateways share one Redis on 127.0.0.1:6379 and one
secret: a link made by one downloads from the other, over real HTTP on loopback.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.channels.documents import DocumentStore
from bot.channels.gateway import Document, Gateway
from store.crypto import Vault
from tests.bot.conftest import FakeClock
from tests.bot.test_rest import post, serving
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.redis
PDF: Document = {"filename": "核查报告.pdf", "mime_type": "application/pdf",
                 "data": b"%PDF-1.7 the family's report"}  # fmt: skip


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Redis, str]]:
    """The shared Redis and a key prefix nobody else uses (its keys removed afterwards)."""
    client = Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"jiuzhu-test:document:{secrets.token_hex(6)}:"
    try:
        yield client, prefix
    finally:
        if keys := await client.keys(prefix + "*"):
            await client.delete(*keys)
        await client.aclose()


def worker_store(redis: tuple[Redis, str], clock: Callable[[], float]) -> DocumentStore:
    """What ``jiuzhu serve`` builds in one worker: the shared Redis and secret."""
    client, prefix = redis
    return DocumentStore(redis=client, vault=Vault(TEST_SECRET.encode()), prefix=prefix,
                         clock=clock)  # fmt: skip


async def test_a_link_made_by_one_worker_downloads_from_another(
    make_gateway: Callable[..., Gateway], redis: tuple[Redis, str]
) -> None:
    clock = FakeClock()
    first = serving(make_gateway(), documents=worker_store(redis, clock))
    second = serving(make_gateway(), documents=worker_store(redis, clock))
    async with first as one, second as two, aiohttp.ClientSession() as http:
        _, replies = await post(one, {"sender": "alice", "message": "/doc"})
        url = replies[-1]["attachment"]  # type: ignore[index]
        on_two = two + url.removeprefix(one)
        async with http.get(on_two) as resp:
            assert resp.status == 200 and await resp.read() == b"%PDF-1.4 demo"
        other = on_two.replace("sender=alice", "sender=bob")
        async with http.get(other) as resp:
            assert resp.status == 404
        clock.advance(3601)
        async with http.get(on_two) as resp:
            assert resp.status == 404


async def test_in_redis_the_document_is_encrypted_and_expires(
    redis: tuple[Redis, str],
) -> None:
    store = worker_store(redis, FakeClock())
    path = await store.put(PDF, "alice")
    client, prefix = redis
    [key] = await client.keys(prefix + "*")
    stored = await client.get(key)
    assert b"PDF" not in stored and "核查报告".encode() not in stored and b"alice" not in stored
    assert 0 < await client.ttl(key) <= 3600
    token = urlsplit(path).path.rsplit("/", 1)[1]
    q = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    assert await store.get(token, "alice", q["exp"], q["sig"]) == PDF
    await client.delete(key)  # Redis let it expire: the link is gone, not an error
    assert await store.get(token, "alice", q["exp"], q["sig"]) is None


async def test_another_secret_cannot_forge_or_read(redis: tuple[Redis, str]) -> None:
    client, prefix = redis
    store = worker_store(redis, FakeClock())
    path = await store.put(PDF, "alice")
    stranger = DocumentStore(redis=client, vault=Vault(b"another-secret-of-32-characters!"),
                             prefix=prefix, clock=FakeClock())  # fmt: skip
    token = urlsplit(path).path.rsplit("/", 1)[1]
    q = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    assert await stranger.get(token, "alice", q["exp"], q["sig"]) is None


def test_redis_without_the_vault_is_refused() -> None:
    with pytest.raises(ValueError, match="encrypted"):
        DocumentStore(redis=object())
