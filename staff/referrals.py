"""Referral (转介): a case passed to another department for one of its programs.

社会救助 is 一门受理、协同办理: the caseworker who finds a need another department meets
(医保, 教育, 住建, 残联, 人社) refers the family and follows the answer. A referral is
``sent`` with an acknowledgement deadline (``referral_acknowledgement`` in
``staff/parameters/clocks.yaml``, working days); the department's answer, recorded by a
caseworker of the family's region, makes it ``acknowledged``, then ``granted`` or
``declined``. A grant is a :class:`~store.models.Benefit` from then on, so it shows on the
family's happiness list (:func:`store.benefits.happiness_list`), and the resident is told
in the chat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from eligibility import explain
from jiuzhu import clock
from jiuzhu.errors import InvalidInput
from staff import relay
from staff.access import Principal, authorize, in_jurisdiction
from staff.cases import add_event, get_case
from staff.clocks import Deadline, add_working_days, figure
from staff.errors import Conflict, NotFound
from store.models import Benefit, Case, Family, FamilyMember, Referral
from store.models.staff import REFERRAL_STATUSES
from store.pii import mask_text
from templates import DEFAULT_LOCALE, texts

PROGRAMS: dict[str, tuple[str, ...]] = {
    "medical_insurance": ("medical_insurance_subsidy",),
    "education": ("education_assistance",),
    "housing": ("housing_assistance",),
    "disability_federation": ("disability_living_subsidy", "disability_care_subsidy"),
    "human_resources": ("resident_basic_pension",),
}
"""Department code → the program codes a referral to it may ask for (each named in the
templates the happiness list reads: ``benefit-<code>`` or ``program-<code>``)."""

ANSWERS = ("acknowledged", "granted", "declined")
"""What a department answers, in order; ``granted`` and ``declined`` are final."""

NOTE_LIMIT = 2000
"""[A] Characters of a referral's note (a paragraph for the receiving department)."""
MAX_MONTHLY = Decimal(100_000)
"""[A] A sanity bound on a monthly amount (yuan), far above any assistance paid."""
START_WINDOW = timedelta(days=366)
"""[A] A grant starts within a year either side of today (a typo otherwise)."""
CLOCK = "referral_acknowledgement"


def department_name(code: str, *, full: bool = False, locale: str = DEFAULT_LOCALE) -> str:
    """``"disability_federation"`` → ``"残联"`` (as the happiness list shows it) or, with
    ``full``, ``"残疾人联合会"`` (in a sentence)."""
    key = f"referral-department-{code.replace('_', '-')}" + ("-full" if full else "")
    return texts("relay", locale).t(key)


def program_name(code: str, locale: str = DEFAULT_LOCALE) -> str:
    """A program's name as the happiness list shows it (``benefit-<code>``, else the rules')."""
    key = f"benefit-{code.replace('_', '-')}"
    bot = texts("bot", locale)
    return bot.t(key) if key in bot else explain.program_name(code, locale)


def deadline(referral: Referral) -> Deadline:
    """The acknowledgement clock of ``referral``: met when the department first answered."""
    return Deadline(CLOCK, referral.acknowledge_by, referral.acknowledged_at)


def parse_monthly_amount(value: Any, field: str) -> Decimal:
    """Yuan per month from JSON: a finite number, 0 ≤ amount ≤ :data:`MAX_MONTHLY`, to the fen.

    :raises InvalidInput: naming ``field``.
    """
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not 0 <= value <= MAX_MONTHLY):  # fmt: skip
        msg = f"{field}: expected yuan per month, a number from 0 to {MAX_MONTHLY}"
        raise InvalidInput(msg)
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def refer(
    session: AsyncSession,
    principal: Principal,
    case_id: int,
    *,
    department: Any,
    program: Any,
    note: Any = None,
    person_id: Any = None,
) -> Referral:
    """Send the case's family (or one member, ``person_id``) to ``department`` for
    ``program``; due to be acknowledged within the clock's working days (flushed).

    :raises InvalidInput: unknown department or program, a note not text or too long, a
        person not of the case's family, a case without a family.
    :raises Conflict: the case is closed.
    """
    case = await get_case(session, principal, case_id, action="referral.create", needs="work",
                          purpose="referral")  # fmt: skip
    if department not in PROGRAMS:
        msg = f"department: expected one of {', '.join(PROGRAMS)}"
        raise InvalidInput(msg)
    if program not in PROGRAMS[department]:
        msg = f"program: {department} takes referrals for {', '.join(PROGRAMS[department])}"
        raise InvalidInput(msg)
    if note is not None and (not isinstance(note, str) or len(note) > NOTE_LIMIT):
        msg = f"note: expected text of at most {NOTE_LIMIT} characters"
        raise InvalidInput(msg)
    if case.family_id is None:
        msg = "this case has no family: sign the resident in before referring them"
        raise InvalidInput(msg)
    if case.status == "closed":
        msg = f"case {case_id} is closed"
        raise Conflict(msg)
    await _check_member(session, case, person_id)
    due = add_working_days(clock.now(), figure(CLOCK, clock.today()))
    referral = Referral(
        case_id=case.id, family_id=case.family_id, person_id=person_id,
        department=department, program=program, note=mask_text(note) if note else None,
        status="sent", created_by=principal.id, acknowledge_by=due,
    )  # fmt: skip
    session.add(referral)
    await session.flush()
    await add_event(session, case, "referral", principal.actor, text=note or None,
                    data={"referral_id": referral.id, "department": department,
                          "program": program, "status": "sent"})  # fmt: skip
    return referral


async def _check_member(session: AsyncSession, case: Case, person_id: Any) -> None:
    if person_id is None:
        return
    member = None
    if isinstance(person_id, int) and not isinstance(person_id, bool):
        of_family = FamilyMember.family_id == case.family_id, FamilyMember.person_id == person_id
        member = await session.scalar(select(FamilyMember.id).where(*of_family))
    if member is None:
        msg = "person_id: expected the id of a member of the case's family"
        raise InvalidInput(msg)


@dataclass(frozen=True)
class ReferralFilter:
    """``status``: one of the statuses; ``breached``: acknowledged late or overdue (True)."""

    status: str | None = None
    breached: bool | None = None
    case_id: int | None = None


async def list_referrals(
    session: AsyncSession, principal: Principal, filters: ReferralFilter | None = None,
    *, limit: int = 500,
) -> list[Referral]:
    """Referrals of families in the principal's jurisdiction, oldest deadline first (audited).

    :raises InvalidInput: an unknown status.
    """
    filters = filters or ReferralFilter()
    if filters.status is not None and filters.status not in REFERRAL_STATUSES:
        msg = f"status: expected one of {', '.join(REFERRAL_STATUSES)}"
        raise InvalidInput(msg)
    await authorize(session, principal, action="referrals.list", resource="referrals",
                    region_code=None, purpose="referrals")  # fmt: skip
    query = (
        select(Referral).join(Family, Family.id == Referral.family_id)
        .where(in_jurisdiction(principal, Family.region_code))
    )  # fmt: skip
    if filters.status:
        query = query.where(Referral.status == filters.status)
    if filters.case_id is not None:
        query = query.where(Referral.case_id == filters.case_id)
    query = query.order_by(Referral.acknowledge_by, Referral.id).limit(limit)
    found = list(await session.scalars(query))
    if filters.breached is not None:
        now = clock.now()
        found = [r for r in found if deadline(r).breached(now) == filters.breached]
    return found


async def case_referrals(
    session: AsyncSession, principal: Principal, case_id: int
) -> list[Referral]:
    """The referrals of one case (its read is audited like the case's)."""
    await get_case(session, principal, case_id, action="referrals.read", purpose="referral")
    return await list_referrals(session, principal, ReferralFilter(case_id=case_id))


async def answer(
    session: AsyncSession,
    principal: Principal,
    referral_id: int,
    *,
    status: Any,
    monthly_amount: Any = None,
    start_date: Any = None,
) -> Referral:
    """Record the department's answer. A grant becomes a Benefit (amount yuan/month from
    ``start_date``, an ISO date) and the resident is told in the chat.

    :raises NotFound: no such referral. :raises Forbidden: not a caseworker of the family's
        region. :raises InvalidInput: an unknown status; a grant without a valid amount or
        start date. :raises Conflict: answered with a final answer already, or acknowledged
        twice.
    """
    referral = await session.get(Referral, referral_id)
    family = await session.get(Family, referral.family_id) if referral else None
    await authorize(session, principal, action="referral.answer",
                    resource=f"referral:{referral_id}",
                    region_code=family.region_code if family else None, needs="work",
                    purpose="referral")  # fmt: skip
    if referral is None or family is None:
        msg = f"no referral {referral_id}"
        raise NotFound(msg)
    if status not in ANSWERS:
        msg = f"status: expected one of {', '.join(ANSWERS)}"
        raise InvalidInput(msg)
    if referral.status in ("granted", "declined") or referral.status == status:
        msg = f"referral {referral_id} is {referral.status} already"
        raise Conflict(msg)
    benefit = None
    if status == "granted":
        amount = parse_monthly_amount(monthly_amount, "monthly_amount")
        benefit = Benefit(
            family_id=referral.family_id, person_id=referral.person_id,
            program=referral.program, department=department_name(referral.department),
            monthly_amount=amount, start_date=_start_date(start_date),
        )  # fmt: skip
        session.add(benefit)
        await session.flush()
        referral.benefit_id = benefit.id
    now = clock.now()
    referral.status = status
    referral.acknowledged_at = referral.acknowledged_at or now
    if status != "acknowledged":
        referral.decided_at = now
    await session.flush()
    case = await session.get(Case, referral.case_id)
    await add_event(session, case, "referral", principal.actor,
                    data={"referral_id": referral.id, "status": status,
                          "benefit_id": benefit.id if benefit else None})  # fmt: skip
    if benefit is not None:
        locale = await relay.resident_locale(session, case)
        department = department_name(referral.department, full=True, locale=locale)
        program = program_name(referral.program, locale)
        text = texts("relay", locale).t("relay-referral-granted", department=department,
                                        program=program)  # fmt: skip
        await relay.queue(session, case, text, actor=principal.actor)
    return referral


def _start_date(value: Any) -> date:
    today = clock.today()
    try:
        start = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        start = None
    if start is None or abs(start - today) > START_WINDOW:
        msg = "start_date: expected the date the benefit starts, YYYY-MM-DD, within a year"
        raise InvalidInput(msg)
    return start

