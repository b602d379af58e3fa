"""Appending transcript rows, the turns that end together in one transaction (group commit).

Every turn adds its rows (what the resident wrote, what was answered), masked and then
encrypted one row at a time (``Transcript.text`` is :class:`~store.base.Encrypted`); nothing
already stored is read or re-encrypted. One Core ``INSERT`` (``executemany``) writes all the
rows waiting when the writer gets the database, in a transaction of their own: on SQLite one
take of the single writer lock for many turns instead of one each. A turn's
:meth:`TranscriptWriter.append` returns once its rows are committed (or raises what the
write raised), so a transcript is complete when the reply leaves, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from store.base import utcnow
from store.models import Transcript
from store.pii import mask_text


class TranscriptWriter:
    """The transcript rows of many turns, written together.

    :param engine: the dialogue's database.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._waiting: list[tuple[list[dict[str, object]], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(
        self, sender_hash: str, channel: str, rows: Iterable[tuple[str, str]]
    ) -> None:
        """Store ``rows`` (``(direction, text)``, ``in``/``out``, in order) for a sender.

        Texts are masked (:func:`store.pii.mask_text`) before they are stored.

        :raises Exception: whatever the database raised; the rows are not stored.
        """
        at = utcnow()
        values = [
            {"sender_hash": sender_hash, "channel": channel, "direction": d, "text": mask_text(t),
             "at": at}
            for d, t in rows
        ]  # fmt: skip
        if not values:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((values, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await asyncio.shield(done)  # a cancelled turn does not cancel the others' rows

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self.engine.begin() as conn:
                    await conn.execute(
                        insert(Transcript), [v for values, _ in batch for v in values]
                    )
            except Exception as e:
                for _, done in batch:
                    done.set_exception(e)
            else:
                for _, done in batch:
                    done.set_result(None)
