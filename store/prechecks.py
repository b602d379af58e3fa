"""Stored pre-checks (:class:`store.models.PrecheckResult`): which one a conversation means."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import PrecheckResult


async def latest_precheck(
    session: AsyncSession, family_id: int, *, shown_id: int | None = None
) -> PrecheckResult | None:
    """The pre-check ``shown_id`` when it is this family's, else the family's newest, else None.

    :param shown_id: the pre-check a conversation showed last (FSM ``precheck_id``); one of
        another family is ignored, so a stale id never shows someone else's result.
    """
    if shown_id:
        record = await session.get(PrecheckResult, shown_id)
        if record is not None and record.family_id == family_id:
            return record
    return await session.scalar(
        select(PrecheckResult)
        .where(PrecheckResult.family_id == family_id)
        .order_by(PrecheckResult.id.desc())
        .limit(1)
    )


def still_possible(record: PrecheckResult | None, receiving: set[str]) -> list[tuple[str, str]]:
    """``[(program, status)]`` of ``record`` the pre-check did not find ineligible and the
    family does not already receive (``receiving``: program codes), in the result's order:
    the "you may also qualify for" of the happiness list. Empty without a pre-check."""
    if record is None:
        return []
    programs = record.result.get("programs", {})
    return [
        (code, program["status"])
        for code, program in programs.items()
        if program.get("status") != "ineligible" and code not in receiving
    ]
