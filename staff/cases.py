"""Cases: opened from the chat or the batch, listed and worked by staff, closed.

Every function takes plain values (a session, ids, a :class:`~staff.access.Principal`) and
returns rows; the bot's routers, the console, the JSON API and the Telegram staff group
all call these. Staff reads are authorised and audited (:func:`staff.access.authorize`).
Nothing here commits: the caller's transaction does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu.errors import InvalidInput
from staff import relay
from staff.access import Principal, authorize, in_jurisdiction
from staff.clocks import ENDED, breaches
from staff.errors import Conflict, NotFound
from store.base import utcnow
from store.models import Case, CaseEvent, Family, StaffAccount
from store.models import PrecheckResult as PrecheckRecord
from store.models.cases import CASE_KINDS, CASE_STATUSES, PRIORITIES
from store.pii import mask_text
from templates import DEFAULT_LOCALE, texts

RELAY_KINDS = frozenset({"handoff", "complaint", "crisis", "dispute", "temporary_assistance"})
"""Cases about the conversation itself: taking one holds the conversation."""

FAMILY_KINDS = frozenset({"home_visit", "application", "periodic_review", "warning"})
"""Cases about the family rather than one conversation: one open case per family."""

DEFAULT_PRIORITY = {"crisis": "urgent", "complaint": "high", "dispute": "high"}
UNKNOWN_REGION = "440000"
"""Cases of people not yet identified go to the province's queue (prefix ``44``)."""

STAFF_STATUSES = ("assigned", "waiting_resident", "home_visit_scheduled", "visited", "resolved")
"""Statuses a caseworker sets by hand; ``open`` and ``closed`` come from take and close."""

MENTION = re.compile(r"@([\w.\-]{1,64})")


@dataclass(frozen=True)
class Resident:
    """Who a case from the chat is about, and where to reach them.

    :ivar sender_hash: the conversation's keyed hash (``bot.middlewares.db.sender_hash``).
    :ivar channel: ``rest``, ``telegram``, ``terminal``, ``web``.
    :ivar address: the sender on that channel (REST sender id, Telegram chat id).
    :ivar locale: the language the resident reads (:data:`templates.LOCALES`); what staff
        send them is written in it (:func:`staff.relay.resident_locale`).
    """

    sender_hash: str
    channel: str | None = None
    address: str | None = None
    person_id: int | None = None
    family_id: int | None = None
    locale: str = DEFAULT_LOCALE


async def open_case(
    session: AsyncSession,
    *,
    kind: str,
    region_code: str,
    summary: str,
    priority: str | None = None,
    resident: Resident | None = None,
    family_id: int | None = None,
    person_id: int | None = None,
    precheck_id: int | None = None,
    actor: str = "assistant",
) -> Case:
    """Store an open case in ``region_code``'s jurisdiction (flushed).

    :param kind: one of :data:`store.models.cases.CASE_KINDS`.
    :param summary: why, with no personal data in it (it is listed to every colleague).
    :param priority: urgent/high/normal/low; default by kind (:data:`DEFAULT_PRIORITY`).
    :raises ValueError: for an unknown kind or priority.
    """
    if kind not in CASE_KINDS:
        msg = f"unknown case kind {kind!r}: expected one of {', '.join(CASE_KINDS)}"
        raise ValueError(msg)
    priority = priority or DEFAULT_PRIORITY.get(kind, "normal")
    if priority not in PRIORITIES:
        msg = f"unknown priority {priority!r}: expected one of {', '.join(PRIORITIES)}"
        raise ValueError(msg)
    resident = resident or Resident(sender_hash="")
    case = Case(
        kind=kind, status="open", priority=priority, region_code=region_code, summary=summary,
        family_id=family_id or resident.family_id, person_id=person_id or resident.person_id,
        precheck_id=precheck_id, sender_hash=resident.sender_hash or None,
        channel=resident.channel, address=resident.address,
    )  # fmt: skip
    session.add(case)
    await session.flush()
    opened = {"kind": kind, "priority": priority, "locale": resident.locale}
    await add_event(session, case, "opened", actor, data=opened)
    return case


def describe(code: str, /, locale: str = DEFAULT_LOCALE, **details: object) -> str:
    """A case summary staff read (``templates/<locale>/cases.yml``: ``summary-<code>``).

    :param locale: the resident's locale: an English summary tells staff to answer in English.
    :param details: what the text names (a crisis kind, flag labels, an event label); never
        personal data.
    :raises KeyError: an unknown code.
    """
    return texts("cases", locale).t(f"summary-{code.replace('_', '-')}", **details)


async def region_of_family(session: AsyncSession, family_id: int | None) -> str:
    """The family's region code, or :data:`UNKNOWN_REGION` for an unknown family."""
    if family_id is None:
        return UNKNOWN_REGION
    family = await session.get(Family, family_id)
    return family.region_code if family is not None else UNKNOWN_REGION


async def open_for_resident(
    session: AsyncSession,
    resident: Resident,
    *,
    kind: str,
    summary: str,
    priority: str | None = None,
    precheck_id: int | None = None,
) -> tuple[Case, bool]:
    """The resident's open case of this kind, or a new one; ``(case, opened_now)``.

    Asking again while a case is open points to that case; a more urgent reason raises its
    priority (a crisis message makes it ``urgent``). A family has one open case of a
    :data:`FAMILY_KINDS` kind, whichever member's chat opened it. The region is the family's.
    """
    if kind in FAMILY_KINDS and resident.family_id is not None:
        mine = Case.family_id == resident.family_id
    else:
        mine = Case.sender_hash == resident.sender_hash
    existing = await session.scalar(
        select(Case)
        .where(mine, Case.kind == kind, Case.status.not_in(ENDED))
        .order_by(Case.id.desc())
        .limit(1)
    )  # fmt: skip
    wanted = priority or DEFAULT_PRIORITY.get(kind, "normal")
    if existing is not None and (resident.sender_hash or kind in FAMILY_KINDS):
        if PRIORITIES.index(wanted) < PRIORITIES.index(existing.priority):
            existing.priority = wanted
            await add_event(session, existing, "status", "assistant",
                            data={"priority": wanted, "why": summary})  # fmt: skip
        if resident.address and existing.address != resident.address and not existing.held:
            # The family's latest chat is where staff reach it.
            existing.channel, existing.address = resident.channel, resident.address
            existing.sender_hash = resident.sender_hash
        return existing, False
    region = await region_of_family(session, resident.family_id)
    case = await open_case(
        session, kind=kind, region_code=region, summary=summary, priority=wanted,
        resident=resident, precheck_id=precheck_id,
    )  # fmt: skip
    return case, True


async def add_event(
    session: AsyncSession,
    case: Case,
    kind: str,
    actor: str,
    *,
    text: str | None = None,
    data: dict | None = None,
) -> CaseEvent:
    """Append to the case's timeline; ``text`` is masked for ID numbers and phones."""
    event = CaseEvent(
        case_id=case.id, kind=kind, actor=actor, at=utcnow(),
        text=mask_text(text) if text else None, data=data,
    )  # fmt: skip
    session.add(event)
    await session.flush()
    return event


# --- staff side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilter:
    """Queue filters; None = any. ``older_than``: opened before now minus this."""

    status: str | None = None
    kind: str | None = None
    priority: str | None = None
    region: str | None = None
    breached: bool | None = None
    older_than: timedelta | None = None
    assignee: str | None = None

    def check(self) -> None:
        """:raises InvalidInput: a value outside its list."""
        for name, allowed in (("status", (*CASE_STATUSES, "active")), ("kind", CASE_KINDS),
                              ("priority", PRIORITIES)):  # fmt: skip
            value = getattr(self, name)
            if value is not None and value not in allowed:
                msg = f"{name}: expected one of {', '.join(allowed)}"
                raise InvalidInput(msg)
        if self.region is not None and not (self.region.isdigit() and len(self.region) <= 6):
            msg = "region: expected up to 6 digits of a region code"
            raise InvalidInput(msg)


async def list_cases(
    session: AsyncSession, principal: Principal, filters: CaseFilter | None = None,
    *, limit: int = 500, action: str = "cases.list", purpose: str = "queue",
) -> list[Case]:
    """Cases in the principal's jurisdiction, most urgent and oldest first (audited).

    ``status="active"`` means any status but resolved and closed. ``action``: the audit
    row's (``cases.export`` for a download).
    :raises InvalidInput: a filter outside its list.
    """
    filters = filters or CaseFilter()
    filters.check()
    await authorize(session, principal, action=action, resource="cases",
                    region_code=None, purpose=purpose)  # fmt: skip
    query = select(Case).where(in_jurisdiction(principal, Case.region_code))
    if filters.status == "active":
        query = query.where(Case.status.not_in(ENDED))
    elif filters.status:
        query = query.where(Case.status == filters.status)
    if filters.kind:
        query = query.where(Case.kind == filters.kind)
    if filters.priority:
        query = query.where(Case.priority == filters.priority)
    if filters.region:
        query = query.where(Case.region_code.startswith(filters.region, autoescape=True))
    if filters.older_than is not None:
        query = query.where(Case.created_at < utcnow() - filters.older_than)
    if filters.assignee:
        query = query.join(StaffAccount, Case.assignee_id == StaffAccount.id).where(
            StaffAccount.username == filters.assignee
        )
    # Ranked in SQL, so the limit keeps the most urgent, not the oldest.
    rank = sql_case({p: i for i, p in enumerate(PRIORITIES)}, value=Case.priority)
    cases = list(await session.scalars(
        query.order_by(rank, Case.created_at, Case.id).limit(limit)))  # fmt: skip
    if filters.breached is not None:
        now = utcnow()
        cases = [c for c in cases if bool(breaches(c, now)) == filters.breached]
    return cases


async def get_case(
    session: AsyncSession, principal: Principal, case_id: int, *,
    action: str = "case.read", purpose: str = "case work", needs: str = "read",
) -> Case:
    """One case, after the jurisdiction check and its audit row.

    :raises NotFound: no such case. :raises Forbidden: outside the jurisdiction or role.
    """
    case = await session.get(Case, case_id)
    if case is None:
        await authorize(session, principal, action=action, resource=f"case:{case_id}",
                        region_code=None, purpose=purpose, needs=needs)  # fmt: skip
        msg = f"no case {case_id}"
        raise NotFound(msg)
    await authorize(session, principal, action=action, resource=f"case:{case_id}",
                    region_code=case.region_code, purpose=purpose, needs=needs)  # fmt: skip
    return case


async def take(session: AsyncSession, principal: Principal, case_id: int) -> Case:
    """Assign an open case to the principal, atomically: of many at once, one wins.

    One conditional UPDATE (``... WHERE assignee_id IS NULL AND status = 'open'``): the
    database lets exactly one succeed on PostgreSQL and on SQLite alike. A conversation
    case is then held: the assistant goes silent for that resident, who is told a person
    has joined.

    :raises Conflict: taken already, or no longer open.
    """
    case = await get_case(session, principal, case_id, action="case.take", needs="work")
    now = utcnow()
    won = await session.execute(
        update(Case)
        .where(Case.id == case_id, Case.assignee_id.is_(None), Case.status == "open")
        .values(assignee_id=principal.id, status="assigned", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        await session.refresh(case)
        who = await _username(session, case.assignee_id)
        msg = f"case {case_id} is taken already" + (f" by {who}" if who else "")
        raise Conflict(msg)
    await session.refresh(case)
    await add_event(session, case, "assigned", principal.actor, data={"to": principal.username})
    if case.kind in RELAY_KINDS and case.address:
        await relay.join(session, case, principal)
    return case


async def reassign(
    session: AsyncSession, principal: Principal, case_id: int, username: str
) -> Case:
    """A supervisor gives the case to a colleague whose jurisdiction covers it.

    :raises Forbidden: not a supervisor of this region. :raises InvalidInput: no such
        colleague, disabled, or their jurisdiction does not cover the case.
    """
    case = await get_case(session, principal, case_id, action="case.reassign",
                          needs="supervise")  # fmt: skip
    colleague = await session.scalar(
        select(StaffAccount).where(StaffAccount.username == username)
    )
    if (colleague is None or colleague.disabled_at is not None or colleague.role == "auditor"
            or not case.region_code.startswith(colleague.region_prefix)):  # fmt: skip
        msg = f"assignee: no active caseworker {username!r} covering region {case.region_code}"
        raise InvalidInput(msg)
    if case.status in ENDED:
        msg = f"case {case_id} is {case.status}"
        raise Conflict(msg)
    case.assignee_id = colleague.id
    if case.status == "open":
        case.status = "assigned"
    await add_event(session, case, "assigned", principal.actor, data={"to": username})
    if case.held:
        await relay.join(session, case, Principal.of(colleague))
    return case


async def add_note(
    session: AsyncSession, principal: Principal, case_id: int, text: str
) -> CaseEvent:
    """An internal note (never shown to the resident); ``@username`` mentions are listed.

    :raises InvalidInput: an empty note.
    """
    case = await get_case(session, principal, case_id, action="case.note", needs="work")
    text = text.strip()
    if not text:
        msg = "text: a note needs some text"
        raise InvalidInput(msg)
    mentions = sorted(set(MENTION.findall(text)))
    return await add_event(session, case, "note", principal.actor, text=text,
                           data={"mentions": mentions} if mentions else None)  # fmt: skip


async def set_status(
    session: AsyncSession, principal: Principal, case_id: int, status: str
) -> Case:
    """Move the case along its timeline (:data:`STAFF_STATUSES`).

    :raises InvalidInput: not a status a person sets. :raises Conflict: the case is closed.
    """
    if status not in STAFF_STATUSES:
        msg = f"status: expected one of {', '.join(STAFF_STATUSES)}"
        raise InvalidInput(msg)
    case = await get_case(session, principal, case_id, action="case.status", needs="work")
    if case.status == "closed":
        msg = f"case {case_id} is closed"
        raise Conflict(msg)
    case.status = status
    if case.assignee_id is None:
        case.assignee_id = principal.id
    await add_event(session, case, "status", principal.actor, data={"to": status})
    return case


async def close(
    session: AsyncSession, principal: Principal, case_id: int, resolution: str
) -> Case:
    """Close the case with a resolution; a held conversation returns to the assistant.

    :raises InvalidInput: no resolution. :raises Conflict: closed already.
    """
    resolution = resolution.strip()
    if not resolution:
        msg = "resolution: say how the case ended"
        raise InvalidInput(msg)
    case = await get_case(session, principal, case_id, action="case.close", needs="work")
    if case.status == "closed":
        msg = f"case {case_id} is closed already"
        raise Conflict(msg)
    case.status, case.resolution, case.closed_at = "closed", mask_text(resolution), utcnow()
    if case.assignee_id is None:
        case.assignee_id = principal.id
    await add_event(session, case, "status", principal.actor, text=resolution,
                    data={"to": "closed"})  # fmt: skip
    if case.held:
        await relay.release(session, case, principal)
    return case


async def send_message(
    session: AsyncSession, principal: Principal, case_id: int, text: str
) -> Case:
    """A caseworker writes to the resident; the conversation is held from now on.

    :raises InvalidInput: empty text, or a case without a chat (opened by the batch).
    :raises Conflict: the case is closed.
    """
    text = text.strip()
    if not text:
        msg = "text: a message needs some text"
        raise InvalidInput(msg)
    case = await get_case(session, principal, case_id, action="case.message", needs="work")
    if case.status in ENDED:
        msg = f"case {case_id} is {case.status}: reopen it as a new case to write again"
        raise Conflict(msg)
    if not case.address:
        msg = "this case has no chat with the resident: reach them by visit or phone"
        raise InvalidInput(msg)
    if case.assignee_id is None:
        case.assignee_id = principal.id
    if case.status == "open":
        case.status = "assigned"
    if not case.held:
        await relay.join(session, case, principal)
    locale = await relay.resident_locale(session, case)
    line = texts("relay", locale).t("relay-reply", number=principal.id, text=text)
    await relay.queue(session, case, line, actor=principal.actor, event_text=text)
    await first_contact(session, case)
    return case


async def timeline(session: AsyncSession, case: Case) -> list[CaseEvent]:
    """The case's events, oldest first (the caller has authorised the read)."""
    return list(await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    ))  # fmt: skip


async def _username(session: AsyncSession, staff_id: int | None) -> str | None:
    if staff_id is None:
        return None
    account = await session.get(StaffAccount, staff_id)
    return account.username if account else None


async def usernames(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """Staff id → username, for lists."""
    if not ids:
        return {}
    rows = await session.execute(
        select(StaffAccount.id, StaffAccount.username).where(StaffAccount.id.in_(ids))
    )
    return {staff_id: name for staff_id, name in rows}


async def first_contact(session: AsyncSession, case: Case, at: datetime | None = None) -> None:
    """Mark the first contact with the resident (a message, a visit, a notice), once."""
    if case.first_contact_at is None:
        case.first_contact_at = at or utcnow()
        await session.flush()


async def viewers(session: AsyncSession, principal: Principal, case: Case) -> list[str]:
    """Colleagues who had the case open in the last 2 minutes [A]; records this look too."""
    from store.models import CaseView

    now = utcnow()
    seen = await session.get(CaseView, (case.id, principal.id))
    if seen is None:
        session.add(CaseView(case_id=case.id, staff_id=principal.id, seen_at=now))
    else:
        seen.seen_at = now
    await session.flush()
    rows = await session.execute(
        select(StaffAccount.username)
        .join(CaseView, CaseView.staff_id == StaffAccount.id)
        .where(CaseView.case_id == case.id, CaseView.staff_id != principal.id,
               CaseView.seen_at > now - timedelta(minutes=2))
        .order_by(StaffAccount.username)
    )  # fmt: skip
    return list(rows.scalars())


async def linked_precheck(session: AsyncSession, case: Case) -> PrecheckRecord | None:
    """The case's pre-check, else the family's latest (a handoff after a pre-check)."""
    if case.precheck_id is not None:
        return await session.get(PrecheckRecord, case.precheck_id)
    if case.family_id is None:
        return None
    return await session.scalar(
        select(PrecheckRecord).where(PrecheckRecord.family_id == case.family_id)
        .order_by(PrecheckRecord.id.desc()).limit(1)
    )  # fmt: skip
