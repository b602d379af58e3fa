"""Cards for new cases in the Telegram staff group, and cards kept up to date.

Works for cases opened in any process (the Telegram bot, a REST worker, the batch): it
reads the database, not an in-process event.

- :meth:`CardNotifier.post_new` posts a card for each unended case of the group's region
  that has none yet, most urgent first. The case is claimed first (a conditional UPDATE
  sets ``group_card_id`` to 0), so two posters never post it twice; a failed post releases
  the claim. Only one process polls a bot's updates (Telegram refuses a second), so at start
  claims left by a process that died mid-post are released (:meth:`release_stale`).
- :meth:`CardNotifier.refresh` edits the cards of cases changed lately (taken or closed in
  the console), so the group never offers 接手 on a case a colleague has.

Both stay within the group's per-minute budget (:class:`~staff.telegram.board.Board`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff.clocks import ENDED
from staff.telegram.board import Board
from staff.telegram.cards import card_of
from store.base import utcnow
from store.models import Case
from store.models.cases import PRIORITIES

log = logging.getLogger(__name__)

LAG = timedelta(minutes=1)
"""[A] How far back a refresh looks before the previous one: a transaction that stamped
``updated_at`` but committed a little later is still seen."""
REFRESH_BATCH = 50
"""[A] Changed cases read per refresh."""

_URGENCY = when({p: i for i, p in enumerate(PRIORITIES)}, value=Case.priority,
               else_=len(PRIORITIES))  # fmt: skip


class CardNotifier:
    """Posts and refreshes the cards of the region ``region_prefix`` on ``board``."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], board: Board, *,
        region_prefix: str = "44",
    ) -> None:  # fmt: skip
        self.sessionmaker, self.board, self.region_prefix = sessionmaker, board, region_prefix
        self._since = utcnow() - LAG

    def _ours(self) -> ColumnElement[bool]:
        return Case.region_code.startswith(self.region_prefix, autoescape=True)

    async def release_stale(self) -> int:
        """Release claims of posts that never finished (a previous process died); how many."""
        async with self.sessionmaker() as session:
            done = await session.execute(
                update(Case).where(Case.group_card_id == 0)
                .values(group_card_id=None, updated_at=Case.updated_at)
            )  # fmt: skip
            await session.commit()
        return done.rowcount

    async def post_new(self) -> int:
        """Post the cards of cases that have none, while the budget lasts; how many."""
        posted = 0
        while self.board.has_room():
            async with self.sessionmaker() as session:
                case = await session.scalar(
                    select(Case)
                    .where(Case.group_card_id.is_(None), Case.status.not_in(ENDED), self._ours())
                    .order_by(_URGENCY, Case.id)
                    .limit(1)
                )  # fmt: skip
                if case is None:
                    return posted
                if not await _set_card(session, case.id, 0, claim=True):
                    continue  # another poster claimed it first
                card = await card_of(session, case)
                await session.commit()
            try:
                message_id = await self.board.post(card)
            except Exception as e:  # kept for the next round
                log.warning("card of case %s not posted (%s)", case.id, type(e).__name__)
                async with self.sessionmaker() as session:
                    await _set_card(session, case.id, None)
                    await session.commit()
                return posted
            async with self.sessionmaker() as session:
                await _set_card(session, case.id, message_id)
                await session.commit()
            posted += 1
        return posted

    async def refresh(self) -> int:
        """Edit the cards of cases changed since the last refresh; how many were edited."""
        since, self._since = self._since, utcnow() - LAG
        async with self.sessionmaker() as session:
            changed = list(await session.scalars(
                select(Case)
                .where(Case.group_card_id > 0, Case.updated_at >= since, self._ours())
                .order_by(Case.updated_at.desc())
                .limit(REFRESH_BATCH)
            ))  # fmt: skip
            cards = [(c.group_card_id, await card_of(session, c)) for c in changed]
        edited = 0
        for message_id, card in cards:
            if not self.board.has_room():
                self._since = since  # the rest next round
                break
            try:
                edited += await self.board.show(message_id, card)
            except Exception as e:  # the next change shows it
                log.warning("card %s not refreshed (%s)", message_id, type(e).__name__)
        return edited


async def _set_card(
    session: AsyncSession, case_id: int, value: int | None, *, claim: bool = False
) -> bool:
    """Set the case's card id (``updated_at`` kept: a card is not a change of the case)."""
    query = update(Case).where(Case.id == case_id)
    if claim:
        query = query.where(Case.group_card_id.is_(None))
    done = await session.execute(
        query.values(group_card_id=value, updated_at=Case.updated_at)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return done.rowcount == 1
