"""Transcript rows: appended masked and encrypted, concurrent turns in one transaction."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import Transcript
from store.transcripts import TranscriptWriter

ID_NUMBER = "440106199001011234"  # synthetic: masking keeps the first 4 and last 4 digits


async def test_concurrent_turns_share_one_transaction_and_keep_their_order(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    engine = sessionmaker.kw["bind"]
    writer = TranscriptWriter(engine)
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda conn: commits.append(1))
    turns = [(f"sender-{n}", [("in", f"问题{n}"), ("out", f"回答{n}")]) for n in range(20)]
    await asyncio.gather(*(writer.append(s, "rest", rows) for s, rows in turns))
    # The first turn's write starts alone; the 19 that came while it waited share the next.
    assert len(commits) <= 2
    async with sessionmaker() as session:
        stored = list(await session.scalars(select(Transcript).order_by(Transcript.id)))
    assert len(stored) == 40
    for n in range(20):
        mine = [(t.direction, t.text) for t in stored if t.sender_hash == f"sender-{n}"]
        assert mine == [("in", f"问题{n}"), ("out", f"回答{n}")]


async def test_rows_are_masked_before_and_encrypted_at_rest(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    writer = TranscriptWriter(sessionmaker.kw["bind"])
    await writer.append("sender", "rest", [("in", f"我的身份证号是{ID_NUMBER}")])
    async with sessionmaker() as session:
        shown = await session.scalar(select(Transcript.text))
        raw = await session.scalar(text("SELECT text FROM transcript"))
    assert ID_NUMBER not in shown and "1234" in shown  # masked: only the end is kept
    assert "身份证" not in str(raw)  # the stored bytes are ciphertext


async def test_a_failed_write_reaches_every_turn_of_its_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    engine = sessionmaker.kw["bind"]
    writer = TranscriptWriter(engine)

    def refuse(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            raise RuntimeError("disk full")

    event.listen(engine.sync_engine, "before_cursor_execute", refuse)
    outcomes = await asyncio.gather(
        *(writer.append(f"s{n}", "rest", [("in", "你好")]) for n in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(o, Exception) for o in outcomes)
    event.remove(engine.sync_engine, "before_cursor_execute", refuse)
    await writer.append("s9", "rest", [("in", "还在吗")])  # the writer goes on afterwards
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Transcript.sender_hash))) == ["s9"]


async def test_nothing_to_write_writes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await TranscriptWriter(sessionmaker.kw["bind"]).append("sender", "rest", [])
    async with sessionmaker() as session:
        assert await session.scalar(select(Transcript.id)) is None
