"""The audit trail, for auditors: staff accesses and department reads (PIPL art. 55).

Two logs are read together: :class:`~store.models.StaffAccess` (every staff read of personal
data and every refusal, with its purpose) and :class:`~store.models.AuditLog` (every read of
department records behind a consent). Neither holds personal data in clear: people appear
as keyed hashes of their ID numbers. An auditor sees the rows of their jurisdiction: a
staff access by its resource's region (a list by the reader's own jurisdiction), a
department read by the region of the family of the person read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staff.access import Principal, authorize, in_jurisdiction
from staff.cases import UNKNOWN_REGION
from store.models import AuditLog, Family, FamilyMember, Person, StaffAccess, StaffAccount

AUDIT_LIMIT = 1000
"""[A] Rows returned from each log per request, newest first (narrow with ``since``)."""


@dataclass(frozen=True)
class AuditFilter:
    """None = any. ``since``: at or after (aware). ``staff``: a username (its department
    reads are those with actor ``staff:<username>``). ``allowed``: granted or refused."""

    since: datetime | None = None
    staff: str | None = None
    allowed: bool | None = None


@dataclass(frozen=True)
class AuditTrail:
    """``staff_access``: ``(row, username or None)``; ``department_reads``: rows."""

    staff_access: list[tuple[StaffAccess, str | None]]
    department_reads: list[AuditLog]


async def read_audit(
    session: AsyncSession, principal: Principal, filters: AuditFilter | None = None,
    *, limit: int = AUDIT_LIMIT,
) -> AuditTrail:
    """Both logs in the auditor's jurisdiction, newest first; this read is audited too.

    :raises Forbidden: not an auditor (the refusal is audited).
    """
    filters = filters or AuditFilter()
    await authorize(session, principal, action="audit.read", resource="audit",
                    region_code=None, purpose="audit", needs="audit")  # fmt: skip
    region = func.coalesce(StaffAccess.region_code, StaffAccount.region_prefix, UNKNOWN_REGION,
                           type_=String)  # fmt: skip
    access = (
        select(StaffAccess, StaffAccount.username)
        .outerjoin(StaffAccount, StaffAccount.id == StaffAccess.staff_id)
        .where(in_jurisdiction(principal, region))
    )
    family_region = func.coalesce(Family.region_code, UNKNOWN_REGION, type_=String)
    reads = (
        select(AuditLog)
        .outerjoin(Person, Person.id_number_hash == AuditLog.person_hash)
        .outerjoin(FamilyMember, FamilyMember.person_id == Person.id)
        .outerjoin(Family, Family.id == FamilyMember.family_id)
        .where(in_jurisdiction(principal, family_region))
    )
    if filters.since is not None:
        access = access.where(StaffAccess.at >= filters.since)
        reads = reads.where(AuditLog.at >= filters.since)
    if filters.staff is not None:
        access = access.where(StaffAccount.username == filters.staff)
        reads = reads.where(AuditLog.actor == f"staff:{filters.staff}")
    if filters.allowed is not None:
        access = access.where(StaffAccess.allowed.is_(filters.allowed))
        reads = reads.where(AuditLog.allowed.is_(filters.allowed))
    found = await session.execute(access.order_by(StaffAccess.id.desc()).limit(limit))
    return AuditTrail(
        staff_access=[(row, name) for row, name in found],
        department_reads=list(await session.scalars(
            reads.order_by(AuditLog.id.desc()).limit(limit))),
    )  # fmt: skip
