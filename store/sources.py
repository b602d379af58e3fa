"""Department data sources: the only way to read department records, and only with consent.

One :class:`DepartmentSource` per kind of record (:data:`SOURCES`). Every read, allowed or
denied, writes an :class:`~store.models.AuditLog` row naming the actor, the purpose, the
person (keyed hash), the consent relied on and the record kinds (PIPL art. 55; DESIGN.md:
"No department data is read without a valid consent for that person").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu.errors import JiuzhuError
from store.base import utcnow
from store.consent import valid_consent
from store.models import RECORD_MODELS, AuditLog, Consent, Person


class ConsentRequired(JiuzhuError):
    """Department data was asked for a person who has no valid, unrevoked consent."""

    def __init__(self, person_id: int, kinds: Iterable[str]) -> None:
        self.person_id = person_id
        self.kinds = tuple(kinds)
        super().__init__(
            f"no valid consent for person {person_id}: cannot read {', '.join(self.kinds)}"
        )


@dataclass(frozen=True)
class DepartmentSource:
    """Reads one kind of department record for a person who consented.

    :ivar kind: key of :data:`store.models.RECORD_MODELS` (``income``, ``real_estate``...).
    :ivar department: the department that keeps these records (for reports: 数据来源).
    """

    kind: str
    model: type[Any]
    department: str

    async def read(
        self, session: AsyncSession, person: Person, *, actor: str, purpose: str
    ) -> list[Any]:
        """This person's records of this kind.

        :raises ConsentRequired: without a valid consent (a denied audit row is flushed first).
        """
        return (await read_records(session, person, [self.kind], actor=actor, purpose=purpose))[
            self.kind
        ]


SOURCES: dict[str, DepartmentSource] = {
    kind: DepartmentSource(kind, model, model.department) for kind, model in RECORD_MODELS.items()
}


async def read_records(
    session: AsyncSession,
    person: Person,
    kinds: Iterable[str] | None = None,
    *,
    actor: str,
    purpose: str,
    at: datetime | None = None,
) -> dict[str, list[Any]]:
    """Records of several kinds for one person, behind one consent check and one audit row.

    :param kinds: keys of :data:`SOURCES`; all kinds when None.
    :returns: ``{kind: [records]}``.
    :raises ConsentRequired: without a valid consent at ``at`` (default now).
    :raises KeyError: for an unknown kind.
    """
    kinds = list(kinds or SOURCES)
    models = [SOURCES[k].model for k in kinds]
    consent = await valid_consent(session, person.id, at)
    await audit(session, person, consent, kinds, actor=actor, purpose=purpose)
    if consent is None:
        raise ConsentRequired(person.id, kinds)
    records = {}
    for kind, model in zip(kinds, models, strict=True):
        rows = await session.scalars(select(model).where(model.person_id == person.id))
        records[kind] = list(rows)
    return records


async def audit(
    session: AsyncSession,
    person: Person,
    consent: Consent | None,
    kinds: list[str],
    *,
    actor: str,
    purpose: str,
) -> AuditLog:
    """Flush one audit row; ``allowed`` is whether a consent was found."""
    row = AuditLog(
        at=utcnow(),
        actor=actor,
        purpose=purpose,
        person_hash=person.id_number_hash,
        consent_id=consent.id if consent else None,
        record_kinds=",".join(kinds),
        allowed=consent is not None,
    )
    session.add(row)
    await session.flush()
    return row
