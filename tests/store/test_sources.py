"""Consent is enforced where department data is read, and every read is audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.consent import grant_consent, revoke_consents
from store.crypto import vault
from store.models import AuditLog, IncomeRecord, Person
from store.session import transaction
from store.sources import SOURCES, ConsentRequired, read_records

ID_NUMBER = "441825199003059022"


async def _person(session: AsyncSession) -> Person:
    person = Person(
        id_number=ID_NUMBER,
        id_number_hash=vault().lookup_hash("id_number", ID_NUMBER),
        name="覃秀梅",
        phone="13800441825",
        birth_date=date(1990, 3, 5),
        sex="F",
    )
    session.add(person)
    await session.flush()
    session.add(
        IncomeRecord(person_id=person.id, kind="wage", monthly_amount=3000, month_from="2024-01")
    )
    await session.flush()
    return person


async def _audit(session: AsyncSession) -> list[AuditLog]:
    return list(await session.scalars(select(AuditLog).order_by(AuditLog.id)))


async def test_read_requires_consent_and_every_read_is_audited(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessionmaker) as session:
        person = await _person(session)
    income = SOURCES["income"]

    with pytest.raises(ConsentRequired):
        async with transaction(sessionmaker) as session:
            await income.read(session, person, actor="test", purpose="precheck")
    async with sessionmaker() as session:
        denied = await _audit(session)
    assert [(a.allowed, a.consent_id, a.record_kinds) for a in denied] == [(False, None, "income")]
    assert denied[0].person_hash == person.id_number_hash != ID_NUMBER

    async with transaction(sessionmaker) as session:
        consent = await grant_consent(
            session, person.id, text_version="v1", text_sha256="0" * 64, channel="test"
        )
        rows = await income.read(session, person, actor="test", purpose="precheck")
    assert [float(r.monthly_amount) for r in rows] == [3000.0]
    async with sessionmaker() as session:
        allowed = (await _audit(session))[-1]
    assert (allowed.allowed, allowed.consent_id, allowed.actor) == (True, consent.id, "test")

    async with transaction(sessionmaker) as session:
        assert await revoke_consents(session, [person.id]) == 1
    with pytest.raises(ConsentRequired):
        async with transaction(sessionmaker) as session:
            await read_records(session, person, ["income", "real_estate"], actor="t", purpose="p")
    async with sessionmaker() as session:
        audit = await _audit(session)
    assert [a.allowed for a in audit] == [False, True, False]
    assert audit[-1].record_kinds == "income,real_estate"


async def test_every_record_kind_has_a_source(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessionmaker) as session:
        person = await _person(session)
        await grant_consent(
            session, person.id, text_version="v1", text_sha256="0" * 64, channel="t"
        )
        records = await read_records(session, person, actor="test", purpose="all kinds")
    assert set(records) == set(SOURCES)
    assert len(records["income"]) == 1
    assert all(records[kind] == [] for kind in SOURCES if kind != "income")
