"""A request to delete one's personal information (PIPL art. 47): recorded, and a case.

The assistant deletes nothing itself: a caseworker first checks who is asking, then deletes
what may be deleted. Records a law requires keeping (applications, benefits paid, consents
and the audit of every read) are kept until their period ends, with every processing but
storage and protection stopped (art. 47, second paragraph). A consent is not revoked by a
deletion request: that is the resident's separate choice (:mod:`store.consent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from staff.cases import Resident, add_event, describe, open_for_resident
from staff.clocks import figure
from store.models import Case


@dataclass(frozen=True)
class DeletionRequest:
    """The case holding the request (``opened`` False: one was open) and the working days
    within which staff contact the resident (``first_contact``)."""

    case: Case
    opened: bool
    contact_days: int


async def request_deletion(
    session: AsyncSession, resident: Resident, *, on: date
) -> DeletionRequest:
    """Record the request on the resident's ``deletion_request`` case (opened if none is).

    Each request is a timeline entry of the case, so asking twice is recorded twice.
    """
    case, opened = await open_for_resident(
        session, resident, kind="deletion_request",
        summary=describe("deletion_request", locale=resident.locale),
    )  # fmt: skip
    await add_event(session, case, "note", "assistant",
                    data={"request": "deletion", "basis": "PIPL art. 47"})  # fmt: skip
    return DeletionRequest(case, opened, int(figure("first_contact", on)))
