"""The replies given to each message id, so a repeated delivery is answered without a rerun.

A REST client retries a message with the same ``message_id`` (a timeout, a reconnect),
possibly through another worker. The gateway looks the id up under the sender's lock: a
retry that arrives while the first delivery is still running waits for that lock, then
finds the first replies here. :class:`MemoryDelivered` keeps them in this process;
:class:`RedisDelivered` in Redis for every worker, encrypted with the vault
(:mod:`store.crypto`: replies hold names, amounts, documents) and expiring.
"""

from __future__ import annotations

import base64
import json
import logging
from collections import OrderedDict
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from jiuzhu.errors import ConfigError
from store.crypto import vault

if TYPE_CHECKING:
    from bot.channels.gateway import Reply

log = logging.getLogger(__name__)

KEEP_REPLIES = timedelta(hours=24)
"""[A] How long the replies to a message id are kept for a retry: a client that retries a
day later is starting over anyway, and personal data should not linger longer."""


class Delivered(Protocol):
    """Replies by delivery key (the gateway's key of a sender's message id)."""

    async def get(self, key: str) -> list[Reply] | None:
        """The replies stored for ``key``, or None."""
        ...

    async def put(self, key: str, replies: list[Reply]) -> None:
        """Store ``replies`` for ``key``."""
        ...


class MemoryDelivered:
    """This process's replies, for the newest ``max_keys`` message ids (all senders).

    :ivar entries: key → replies, oldest first.
    """

    def __init__(self, max_keys: int = 10_000) -> None:
        self.max_keys = max_keys
        self.entries: OrderedDict[str, list[Reply]] = OrderedDict()

    async def get(self, key: str) -> list[Reply] | None:
        """The replies for ``key`` (and mark it recently used), or None."""
        replies = self.entries.get(key)
        if replies is not None:
            self.entries.move_to_end(key)
        return replies

    async def put(self, key: str, replies: list[Reply]) -> None:
        """Keep ``replies``; the least recently used key goes beyond ``max_keys``."""
        self.entries[key] = replies
        while len(self.entries) > self.max_keys:
            self.entries.popitem(last=False)


class RedisDelivered:
    """Replies in Redis: ``SET key <AES-GCM of the JSON replies> EX ttl``.

    :param redis: a ``redis.asyncio.Redis`` client.
    :param ttl: seconds the replies are kept (:data:`KEEP_REPLIES`).
    """

    def __init__(self, redis: Any, ttl: int = int(KEEP_REPLIES.total_seconds())) -> None:
        self.redis, self.ttl = redis, ttl

    async def get(self, key: str) -> list[Reply] | None:
        """The replies another (or this) worker stored for ``key``, or None (also for replies
        stored under another secret key: after a key change a retry is simply handled)."""
        blob = await self.redis.get(key)
        if blob is None:
            return None
        try:
            return loads(vault().decrypt(blob))
        except ConfigError:
            log.warning("replies kept for a retry were stored under another secret key")
            return None

    async def put(self, key: str, replies: list[Reply]) -> None:
        """Store ``replies`` encrypted, expiring after ``ttl`` seconds."""
        await self.redis.set(key, vault().encrypt(dumps(replies)), ex=self.ttl)


def dumps(replies: list[Reply]) -> str:
    """Replies as JSON text; a document's bytes as base64."""
    out: list[dict[str, Any]] = []
    for reply in replies:
        item: dict[str, Any] = dict(reply)
        document = reply.get("document")
        if document is not None:
            item["document"] = {**document, "data": base64.b64encode(document["data"]).decode()}
        out.append(item)
    return json.dumps(out)  # ASCII escapes: a lone surrogate in a reply still encodes


def loads(text: str) -> list[Reply]:
    """The replies :func:`dumps` wrote."""
    replies: list[Any] = json.loads(text)
    for reply in replies:
        document = reply.get("document")
        if document is not None:
            document["data"] = base64.b64decode(document["data"])
    return replies
