"""A life event a resident reports (失业, 重病, 入学...): stored, and a case to re-check.

A report is a reason to re-check, never a decision: the case goes to the family's region
and the pre-check counts the change only once department data or a caseworker confirms it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from staff.cases import Resident, add_event, describe, open_for_resident
from store.models import Case, ReportedChange
from store.models.cases import LIFE_EVENTS
from store.pii import mask_text
from templates import texts

NOTE_LIMIT = 500
"""Characters of the resident's own words kept with a report."""


async def report_change(
    session: AsyncSession, resident: Resident, event: str, note: str | None
) -> Case:
    """Store the event and the resident's words (masked, encrypted); open or reuse a case.

    :param resident: a known resident (``person_id`` and ``family_id`` set).
    :raises ValueError: an unknown event, or a resident not signed in.
    """
    if event not in LIFE_EVENTS:
        msg = f"unknown life event {event!r}: expected one of {', '.join(LIFE_EVENTS)}"
        raise ValueError(msg)
    if resident.person_id is None or resident.family_id is None:
        msg = "a change is reported by a signed-in resident"
        raise ValueError(msg)
    session.add(ReportedChange(
        family_id=resident.family_id, person_id=resident.person_id, event=event,
        channel=resident.channel or "chat",
        note=mask_text(note)[:NOTE_LIMIT] if note else None,
    ))  # fmt: skip
    case, _ = await open_for_resident(
        session, resident, kind="report_change",
        summary=describe("change", locale=resident.locale, event=texts("bot", resident.locale).t(
            f"event-{event.replace('_', '-')}")),
    )
    return case


async def keep_notes(session: AsyncSession, resident: Resident, notes: list[str]) -> Case:
    """Facts the resident told while a flow waited ("第二套房是我爸留下的祖屋"): a note each
    (masked, encrypted) on the family's change case, where the caseworker sees them.

    :param resident: a known resident (``person_id`` and ``family_id`` set).
    :raises ValueError: a resident not signed in.
    """
    if resident.person_id is None or resident.family_id is None:
        msg = "notes are kept for a signed-in resident"
        raise ValueError(msg)
    case, _ = await open_for_resident(
        session, resident, kind="report_change",
        summary=describe("facts", locale=resident.locale),
    )  # fmt: skip
    for note in notes:
        await add_event(session, case, "note", "resident", text=note[:NOTE_LIMIT])
    return case
