"""Handoff relay: while a caseworker holds a conversation, the chat is theirs.

- :func:`held_case` is the hard lock the dialogue checks on every update, in the database,
  so it holds across workers: while it returns a case the assistant is silent for that
  resident, and each message goes to the case (:func:`from_resident`).
- What staff write (:func:`queue`) is an :class:`~store.models.Outbound` row. After the
  transaction commits, :func:`push_pending` pushes it where the channel can push (Telegram,
  a REST callback URL); the rest wait for the resident's next turn (:func:`take_undelivered`).
  A row is claimed by a conditional UPDATE before it is sent, so two workers never send it
  twice; a failed push is released for the next turn.
- :func:`join` / :func:`release` tell the resident a person joined or the assistant is back;
  a release resets the dialogue to the menu when it is delivered.
"""

from __future__ import annotations

import functools
import logging
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff.access import Principal
from staff.pace import Pace
from store.base import utcnow
from store.models import Case, CaseEvent, Notice, Outbound
from store.pii import mask_text
from templates import known_locale, texts

log = logging.getLogger(__name__)

NOTICE_TITLES = {"verification_report": "notice-title-verification-report",
                 "refusal_notice": "notice-title-refusal-notice"}  # fmt: skip


@dataclass(frozen=True)
class Attachment:
    """A document for the resident: ``data`` is the whole file."""

    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class Delivery:
    """One message for a resident, ready to send on ``channel`` to ``address``."""

    id: int
    channel: str
    address: str
    text: str
    reset_conversation: bool = False
    attachments: list[Attachment] = field(default_factory=list)


class Pusher(Protocol):
    """Sends a :class:`Delivery` at once on one channel; raises when it could not."""

    async def push(self, delivery: Delivery) -> None: ...


@dataclass(frozen=True)
class RelayState:
    """What the dialogue must do for one sender before its handlers run (ids or None)."""

    held_case_id: int | None
    undelivered: bool
    wait_case_id: int | None

    @property
    def quiet(self) -> bool:
        """Nothing to do: the usual turn."""
        return self.held_case_id is None and not self.undelivered and self.wait_case_id is None


async def relay_state(session: AsyncSession, sender_hash: str, wait: timedelta) -> RelayState:
    """One round trip for every turn: held?, messages waiting?, a long wait to announce?

    :param wait: how long an unassigned conversation case waits before the announcement.
    """
    values = {"sender": sender_hash, "before": utcnow() - wait}
    row = (await session.execute(_relay_state_statement(), values)).one()
    return RelayState(row[0], bool(row[1]), row[2])


@functools.cache
def _relay_state_statement() -> Select[tuple[int | None, bool, int | None]]:
    """The statement of :func:`relay_state`, built once per process (it runs every turn)."""
    from staff.cases import RELAY_KINDS

    sender, before = bindparam("sender"), bindparam("before")
    held = select(Case.id).where(Case.sender_hash == sender, Case.held.is_(True))
    waiting = select(Outbound.id).where(
        Outbound.sender_hash == sender, Outbound.delivered_at.is_(None)
    )
    long_wait = select(Case.id).where(
        Case.sender_hash == sender, Case.status == "open", Case.kind.in_(sorted(RELAY_KINDS)),
        Case.callback_offered_at.is_(None), Case.created_at < before,
    )  # fmt: skip
    return select(
        held.limit(1).scalar_subquery(), waiting.exists(), long_wait.limit(1).scalar_subquery()
    )


async def held_case(session: AsyncSession, sender_hash: str) -> Case | None:
    """The case whose caseworker holds this resident's conversation, if any."""
    if not sender_hash:
        return None
    return await session.scalar(
        select(Case).where(Case.sender_hash == sender_hash, Case.held.is_(True)).limit(1)
    )


async def from_resident(session: AsyncSession, case: Case, text: str) -> None:
    """Put a resident's message on the case (masked, encrypted); a crisis makes it urgent."""
    from nlu.crisis import crisis_kind  # the dialogue's own reading of danger

    session.add(CaseEvent(case_id=case.id, kind="message_in", actor="resident", at=utcnow(),
                          text=mask_text(text)))  # fmt: skip
    if crisis_kind(text) and case.priority != "urgent":
        case.priority = "urgent"
    case.updated_at = utcnow()
    await session.flush()


async def queue(
    session: AsyncSession,
    case: Case,
    text: str,
    *,
    actor: str,
    notice_id: int | None = None,
    reset_conversation: bool = False,
    event: str = "message_out",
    event_text: str | None = None,
) -> Outbound | None:
    """A message for the case's resident (flushed); None when the case has no chat.

    :param event_text: what the case timeline shows (default: ``text``).
    """
    data = {"notice_id": notice_id} if notice_id else None
    session.add(CaseEvent(case_id=case.id, kind=event, actor=actor, at=utcnow(),
                          text=mask_text(event_text or text), data=data))  # fmt: skip
    if not (case.address and case.channel and case.sender_hash):
        await session.flush()
        return None
    row = Outbound(
        case_id=case.id, sender_hash=case.sender_hash, channel=case.channel,
        address=case.address, text=text, notice_id=notice_id,
        reset_conversation=reset_conversation, created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row


async def resident_locale(session: AsyncSession, case: Case) -> str:
    """The locale the case's resident reads (``zh_CN`` or ``en``): the one their chat was in
    when the case was opened (:class:`staff.cases.Resident`, kept on the "opened" event).
    Everything staff send them is written in it; Chinese when nothing was recorded."""
    data = await session.scalar(
        select(CaseEvent.data)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "opened")
        .order_by(CaseEvent.id)
        .limit(1)
    )
    return known_locale((data or {}).get("locale"))


async def join(session: AsyncSession, case: Case, principal: Principal) -> None:
    """The caseworker holds the conversation from now; the resident is told."""
    case.held = True
    locale = await resident_locale(session, case)
    text = texts("relay", locale).t("relay-joined", number=principal.id)
    await queue(session, case, text, actor=principal.actor, event="joined")


async def release(session: AsyncSession, case: Case, principal: Principal) -> None:
    """The assistant answers again; the resident is told, and the dialogue restarts at the menu."""
    case.held = False
    text = texts("relay", await resident_locale(session, case)).t("relay-released")
    await queue(session, case, text, actor=principal.actor, event="released",
                reset_conversation=True)  # fmt: skip


async def take_undelivered(session: AsyncSession, sender_hash: str) -> list[Delivery]:
    """What waits for this resident, oldest first, claimed as delivered now (flushed)."""
    rows = list(await session.scalars(
        select(Outbound)
        .where(Outbound.sender_hash == sender_hash, Outbound.delivered_at.is_(None))
        .order_by(Outbound.id)
    ))  # fmt: skip
    claimed = [row for row in rows if await _claim(session, row.id)]
    return [await _delivery(session, row) for row in claimed]


async def _claim(session: AsyncSession, outbound_id: int) -> bool:
    done = await session.execute(
        update(Outbound)
        .where(Outbound.id == outbound_id, Outbound.delivered_at.is_(None))
        .values(delivered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


async def unclaim(session: AsyncSession, outbound_ids: list[int]) -> None:
    """Claimed messages that could not be shown wait again (for a push or the next turn)."""
    await session.execute(
        update(Outbound).where(Outbound.id.in_(outbound_ids)).values(delivered_at=None)
    )


async def _delivery(session: AsyncSession, row: Outbound) -> Delivery:
    attachments: list[Attachment] = []
    if row.notice_id is not None:
        notice = await session.get(Notice, row.notice_id)
        if notice is not None:
            attachments = notice_attachments(notice)
    return Delivery(row.id, row.channel, row.address, row.text, row.reset_conversation,
                    attachments)  # fmt: skip


def notice_attachments(notice: Notice) -> list[Attachment]:
    """The notice as the resident receives it: the HTML as issued, and its PDF."""
    from eligibility.documents import html_to_pdf

    stem = f"{notice.kind}-{notice.id}"
    return [
        Attachment(f"{stem}.html", "text/html", notice.html.encode()),
        Attachment(f"{stem}.pdf", "application/pdf", html_to_pdf(notice.html)),
    ]


async def push_pending(
    sessionmaker: async_sessionmaker[AsyncSession],
    pushers: Mapping[str, Pusher],
    *,
    case_id: int | None = None,
    pace: Pace | None = None,
) -> int:
    """Push the committed, undelivered messages of channels that can push; returns how many.

    Call after the transaction that queued them has committed. A failed push is logged
    (without the text) and left for the resident's next turn. Rows go in id order: the
    batch queues its outreach most urgent first. With ``pace``, each push waits its turn
    (:class:`staff.pace.Pace`: Telegram's rate).
    """
    if not pushers:
        return 0
    async with sessionmaker() as session:
        query = select(Outbound.id).where(
            Outbound.delivered_at.is_(None), Outbound.channel.in_(list(pushers))
        )
        if case_id is not None:
            query = query.where(Outbound.case_id == case_id)
        ids = list(await session.scalars(query.order_by(Outbound.id)))
    sent = 0
    for outbound_id in ids:
        async with sessionmaker() as session:
            if not await _claim(session, outbound_id):
                continue
            row = await session.get(Outbound, outbound_id)
            delivery = await _delivery(session, row)
            await session.commit()
        try:
            if pace is not None:
                await pace.wait()
            await pushers[delivery.channel].push(delivery)
            sent += 1
        except Exception as e:  # a push that fails waits for the next turn
            log.warning("push %s on %s failed (%s); kept for the next turn",
                        outbound_id, delivery.channel, type(e).__name__)  # fmt: skip
            async with sessionmaker() as session:
                await unclaim(session, [outbound_id])
                await session.commit()
    return sent


async def expected_wait(session: AsyncSession, region_code: str) -> timedelta | None:
    """Median time from opening to a caseworker taking a case, over the region's last 20.

    None when the region has no taken case yet.
    """
    rows = await session.execute(
        select(Case.created_at, CaseEvent.at)
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(Case.region_code == region_code, CaseEvent.kind == "assigned")
        .order_by(CaseEvent.id.desc())
        .limit(20)
    )
    waits = [(taken - opened).total_seconds() for opened, taken in rows]
    return timedelta(seconds=statistics.median(waits)) if waits else None


async def callback_offer_due(
    session: AsyncSession, sender_hash: str, after: timedelta
) -> Case | None:
    """The resident's conversation case left unassigned longer than ``after``, offered once.

    Marks the offer (flushed), so the resident hears it once per case.
    """
    from staff.cases import RELAY_KINDS

    case = await session.scalar(
        select(Case).where(
            Case.sender_hash == sender_hash, Case.status == "open", Case.kind.in_(RELAY_KINDS),
            Case.callback_offered_at.is_(None), Case.created_at < utcnow() - after,
        ).limit(1)
    )  # fmt: skip
    if case is not None:
        case.callback_offered_at = utcnow()
        await session.flush()
    return case


async def reachable_by_phone(session: AsyncSession, case: Case) -> bool:
    """True when the case's resident is known and has a phone on file (a call-back works)."""
    from store.models import Person

    person = await session.get(Person, case.person_id) if case.person_id else None
    return person is not None and bool(person.phone)


async def request_callback(
    session: AsyncSession, case_id: int, sender_hash: str
) -> Case | None:
    """The resident asked to be called back: noted on the case, priority at least high.

    :returns: the case, or None when it is not this resident's (a stale or forged button).
    """
    case = await session.get(Case, case_id)
    if case is None or not sender_hash or case.sender_hash != sender_hash:
        return None
    if not await reachable_by_phone(session, case):
        return None
    session.add(CaseEvent(case_id=case.id, kind="note", actor="resident", at=utcnow(),
                          text="call-back requested", data={"callback": True}))  # fmt: skip
    if case.priority in ("normal", "low"):
        case.priority = "high"
    await session.flush()
    return case
