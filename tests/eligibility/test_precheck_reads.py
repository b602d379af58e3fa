"""A pre-check's reads: one audit row per member and read, and no read without consent.

Story D (STORIES.md): a family of eight; the applicant consents in the chat for himself and
his four minor children, the spouse and both parents signed at the office. Here the spouse
has withdrawn hers, so she must be neither read nor audited as read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from eligibility.precheck import load_family, run_precheck
from jiuzhu import clock
from store.consent import grant_with_minors, revoke_consents
from store.crypto import vault
from store.demo.fixtures import fixture_by_story
from store.demo.generator import generate
from store.models import AuditLog, Consent, FamilyMember, Person
from store.session import make_sync_engine, transaction

PERIOD = f"{clock.today():%Y-%m}"
PRECHECK_READS = (
    "income,real_estate,vehicle,business_registration,financial_asset,disability,"
    "school_enrolment,medical_expense"
)
"""What a pre-check reads of each member (审核确认办法 art. 17)."""


def _hash(id_number: str) -> str:
    return vault().lookup_hash("id_number", id_number)


async def _story_d(session: AsyncSession) -> tuple[int, dict[str, int]]:
    """The family id and person id by ID number, the applicant's consent given."""
    ids = [m.id_number for m in fixture_by_story("D").members]
    persons = {
        p.id_number_hash: p
        for p in await session.scalars(
            select(Person).where(Person.id_number_hash.in_([_hash(i) for i in ids]))
        )
    }
    applicant = persons[_hash(ids[0])]
    family_id = await session.scalar(
        select(FamilyMember.family_id).where(FamilyMember.person_id == applicant.id)
    )
    family = await load_family(session, family_id)
    await grant_with_minors(
        session, applicant, family, text_version="v1", text_sha256="0" * 64, channel="test"
    )
    return family_id, {i: persons[_hash(i)].id for i in ids}


def _flat(parameters: Any) -> list[Any]:
    if isinstance(parameters, dict):
        return list(parameters.values())
    if isinstance(parameters, list | tuple):
        return [v for p in parameters for v in _flat(p)]
    return [parameters]


async def test_one_audit_row_per_member_and_read_and_none_for_the_withdrawn(
    db_settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    engine = make_sync_engine(db_settings)
    with engine.connect() as conn:
        generate(conn, families=20, seed=7)
    engine.dispose()
    d = fixture_by_story("D").members
    spouse_number = next(m.id_number for m in d if m.relation == "spouse")
    async with transaction(sessionmaker) as session:
        family_id, person_ids = await _story_d(session)
        await revoke_consents(session, [person_ids[spouse_number]])
    async with sessionmaker() as session:
        valid = {
            c.person_id: c.id
            for c in await session.scalars(select(Consent).where(Consent.revoked_at.is_(None)))
        }
        before = len(list(await session.scalars(select(AuditLog.id))))

    record_reads: list[Any] = []

    def watch(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "income_record" in statement:
            record_reads.append(parameters)

    sync_engine = sessionmaker.kw["bind"].sync_engine
    event.listen(sync_engine, "before_cursor_execute", watch)
    try:
        async with transaction(sessionmaker) as session:
            done = await run_precheck(session, family_id, PERIOD, actor="test")
    finally:
        event.remove(sync_engine, "before_cursor_execute", watch)

    async with sessionmaker() as session:
        rows = list(await session.scalars(select(AuditLog).order_by(AuditLog.id)))[before:]
    # one row per member of the eight, each naming the pre-check's reads
    assert sorted(r.person_hash for r in rows) == sorted(_hash(m.id_number) for m in d)
    assert {(r.actor, r.purpose, r.record_kinds) for r in rows} == {
        ("test", "precheck", PRECHECK_READS)
    }
    spouse = _hash(spouse_number)
    allowed = {r.person_hash: r.consent_id for r in rows if r.allowed}
    assert allowed == {
        _hash(m.id_number): valid[person_ids[m.id_number]]
        for m in d
        if m.id_number != spouse_number
    }
    assert [(r.allowed, r.consent_id) for r in rows if r.person_hash == spouse] == [(False, None)]
    # the spouse's records were not asked for, nor shown
    spouse_key = f"p{person_ids[spouse_number]}"
    assert record_reads
    assert all(person_ids[spouse_number] not in _flat(p) for p in record_reads)
    assert done.result.unverified_members == [spouse_key]
    assert not any(r.member == spouse_key for r in done.result.records)
    # the others' records were: the applicant's micro business, the parents' pensions
    kinds = {(r.member, r.kind, r.fields.get("income_kind")) for r in done.result.records}
    applicant_key = f"p{person_ids[d[0].id_number]}"
    assert (applicant_key, "business_registration", None) in kinds
    for parent in (m for m in d if m.relation == "parent"):
        assert (f"p{person_ids[parent.id_number]}", "income", "pension_basic_resident") in kinds
