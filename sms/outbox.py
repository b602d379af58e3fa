"""The ``sms_outbox`` queue: claim what is due, record what came of it.

Several workers may drain one database. :func:`claim_due` takes due rows in one short
transaction and moves their ``next_attempt_at`` forward by :data:`LEASE`, so no other
worker sees them while one sends: on PostgreSQL the rows are selected ``FOR UPDATE SKIP
LOCKED`` (a second worker skips them instead of waiting) and the UPDATE checks again that
they are due; SQLite has one writer at a time (``BEGIN IMMEDIATE``, :mod:`store.session`).
The transaction is committed before anything is sent, so no lock is held over the network.
A worker that dies mid-send leaves its rows to be taken again once the lease ends.

Once a row is done (sent, given up, expired) its text and parameters are blanked: a code
does not linger, even encrypted. ``last_error`` keeps only the provider's error code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sms.senders import SmsMessage
from store.models import SmsOutbox

LEASE = timedelta(seconds=60)
"""[A] How long a claimed row stays hidden from other workers: longer than the SDK's
connect and read timeouts together (:mod:`sms.aliyun`: 15 s)."""
MAX_ATTEMPTS = 5
"""[A] Sends tried before a row is given up (``failed``)."""
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(minutes=5)
"""[A] Exponential backoff: 10 s after the first failure, then 20, 40, 80... at most 5 min,
so the five tries of a sign-in code fit in its 10 minutes."""


@dataclass(frozen=True)
class Claimed:
    """A row this worker may send now.

    :ivar attempt: which try this is (1 for the first).
    :ivar expires_at: after this the message must not be sent (None: no deadline).
    """

    id: int
    message: SmsMessage
    attempt: int
    expires_at: datetime | None


def backoff(attempt: int) -> timedelta:
    """The wait after failed try number ``attempt`` (1-based): 10 s · 2^(attempt−1), ≤ 5 min."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(SmsOutbox.status == "pending", SmsOutbox.next_attempt_at <= now)


_DONE = {"text": "", "params": None}
"""What a finished row keeps of its message: nothing."""


async def expire_stale(session: AsyncSession, now: datetime) -> int:
    """Mark pending rows past their ``expires_at`` ``expired`` (never sent); returns how many."""
    stale = (
        select(SmsOutbox.id)
        .where(SmsOutbox.status == "pending", SmsOutbox.expires_at <= now)
        .with_for_update(skip_locked=True)  # a row another worker holds is its business
    )
    result = await session.execute(
        update(SmsOutbox)
        .where(SmsOutbox.id.in_(stale.scalar_subquery()), SmsOutbox.status == "pending")
        .values(status="expired", next_attempt_at=None, last_error="expired", **_DONE)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def claim_due(session: AsyncSession, now: datetime, limit: int = 20) -> list[Claimed]:
    """Claim up to ``limit`` due rows: attempts + 1, hidden for :data:`LEASE`.

    The longest due are claimed first, and returned oldest first (by ``created_at``).

    Expires stale rows first. The caller commits, then sends.
    """
    await expire_stale(session, now)
    candidates = (
        select(SmsOutbox.id).where(_due(now))
        .order_by(SmsOutbox.next_attempt_at, SmsOutbox.id).limit(limit)
        .with_for_update(skip_locked=True)
    )  # fmt: skip
    ids = list(await session.scalars(candidates))
    if not ids:
        return []
    claimed = await session.scalars(
        update(SmsOutbox)
        .where(SmsOutbox.id.in_(ids), _due(now))  # due again: checked under the row lock
        .values(attempts=SmsOutbox.attempts + 1, next_attempt_at=now + LEASE)
        .returning(SmsOutbox.id)
    )
    rows = await session.execute(
        select(SmsOutbox).where(SmsOutbox.id.in_(list(claimed)))
        .order_by(SmsOutbox.created_at, SmsOutbox.id)
        .execution_options(populate_existing=True)
    )  # fmt: skip
    return [
        Claimed(row.id, SmsMessage(row.phone, row.purpose, row.text,
                                   json.loads(row.params) if row.params else {}),
                row.attempts, row.expires_at)
        for row in rows.scalars()
    ]


async def record_sent(
    session: AsyncSession, row_id: int, now: datetime, provider_ref: str
) -> None:
    """The provider took it: ``sent`` at ``now``, its id kept, the message blanked."""
    await session.execute(
        update(SmsOutbox).where(SmsOutbox.id == row_id)
        .values(status="sent", sent_at=now, next_attempt_at=None, last_error=None,
                provider_ref=provider_ref[:64], **_DONE)
    )  # fmt: skip


async def record_failure(
    session: AsyncSession,
    claimed: Claimed,
    now: datetime,
    *,
    error: str,
    retryable: bool,
    retry_after: timedelta | None = None,
) -> str:
    """A failed try: retry after the backoff (or ``retry_after``, if longer), or give up.

    Gives up (``failed``, message blanked) when the error is not retryable, after
    :data:`MAX_ATTEMPTS` tries, or when the next try would come after ``expires_at``.

    :returns: the row's new status, ``pending`` or ``failed``.
    """
    wait = max(backoff(claimed.attempt), retry_after or timedelta(0))
    later = now + wait
    gave_up = (
        not retryable
        or claimed.attempt >= MAX_ATTEMPTS
        or (claimed.expires_at is not None and later >= claimed.expires_at)
    )
    values = (
        {"status": "failed", "next_attempt_at": None, **_DONE}
        if gave_up
        else {"next_attempt_at": later}
    )
    await session.execute(
        update(SmsOutbox).where(SmsOutbox.id == claimed.id)
        .values(last_error=error[:120], **values)
    )  # fmt: skip
    return "failed" if gave_up else "pending"


async def record_expired(session: AsyncSession, row_id: int) -> None:
    """Claimed but its validity ended before it could go: ``expired``, never sent."""
    await session.execute(
        update(SmsOutbox).where(SmsOutbox.id == row_id)
        .values(status="expired", next_attempt_at=None, last_error="expired", **_DONE)
    )  # fmt: skip
