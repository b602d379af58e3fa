"""Documents waiting to be downloaded over HTTP, each for the one sender it was made for.

A document's URL carries a random token, the sender, an expiry and an HMAC-SHA256 of the
three: it works only for that sender, until then, unaltered, and needs no other credential
(a chat widget opens it as a plain link). With Redis (``JIUZHU_REDIS_URL``) the documents
live there, encrypted with the project's vault (:mod:`store.crypto`, AES-256-GCM) and
expiring with the link, and the signing key is derived from ``JIUZHU_SECRET_KEY``: every
worker serves every link. Without Redis they live in this process's memory, bounded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from bot.channels.gateway import Document
from store.crypto import Vault

DOCUMENTS_PATH = "/webhooks/rest/documents"
TTL = 3600.0
"""[A] Seconds a document link works: long enough to open it from the chat later the same hour."""


class DocumentStore:
    """Signed, expiring, sender-bound document links; documents in memory or in Redis.

    :param ttl: seconds a document stays downloadable (written into the URL).
    :param max_items: documents kept at once in memory (oldest dropped first); Redis keeps
        each until its TTL.
    :param clock: wall-clock seconds.
    :param redis: a ``redis.asyncio.Redis`` shared by the workers, or None for memory.
    :param vault: encrypts what goes to Redis and keys the signatures (required with
        ``redis``; without it links are signed with a random key of this process).
    :param prefix: Redis key prefix (tests use a unique one).
    :raises ValueError: ``redis`` without ``vault``.
    """

    def __init__(
        self,
        ttl: float = TTL,
        max_items: int = 500,
        clock: Callable[[], float] = time.time,
        *,
        redis: Any = None,
        vault: Vault | None = None,
        prefix: str = "jiuzhu:document:",
    ) -> None:
        if redis is not None and vault is None:
            msg = "documents in Redis must be encrypted: pass the vault"
            raise ValueError(msg)
        self.ttl, self.max_items, self.clock = ttl, max_items, clock
        self._redis, self._vault, self._prefix = redis, vault, prefix
        self._key = secrets.token_bytes(32)
        self._items: OrderedDict[str, tuple[str, Document]] = OrderedDict()

    async def put(self, document: Document, sender: str) -> str:
        """Keep ``document`` for ``sender``; returns its path with the signed query."""
        token = secrets.token_urlsafe(24)
        if self._redis is not None and self._vault is not None:
            blob = self._vault.encrypt(json.dumps(_encode(document, sender)))
            await self._redis.set(self._prefix + token, blob, ex=max(int(self.ttl), 1))
        else:
            self._items[token] = (sender, document)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        expires = int(self.clock() + self.ttl)
        query = urlencode({"sender": sender, "exp": expires,
                           "sig": self._sign(token, sender, expires)})  # fmt: skip
        return f"{DOCUMENTS_PATH}/{token}?{query}"

    async def get(self, token: str, sender: str, expires: str, signature: str) -> Document | None:
        """The document, or None unless the URL is intact, unexpired and ``sender``'s."""
        if not expires.isdigit():
            return None
        if not hmac.compare_digest(self._sign(token, sender, int(expires)), signature):
            return None
        if int(expires) < self.clock():
            self._items.pop(token, None)
            return None
        item = await self._load(token)
        if item is None:
            return None
        owner, document = item
        return document if hmac.compare_digest(owner.encode(), sender.encode()) else None

    async def _load(self, token: str) -> tuple[str, Document] | None:
        if self._redis is None or self._vault is None:
            return self._items.get(token)
        blob = await self._redis.get(self._prefix + token)
        return None if blob is None else _decode(json.loads(self._vault.decrypt(blob)))

    def _sign(self, token: str, sender: str, expires: int) -> str:
        message = f"{token}\0{sender}\0{expires}"
        if self._vault is not None:  # the same key in every worker
            return self._vault.lookup_hash("document-link", message)
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()


def _encode(document: Document, sender: str) -> dict[str, str]:
    return {"sender": sender, "filename": document["filename"],
            "mime_type": document["mime_type"],
            "data": base64.b64encode(document["data"]).decode()}  # fmt: skip


def _decode(item: dict[str, str]) -> tuple[str, Document]:
    document: Document = {"filename": item["filename"], "mime_type": item["mime_type"],
                          "data": base64.b64decode(item["data"])}  # fmt: skip
    return item["sender"], document
