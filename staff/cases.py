"""Opening cases for staff: a resident asks for a person, complains, or reports a change.

The staff console (assignment, home visits, referral) builds on these rows; until then a
case is stored and the resident is told what happens next.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Case

RESPONSE_WORKING_DAYS = 3
"""[A] When a caseworker gets back to the resident: the 3 working days 审核确认办法 sets for
starting an investigation, used here as the promise for a first contact."""


async def open_case(
    session: AsyncSession,
    *,
    kind: str,
    region_code: str,
    summary: str,
    family_id: int | None = None,
    person_id: int | None = None,
    sender_hash: str | None = None,
) -> Case:
    """Store an open case in ``region_code``'s jurisdiction (flushed).

    :param kind: one of :data:`store.models.cases.CASE_KINDS`.
    :param summary: what the resident wants, with no personal data in it.
    :raises ValueError: for an unknown kind.
    """
    from store.models.cases import CASE_KINDS

    if kind not in CASE_KINDS:
        msg = f"unknown case kind {kind!r}: expected one of {', '.join(CASE_KINDS)}"
        raise ValueError(msg)
    case = Case(
        kind=kind,
        status="open",
        region_code=region_code,
        summary=summary,
        family_id=family_id,
        person_id=person_id,
        sender_hash=sender_hash,
    )
    session.add(case)
    await session.flush()
    return case
