"""A family as the dialogue needs it: found from one member, or just where it lives."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from store.models import Family, FamilyMember, Person


async def family_of_person(session: AsyncSession, person: Person) -> Family | None:
    """The family ``person`` is a member of, its members and their persons loaded.

    :returns: None when the person belongs to no family on file.
    """
    await session.refresh(person, ["membership"])
    if person.membership is None:
        return None
    return await session.scalar(
        select(Family)
        .where(Family.id == person.membership.family_id)
        .options(selectinload(Family.members).selectinload(FamilyMember.person))
    )


async def family_region(session: AsyncSession, family_id: int) -> tuple[str, str]:
    """``(region_code, area)`` of a family: its 6-digit county code and ``"urban"``/``"rural"``.

    :raises LookupError: when there is no such family.
    """
    family = await session.get(Family, family_id)
    if family is None:
        msg = f"no family {family_id}"
        raise LookupError(msg)
    return family.region_code, family.area
