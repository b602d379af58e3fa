"""Applications and their status timeline (最低生活保障审核确认办法 art. 10–22)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from store.models import Application, ApplicationEvent

CLOSED_STATUSES = frozenset({"approved", "refused", "withdrawn"})
"""An application in any other status is still being handled."""


async def submit_application(
    session: AsyncSession,
    *,
    family_id: int,
    applicant_person_id: int,
    program: str,
    channel: str,
    precheck_id: int | None = None,
) -> Application:
    """Create an application with its first event, ``submitted`` (flushed)."""
    application = Application(
        family_id=family_id,
        applicant_person_id=applicant_person_id,
        program=program,
        channel=channel,
        precheck_id=precheck_id,
        status="submitted",
    )
    application.events = [ApplicationEvent(status="submitted")]
    session.add(application)
    await session.flush()
    return application


async def family_applications(session: AsyncSession, family_id: int) -> list[Application]:
    """The family's applications, newest first, with their events loaded."""
    rows = await session.scalars(
        select(Application)
        .where(Application.family_id == family_id)
        .options(selectinload(Application.events))
        .order_by(Application.id.desc())
    )
    return list(rows)


async def open_applications(session: AsyncSession, family_id: int) -> dict[str, Application]:
    """The family's applications still being handled, by program."""
    return {
        a.program: a
        for a in await family_applications(session, family_id)
        if a.status not in CLOSED_STATUSES
    }
