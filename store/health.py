"""Is the database usable right now? Used by the readiness probe (``GET /readyz``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.sqlite_file import problems


async def database_problem(
    sessionmaker: async_sessionmaker[AsyncSession], sqlite_path: Path | None = None
) -> str | None:
    """Why the database cannot serve a turn, or None when it answers a read and a write.

    The read is the schema's migration revision; the write is a temporary table's row,
    rolled back. On SQLite the transaction itself (``BEGIN IMMEDIATE``) takes the file's
    write lock, so a read-only, missing or replaced file fails here too; on PostgreSQL a
    read-only server or session refuses the temporary table.

    :param sqlite_path: the SQLite file, to check it and its ``-wal``/``-shm`` are writable.
    :returns: a short reason (no data from the database), or None.
    """
    if sqlite_path is not None and (found := problems(sqlite_path)):
        return "; ".join(found)
    try:
        async with sessionmaker() as session:
            # A table of ours, not "SELECT 1": a server whose schema is gone answers that too.
            await session.execute(text("SELECT version_num FROM alembic_version"))
            await session.execute(text("CREATE TEMP TABLE IF NOT EXISTS jiuzhu_ready (n INTEGER)"))
            await session.execute(text("INSERT INTO jiuzhu_ready (n) VALUES (1)"))
            await session.rollback()
    except Exception as e:  # a probe reports, it does not raise
        return f"{type(e).__name__}: the database did not answer a read and a write"
    return None
