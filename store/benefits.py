"""The happiness list (幸福清单): every benefit a family and each member receives, on a day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Benefit, Family


@dataclass(frozen=True)
class BenefitLine:
    """One benefit as a person reads it; ``monthly_amount`` in yuan per month."""

    program: str
    department: str
    monthly_amount: float
    start_date: date
    next_review: date | None


@dataclass
class MemberBenefits:
    """The benefits of one member; ``person_id`` None means paid to the whole family."""

    person_id: int | None
    relation: str
    lines: list[BenefitLine] = field(default_factory=list)


@dataclass
class HappinessList:
    """A family's benefits on ``on``: family-level first, then each member with any.

    :ivar monthly_total: sum of every line, yuan per month.
    """

    family_id: int
    on: date
    groups: list[MemberBenefits]
    monthly_total: float

    @property
    def programs(self) -> set[str]:
        """Program codes the family or a member receives."""
        return {line.program for g in self.groups for line in g.lines}


async def happiness_list(session: AsyncSession, family: Family, on: date) -> HappinessList:
    """Benefits active on ``on`` (start ≤ on ≤ end) of ``family`` (members loaded)."""
    rows = await session.scalars(
        select(Benefit)
        .where(
            Benefit.family_id == family.id,
            Benefit.start_date <= on,
            or_(Benefit.end_date.is_(None), Benefit.end_date >= on),
        )
        .order_by(Benefit.person_id.is_not(None), Benefit.person_id, Benefit.id)
    )
    relation = {m.person_id: m.relation for m in family.members}
    groups: dict[int | None, MemberBenefits] = {}
    for b in rows:
        group = groups.setdefault(
            b.person_id, MemberBenefits(b.person_id, relation.get(b.person_id, "family"))
        )
        group.lines.append(
            BenefitLine(
                b.program, b.department, float(b.monthly_amount), b.start_date, b.next_review
            )
        )
    total = round(sum(line.monthly_amount for g in groups.values() for line in g.lines), 2)
    return HappinessList(family.id, on, list(groups.values()), total)


async def next_reviews(session: AsyncSession, family_id: int, on: date) -> dict[str, date | None]:
    """Program → the next review date of each benefit the family or a member receives on
    ``on`` (None when none is set); the earliest when a program is paid to several members."""
    rows = await session.execute(
        select(Benefit.program, Benefit.next_review).where(
            Benefit.family_id == family_id,
            Benefit.start_date <= on,
            or_(Benefit.end_date.is_(None), Benefit.end_date >= on),
        )
    )
    reviews: dict[str, date | None] = {}
    for program, review in rows:
        kept = reviews.get(program)
        reviews[program] = min(d for d in (kept, review) if d) if (kept or review) else None
    return reviews
