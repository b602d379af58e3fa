"""The database path of the pre-check: department records → :class:`Situation` → rules.

``run_precheck`` reads every family member's records in one batch through the consent-checked
sources of :mod:`store.sources` (``read_many``: an audit row per member, a handful of queries
for the whole family). Members without a valid consent are not read, left out and listed in
``unverified_members``; the result then says the pre-check is incomplete.

How records become the rules' input (each a reading of RULES.md):

- income: each income spell's amount in each month of the window the rules average
  (:func:`eligibility.service.income_window`: the ``averaging_months`` before the period),
  by kind (``Member.income_months``); the rules do the averaging and the exemptions. An
  employee ``pension`` is a transfer income;
- property: houses, vehicles, businesses and financial assets of the verified members
  (审核确认办法 art. 14 [V]); the housing provident fund is not a financial asset there;
- ``student``: an enrolment open in the period; ``serious_illness``: a 重特大疾病 record;
- ability to work, supporters and age are decided by the rules (``unable_to_work``,
  ``has_supporter``, ``age``), not here: supporters living elsewhere are not in the data, a
  caseworker records them in the what-if JSON (``has_supporter``);
- records: each house, vehicle, business (credit code masked), financial asset, income
  spell and disability certificate of the verified members, as ``Assets.records`` and then
  ``PrecheckResult.records`` (the report lists them; the rules ignore them);
- home-visit findings: those of the family's latest recorded visit (:class:`HomeVisitRecord`);
  an income the caseworker corrected replaces that member's department income by kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from eligibility.result import PrecheckResult
from eligibility.service import evaluate_one, income_window
from eligibility.situation import (
    Assets,
    BusinessRegistration,
    Disability,
    HomeVisit,
    Member,
    RecordRef,
    Situation,
)
from store.base import utcnow
from store.models import Family, FamilyMember, HomeVisitRecord, Person
from store.models import PrecheckResult as PrecheckRecord
from store.pii import mask_credit_code
from store.sources import SOURCES, ConsentRequired, read_many

PRECHECK_KINDS = (
    "income", "real_estate", "vehicle", "business_registration", "financial_asset",
    "disability", "school_enrolment", "medical_expense",
)  # fmt: skip
"""Record kinds the pre-check reads (审核确认办法 art. 17 [V])."""

INCOME_KIND_MAP = {"pension": "transfer"}
"""Department income kinds that the rules know under another name."""


@dataclass(frozen=True)
class DataSource:
    """One kind of department data the pre-check consulted, for the verification report."""

    kind: str
    department: str
    read_at: datetime


@dataclass(frozen=True)
class FamilyPrecheck:
    """A stored pre-check: the result, its row id, what was read and who is who.

    :ivar member_ids: result member id (``p<person id>``) → person id.
    """

    result: PrecheckResult
    record_id: int
    data_sources: list[DataSource]
    member_ids: dict[str, int]


def member_key(person_id: int) -> str:
    """The id a person has in a pre-check result (``p42``)."""
    return f"p{person_id}"


def _income_months(records: list[Any], window: list[str]) -> dict[str, dict[str, float]]:
    """Month → kind → yuan of the income spells over the averaging ``window`` (facts only)."""
    months: dict[str, dict[str, float]] = {}
    for month in window:
        for r in records:
            if r.month_from <= month and (r.month_to is None or month <= r.month_to):
                kind = INCOME_KIND_MAP.get(r.kind, r.kind)
                by_kind = months.setdefault(month, {})
                by_kind[kind] = by_kind.get(kind, 0.0) + float(r.monthly_amount)
    return months


def _member(
    person: HouseholdMember, records: dict[str, list[Any]], day: date, window: list[str]
) -> Member:
    certificates = sorted(records["disability"], key=lambda c: c.grade)
    disability = certificates[0] if certificates else None
    student = any(
        e.start_date <= day and (e.end_date is None or day <= e.end_date)
        for e in records["school_enrolment"]
    )
    return Member(
        id=member_key(person.id),
        relation=person.relation,
        birth_date=person.birth_date,
        income_months=_income_months(records["income"], window),
        disability=Disability(category=disability.category, grade=disability.grade)
        if disability
        else None,
        serious_illness=any(m.serious_illness for m in records["medical_expense"]),
        student=student,
    )


def _records(member: str, records: dict[str, list[Any]]) -> list[RecordRef]:
    """The member's records as :class:`RecordRef` (credit codes masked), for the report and
    the reasons that name a record; no name, ID number or address is copied."""
    refs = [
        RecordRef(
            kind="income",
            member=member,
            fields={
                "income_kind": r.kind,
                "monthly_amount": float(r.monthly_amount),
                "month_from": r.month_from,
                "month_to": r.month_to,
            },
        )
        for r in records["income"]
    ]
    refs += [
        RecordRef(
            kind="real_estate",
            member=member,
            fields={
                "use": h.kind,
                "rented_out": bool(h.rented_out),
                "area_m2": float(h.area_m2) if h.area_m2 is not None else None,
                "exemption": h.exemption,
            },
        )
        for h in records["real_estate"]
    ]
    refs += [
        RecordRef(kind="vehicle", member=member, fields={"vehicle_kind": v.kind})
        for v in records["vehicle"]
    ]
    refs += [
        RecordRef(
            kind="business_registration",
            member=member,
            fields={
                "credit_code": mask_credit_code(b.credit_code),
                "business_kind": b.kind,
                "employees": b.employees,
                "luxury_goods": bool(b.luxury_goods),
            },
        )
        for b in records["business_registration"]
    ]
    refs += [
        RecordRef(
            kind="financial_asset",
            member=member,
            fields={"asset_kind": a.kind, "amount": float(a.amount)},
        )
        for a in records["financial_asset"]
    ]
    refs += [
        RecordRef(
            kind="disability", member=member, fields={"category": c.category, "grade": c.grade}
        )
        for c in records["disability"]
    ]
    return refs  # fmt: skip


@dataclass(frozen=True)
class Household:
    """What the pre-check needs of a family: no name, no ID number, no phone.

    :ivar members: in membership order, the registered applicant among them.
    :ivar visit_findings: those of the family's latest home visit, None without one.
    """

    id: int
    region_code: str
    area: str
    members: list[HouseholdMember]
    visit_findings: dict[str, Any] | None


@dataclass(frozen=True)
class HouseholdMember:
    """A member as the pre-check needs them; ``id`` is the person id (a
    :class:`store.sources.Reader`)."""

    id: int
    id_number_hash: str
    birth_date: date
    relation: str


async def load_household(session: AsyncSession, family_id: int) -> Household:
    """The family's :class:`Household` in one query (nothing decrypted).

    :raises LookupError: when there is no such family (or it has no members).
    """
    visit = (
        select(HomeVisitRecord.findings)
        .where(HomeVisitRecord.family_id == family_id)
        .order_by(HomeVisitRecord.visited_at.desc(), HomeVisitRecord.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    columns = (Family.region_code, Family.area, FamilyMember.relation, Person.id,
               Person.id_number_hash, Person.birth_date, visit.label("visit"))  # fmt: skip
    query = (
        select(*columns)
        .join(FamilyMember, FamilyMember.family_id == Family.id)
        .join(Person, Person.id == FamilyMember.person_id)
        .where(Family.id == family_id)
        .order_by(FamilyMember.id)
    )
    rows = (await session.execute(query)).all()
    if not rows:
        msg = f"no family {family_id}"
        raise LookupError(msg)
    members = [HouseholdMember(r.id, r.id_number_hash, r.birth_date, r.relation) for r in rows]
    first = rows[0]
    return Household(family_id, first.region_code, first.area, members, first.visit)


async def build_situation(
    session: AsyncSession, family: Family | Household, period: str, *, actor: str, purpose: str
) -> tuple[Situation, list[DataSource]]:
    """The family's situation in ``period`` from consented department records.

    Every member is read in one batch (:func:`store.sources.read_many`: an audit row per
    member, one query for every record kind); a member without a valid consent is not read.

    :param family: the family, or its :class:`Household` (:func:`load_household`).
    :raises ConsentRequired: when the applicant has no valid consent (nothing can be verified).
    """
    household = (
        family if isinstance(family, Household) else await load_household(session, family.id)
    )
    day = date.fromisoformat(f"{period}-15")
    window = income_window(period)
    reads = await read_many(
        session, household.members, PRECHECK_KINDS, actor=actor, purpose=purpose
    )
    read_at = utcnow()
    members = []
    assets: dict[str, Any] = {"residential_properties": 0, "nonresidential_properties": 0,
                              "exempt_residential_properties": 0, "vehicles": [],
                              "business_registrations": [], "financial_assets": 0.0,
                              "records": []}  # fmt: skip
    for person in household.members:
        records = reads.records.get(person.id)
        if records is None:
            continue
        members.append(_member(person, records, day, window))
        for house in records["real_estate"]:
            if house.kind == "residential":
                assets["residential_properties"] += 1
                assets["exempt_residential_properties"] += house.exemption is not None
            else:
                assets["nonresidential_properties"] += 1
        assets["vehicles"] += [v.kind for v in records["vehicle"]]
        assets["business_registrations"] += [
            BusinessRegistration(kind=b.kind, employees=b.employees, luxury_goods=b.luxury_goods,
                                 member=member_key(person.id),
                                 credit_code=mask_credit_code(b.credit_code))
            for b in records["business_registration"]
        ]  # fmt: skip
        assets["records"] += _records(member_key(person.id), records)
        assets["financial_assets"] += sum(float(a.amount) for a in records["financial_asset"])
    applicant = next(m for m in household.members if m.relation == "applicant")
    if applicant.id in reads.denied:
        raise ConsentRequired(applicant.id, PRECHECK_KINDS)
    home_visit = _apply_visit(members, household.visit_findings)
    situation = Situation(
        region=household.region_code,
        area=household.area,
        period=period,
        members=members,
        assets=Assets(**assets),
        home_visit=home_visit,
        unverified_members=[member_key(i) for i in reads.denied],
    )
    sources = [DataSource(k, SOURCES[k].department, read_at) for k in PRECHECK_KINDS]
    return situation, sources


def _apply_visit(members: list[Member], findings: dict[str, Any] | None) -> HomeVisit | None:
    if findings is None:
        return None
    corrected = findings.get("corrected_income") or {}
    for m in members:
        if m.id in corrected:
            m.income_months = {}  # the caseworker's figure is the monthly average
            m.income_kinds = {k: float(v) for k, v in corrected[m.id].items()}
            m.monthly_income = round(sum(m.income_kinds.values()), 2)
    fields = HomeVisit.model_fields
    return HomeVisit(**{k: v for k, v in findings.items() if k in fields})


async def load_family(session: AsyncSession, family_id: int) -> Family:
    """The family with its members and their persons loaded.

    :raises LookupError: when there is no such family.
    """
    family = await session.scalar(
        select(Family)
        .where(Family.id == family_id)
        .options(selectinload(Family.members).selectinload(FamilyMember.person))
    )
    if family is None:
        msg = f"no family {family_id}"
        raise LookupError(msg)
    return family


async def run_precheck(
    session: AsyncSession, family_id: int, period: str, *, actor: str, purpose: str = "precheck"
) -> FamilyPrecheck:
    """Pre-check a family from its department records and store the result.

    :param period: the month to check, ``"YYYY-MM"``.
    :param actor: who asked (``chat:<sender hash>``, ``staff:<login>``, ``batch:review``).
    :returns: the result (amounts in yuan/month), its stored row id and the data consulted.
    :raises LookupError: no such family.
    :raises ConsentRequired: the applicant has no valid consent (the denied reads are audited).
    """
    household = await load_household(session, family_id)
    situation, sources = await build_situation(
        session, household, period, actor=actor, purpose=purpose
    )
    result = evaluate_one(situation)
    record_id = await session.scalar(
        insert(PrecheckRecord.__table__).returning(PrecheckRecord.__table__.c.id),
        {"family_id": household.id, "period": period, "rules_version": result.rules_version,
         "actor": actor, "result": result.to_json_dict(),
         "data_sources": [{"kind": d.kind, "department": d.department,
                           "read_at": d.read_at.isoformat()} for d in sources]},
    )  # fmt: skip
    ids = {member_key(m.id): m.id for m in household.members}
    return FamilyPrecheck(result, record_id, sources, ids)
