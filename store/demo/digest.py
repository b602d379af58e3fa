"""A SHA-256 over the logical content of the database, for determinism checks.

Encrypted columns are hashed as their plain text (ciphertexts differ on every run because
each value gets a random nonce), and lookup hashes are skipped (they depend on the key).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, select

import store.models  # noqa: F401  (registers every table)
from store.base import Base


def content_digest(conn: Connection, tables: list[str] | None = None) -> str:
    """Hex SHA-256 over every row of ``tables`` (default: all), each ordered by primary key."""
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        if tables is not None and table.name not in tables:
            continue
        columns = [c for c in table.columns if not c.name.endswith("_hash")]
        digest.update(table.name.encode())
        result = conn.execution_options(yield_per=10_000).execute(
            select(*columns).order_by(*table.primary_key.columns)
        )
        for row in result:
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
