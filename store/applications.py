"""Applications and their status timeline (最低生活保障审核确认办法 art. 10–22)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

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


APPLY_ORDER = (
    "tekun", "dibao", "dibao_single", "low_income_marginal", "disability_living_subsidy",
    "disability_care_subsidy", "medical_insurance_subsidy",
)  # fmt: skip
"""Programs one can apply for from a pre-check, the most protective first."""


def programs_to_apply(
    statuses: Mapping[str, str],
    receiving: Collection[str],
    pending: Collection[str],
    *,
    only: str | None = None,
) -> list[str]:
    """The programs a family may apply for after a pre-check, in :data:`APPLY_ORDER`.

    Those the pre-check did not find ineligible, or dibao when it favours none (a pre-check
    is not a decision, PIPL art. 24), less those the family receives or has applied for.

    :param statuses: program code → pre-check status (``"eligible"``, ``"ineligible"``...);
        every code of :data:`APPLY_ORDER` must be there.
    :param receiving: program codes the family or a member receives today.
    :param pending: program codes of the family's applications still being handled.
    :param only: the one program a button asked for: the list is it, or empty.
    :raises KeyError: a program of :data:`APPLY_ORDER` missing from ``statuses``.
    """
    favoured = [c for c in APPLY_ORDER if statuses[c] != "ineligible"]
    candidates = [c for c in favoured or ["dibao"] if c not in receiving and c not in pending]
    return [c for c in candidates if only is None or c == only]
