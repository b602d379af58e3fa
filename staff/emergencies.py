"""临时救助: an emergency told in the chat, or a request for it, becomes a case for staff.

An emergency (fire, flood, accident, sudden serious illness, a sudden death, being robbed)
opens an ``urgent`` case: first contact within the ``crisis_contact`` hours, and small
amounts may be paid first and documented after (先行救助, RULES.md § 临时救助 [V]). A
request without an emergency is ``high`` [A]: first contact within ``first_contact`` working
days (the investigation's start, RULES.md § Timelines). The resident is told what 临时救助 is
with the 支出型 criteria of :mod:`eligibility.temporary_assistance`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from eligibility.temporary_assistance import SpendingCriteria, spending_criteria
from staff.cases import Resident, describe, open_for_resident
from staff.clocks import figure
from store.models import Case

EMERGENCIES = ("fire", "flood", "accident", "illness", "death", "robbed")
"""The emergencies told in words (``nlu/emergency_words.yml``), as case details."""

REQUEST_PRIORITY = "high"
"""[A] A request for 临时救助 with no emergency told: before the routine cases, after urgent."""


@dataclass(frozen=True)
class WhatHappens:
    """The figures an explanation of 临时救助 names, in force on a day.

    :ivar contact_hours: an urgent case's first contact (``crisis_contact`` [A]).
    :ivar contact_days: working days within which the investigation starts (``first_contact``).
    :ivar spending: the 支出型 criteria.
    """

    contact_hours: int
    contact_days: int
    spending: SpendingCriteria


@dataclass(frozen=True)
class TemporaryAssistanceCase:
    """The case opened (or the one already open: ``opened`` False) and what happens next."""

    case: Case
    opened: bool
    urgent: bool
    next: WhatHappens


def what_happens(on: date) -> WhatHappens:
    """The clocks and criteria in force ``on`` (``staff/parameters/clocks.yaml``,
    ``eligibility/parameters/temporary_assistance``)."""
    return WhatHappens(
        contact_hours=int(figure("crisis_contact", on)),
        contact_days=int(figure("first_contact", on)),
        spending=spending_criteria(f"{on:%Y-%m}"),
    )


async def request_temporary_assistance(
    session: AsyncSession, resident: Resident, *, emergency: str | None, on: date
) -> TemporaryAssistanceCase:
    """Open (or reuse) the resident's ``temporary_assistance`` case; urgent for an emergency.

    :param emergency: one of :data:`EMERGENCIES`, or None for a request with none told.
    :param on: today, for the clocks and criteria in force.
    :raises ValueError: an unknown emergency.
    """
    if emergency is not None and emergency not in EMERGENCIES:
        msg = f"unknown emergency {emergency!r}: expected one of {', '.join(EMERGENCIES)}"
        raise ValueError(msg)
    summary = describe("temporary_assistance", locale=resident.locale, emergency=emergency)
    case, opened = await open_for_resident(
        session, resident, kind="temporary_assistance", summary=summary,
        priority="urgent" if emergency else REQUEST_PRIORITY,
    )  # fmt: skip
    return TemporaryAssistanceCase(case, opened, case.priority == "urgent", what_happens(on))
