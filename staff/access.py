"""Jurisdiction and roles: who may see what, and the audit row of every look.

A staff member's jurisdiction is a region-code prefix (``4418`` sees all of 清远,
``441825`` only 连山, ``44`` the province). Every read of a case, person, transcript,
document or export goes through :func:`authorize`, which writes a
:class:`~store.models.StaffAccess` row with its purpose, allowed or not, before anything is
returned (PIPL art. 55; 最低生活保障审核确认办法: staff keep applicants' information
confidential).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from staff.errors import Forbidden
from store.models import StaffAccess, StaffAccount

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "caseworker": frozenset({"read", "work"}),
    "supervisor": frozenset({"read", "work", "supervise"}),
    "auditor": frozenset({"read", "audit"}),
}
"""What each role may do: ``read`` cases and people, ``work`` on cases (take, reply, visit,
refer, issue notices, close), ``supervise`` (reassign, approve a stop or reduction),
``audit`` (read the audit log)."""


@dataclass(frozen=True)
class Principal:
    """The staff member behind a request (from a live, enabled account)."""

    id: int
    username: str
    role: str
    region_prefix: str

    @classmethod
    def of(cls, account: StaffAccount) -> Principal:
        """The principal of a live account (the caller has checked it may act)."""
        return cls(account.id, account.username, account.role, account.region_prefix)

    @property
    def actor(self) -> str:
        """How this staff member appears in audit rows and case timelines."""
        return f"staff:{self.username}"

    def covers(self, region_code: str) -> bool:
        """True when ``region_code`` (6 digits) is in this jurisdiction."""
        return region_code.startswith(self.region_prefix)

    def may(self, action: str) -> bool:
        """True when this role includes ``action`` (:data:`ROLE_ACTIONS`)."""
        return action in ROLE_ACTIONS.get(self.role, frozenset())


def in_jurisdiction(principal: Principal, column: ColumnElement[str]) -> ColumnElement[bool]:
    """A WHERE clause keeping rows whose region ``column`` this principal covers."""
    return column.startswith(principal.region_prefix, autoescape=True)


async def authorize(
    session: AsyncSession,
    principal: Principal,
    *,
    action: str,
    resource: str,
    region_code: str | None,
    purpose: str,
    needs: str = "read",
    person_hash: str | None = None,
) -> None:
    """Write the access row, then refuse unless role and jurisdiction allow it.

    :param action: what is done (``case.read``, ``case.take``, ``transcript.read``...).
    :param resource: what it is done to (``case:12``).
    :param region_code: the resource's region; None for a list (filtered by the query).
    :param needs: the role permission required (:data:`ROLE_ACTIONS`).
    :raises Forbidden: outside the jurisdiction or the role; the denied row is flushed and
        must be committed by the caller (the API does, before answering 403).
    """
    allowed = principal.may(needs) and (region_code is None or principal.covers(region_code))
    session.add(
        StaffAccess(
            staff_id=principal.id, action=action, resource=resource, region_code=region_code,
            purpose=purpose, allowed=allowed, person_hash=person_hash,
        )
    )  # fmt: skip
    await session.flush()
    if not allowed:
        why = "role" if not principal.may(needs) else "jurisdiction"
        msg = f"{resource} is outside your {why}"
        raise Forbidden(msg)
