"""Department data sources: the only way to read department records, and only with consent.

One :class:`DepartmentSource` per kind of record (:data:`SOURCES`). Every read, allowed or
denied, writes an :class:`~store.models.AuditLog` row naming the actor, the purpose, the
person (keyed hash), the consent relied on and the record kinds (PIPL art. 55; DESIGN.md:
"No department data is read without a valid consent for that person").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu.errors import JiuzhuError
from store.base import utcnow
from store.consent import valid_consents
from store.models import RECORD_MODELS, AuditLog
from store.record_rows import RowParser, records_query


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
        self, session: AsyncSession, person: Reader, *, actor: str, purpose: str
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
_PARSERS = {kind: RowParser(model.__table__) for kind, model in RECORD_MODELS.items()}


class Reader(Protocol):
    """A person as a read names them: the id, and the ID number's keyed hash for the audit
    row (a :class:`~store.models.Person` is one)."""

    @property
    def id(self) -> int: ...

    @property
    def id_number_hash(self) -> str: ...


@dataclass(frozen=True)
class Reads:
    """What :func:`read_many` read.

    :ivar records: person id → kind → that person's records of that kind (rows with the
        table's columns as attributes, in id order), for each person with a valid consent.
    :ivar denied: ids of the persons without one, in the order asked: not read.
    """

    records: dict[int, dict[str, list[Any]]]
    denied: list[int]


async def read_many(
    session: AsyncSession,
    persons: Sequence[Reader],
    kinds: Iterable[str] | None = None,
    *,
    actor: str,
    purpose: str,
    at: datetime | None = None,
) -> Reads:
    """Records of several kinds for several persons, each person behind their own consent.

    One query finds the consents, one INSERT writes an audit row per person (allowed or
    denied, in the order of ``persons``), then one query reads the records of every kind of
    every person allowed (:mod:`store.record_rows`). A person without a valid consent at
    ``at`` (default now) is not read.

    :param kinds: keys of :data:`SOURCES`; all kinds when None.
    :raises KeyError: for an unknown kind.
    """
    kinds = list(kinds or SOURCES)
    tables = tuple(SOURCES[k].model.__table__ for k in kinds)
    if not persons:
        return Reads({}, [])
    consents = await valid_consents(session, [p.id for p in persons], at)
    now = utcnow()
    await session.execute(
        insert(AuditLog.__table__),
        [
            {"at": now, "actor": actor, "purpose": purpose, "person_hash": p.id_number_hash,
             "consent_id": consents.get(p.id), "record_kinds": ",".join(kinds),
             "allowed": p.id in consents}
            for p in persons
        ],
    )  # fmt: skip
    records: dict[int, dict[str, list[Any]]] = {
        p.id: {k: [] for k in kinds} for p in persons if p.id in consents
    }
    if records:
        rows = await session.execute(records_query(tables), {"person_ids": list(records)})
        for row in rows:
            kind = kinds[row.kind]
            records[row.person_id][kind].append(_PARSERS[kind](row.payload))
    return Reads(records, [p.id for p in persons if p.id not in consents])


async def read_records(
    session: AsyncSession,
    person: Reader,
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
    reads = await read_many(session, [person], kinds, actor=actor, purpose=purpose, at=at)
    if reads.denied:
        raise ConsentRequired(person.id, kinds)
    return reads.records[person.id]
