"""Deterministic synthetic department data for Guangdong (``jiuzhu demo-data``).

Same ``seed`` and ``families`` → the same content: each chunk of families draws from its own
``numpy`` generator seeded with ``(seed, chunk)``, ids are assigned in order, and timestamps
are fixed (:data:`DEMO_AS_OF`, moved by whole years to read as of ``today``:
:mod:`store.demo.timeline`). Distributions are rough but plausible: prefectures by
population and urban share (:mod:`store.demo.regions`), household sizes of the 2020 census,
about 6 % of people with a disability certificate, low-income families more often rural.
The four story families (:mod:`store.demo.fixtures`) always come first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

import store.models
from jiuzhu import clock
from jiuzhu.errors import InvalidInput
from store.base import Base
from store.crypto import vault
from store.demo import rules
from store.demo.fixtures import (
    FIXTURES,
    OFFICE_CONSENT_EXPIRES,
    OFFICE_CONSENT_GRANTED,
    OUTREACH_TEXT_VERSION,
    FixtureFamily,
)
from store.demo.regions import PREFECTURES
from store.demo.timeline import shift_date, shift_id_number, shift_row, years_for
from store.demo.writer import BulkWriter
from store.pii import id_check_character, parse_id_number

DEMO_AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
"""The moment the synthetic records describe; ``created_at`` of every demo row."""

TABLE_ORDER = (
    "family", "person", "family_member", "consent", "household_registration", "income_record",
    "social_insurance", "real_estate", "vehicle", "business_registration", "financial_asset",
    "provident_fund", "disability_certificate", "school_enrolment", "medical_expense",
    "death_record", "unemployment_registration", "benefit", "outreach_opt_in",
)  # fmt: skip

_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余叶杜苏魏程吕丁沈任姚卢钟姜崔谭陆汪范廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃"
)
_GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅海鹏飞亮辉婷雪琳晓欣宇浩俊文斌佳嘉颖慧燕锦荣珍凤莲"
)
_HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6, 7)
_HOUSEHOLD_P = (0.17, 0.24, 0.23, 0.18, 0.10, 0.05, 0.03)
_DISABILITY_CATEGORIES = (
    "physical",
    "visual",
    "hearing",
    "speech",
    "intellectual",
    "mental",
    "multiple",
)
_DISABILITY_CATEGORY_P = (0.45, 0.12, 0.15, 0.03, 0.08, 0.10, 0.07)
_DISABILITY_GRADE_P = (0.10, 0.20, 0.30, 0.40)
_MAX_SEQUENCE_BLOCKS = 450  # generated sequence numbers stay below 900; fixtures use 9xx


@dataclass
class DemoStats:
    """What :func:`generate` wrote: families, persons and rows over all tables."""

    families: int = 0
    persons: int = 0
    rows: int = 0


class _Ids:
    """Next primary key per table, and unique ID-number sequences per (region, birth year)."""

    def __init__(self, years: int = 0) -> None:
        self.years = years  # the timeline shift: births are drawn in the shifted years
        self.next: dict[str, int] = {name: 1 for name in TABLE_ORDER}
        self.births: dict[tuple[str, int], int] = {}

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value

    def id_number(self, region: str, birth_year: int, male: bool) -> tuple[str, date]:
        # The n-th person born in a region and year gets day (n * 97) mod 365 and sequence
        # block n // 365: distinct (date, sequence) pairs without remembering every number.
        n = self.births.get((region, birth_year), 0)
        self.births[(region, birth_year)] = n + 1
        block = n // 365
        if block >= _MAX_SEQUENCE_BLOCKS:
            msg = "too many synthetic people born in one region and year"
            raise InvalidInput(msg)
        born = date(birth_year, 1, 1) + timedelta(days=(n * 97) % 365)
        sequence = block * 2 + (1 if male else 0)
        first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
        return first17 + id_check_character(first17), born


def generate(
    conn: Connection,
    *,
    families: int,
    seed: int,
    chunk_size: int = 20_000,
    on_chunk: Callable[[int], None] | None = None,
    today: date | None = None,
) -> DemoStats:
    """Write the story fixtures and ``families`` synthetic families into an empty database.

    :param families: synthetic families besides the four fixtures (≥ 0).
    :param seed: any integer; the same seed gives the same content.
    :param on_chunk: called with the number of families written after each chunk.
    :param today: the day the data should read as current (default: the injected clock's);
        the same ``(seed, families, today)`` gives the same content.
    :raises InvalidInput: for a negative ``families`` or a database that already has families.
    """
    if families < 0:
        msg = f"--families must be 0 or more, got {families}"
        raise InvalidInput(msg)
    existing = conn.execute(select(func.count()).select_from(Base.metadata.tables["family"]))
    if existing.scalar_one():
        msg = "the database already has families; demo data goes into an empty database"
        raise InvalidInput(msg)
    years = years_for(today or clock.today())
    writer = BulkWriter(conn, [Base.metadata.tables[name] for name in TABLE_ORDER],
                        transform=_mover(years))  # fmt: skip
    ids = _Ids(years)
    stats = DemoStats()
    for fixture in FIXTURES:  # as written: the writer moves their dates
        _write_fixture(writer, ids, fixture, stats, years)
    writer.flush()
    conn.commit()
    for start in range(0, families, chunk_size):
        count = min(chunk_size, families - start)
        rng = np.random.default_rng([seed, start // chunk_size])
        for family in _synthetic_families(rng, count):
            _write_synthetic(writer, ids, family, stats)
        writer.flush()
        conn.commit()
        if on_chunk:
            on_chunk(count)
    writer.finish()
    conn.commit()
    stats.rows = writer.written
    return stats


def _mover(years: int) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """Move every row's dates by ``years``; a person's birth is drawn in the right year
    already (shifting it afterwards could make two ID numbers one)."""

    def move(table: str, row: dict[str, Any]) -> dict[str, Any]:
        if table == "person":
            return {**row, "created_at": shift_date(row["created_at"], years)}
        return shift_row(row, years)

    return move


def _person_row(
    ids: _Ids, name: str, id_number: str, phone: str | None, born: date, male: bool
) -> dict[str, Any]:
    return {
        "id": ids.take("person"),
        "id_number": id_number,
        "id_number_hash": vault().lookup_hash("id_number", id_number),
        "name": name,
        "phone": phone,
        "birth_date": born,
        "sex": "M" if male else "F",
        "created_at": DEMO_AS_OF,
    }


def _add_records(
    writer: BulkWriter, ids: _Ids, person_id: int, records: dict[str, list[dict[str, Any]]]
) -> None:
    for kind, rows in records.items():
        table = store.models.RECORD_MODELS[kind].__tablename__
        for row in rows:
            writer.add(table, {"id": ids.take(table), "person_id": person_id, **row})


def _write_fixture(
    writer: BulkWriter, ids: _Ids, fixture: FixtureFamily, stats: DemoStats, years: int
) -> None:
    family_id = ids.take("family")
    writer.add("family", {"id": family_id, "region_code": fixture.region_code,
                          "area": fixture.area, "created_at": DEMO_AS_OF})  # fmt: skip
    person_ids = []
    for member in fixture.members:
        parsed = parse_id_number(member.id_number)
        person = _person_row(ids, member.name, shift_id_number(member.id_number, years),
                             member.phone, shift_date(parsed.birth_date, years),
                             parsed.sex == "M")  # fmt: skip
        person_ids.append(person["id"])
        writer.add("person", person)
        writer.add("family_member", {"id": ids.take("family_member"), "family_id": family_id,
                                     "person_id": person["id"], "relation": member.relation})  # fmt: skip
        records = {"household_registration": [{"region_code": fixture.region_code,
                                               "area": fixture.area}]} | member.records  # fmt: skip
        _add_records(writer, ids, person["id"], records)
        if member.office_consent:
            writer.add("consent", {
                "id": ids.take("consent"), "person_id": person["id"], "text_version": "office-paper",
                "text_sha256": hashlib.sha256(b"office-paper").hexdigest(), "channel": "office",
                "granted_by": "self",
                "granted_at": datetime.combine(OFFICE_CONSENT_GRANTED, datetime.min.time(), UTC),
                "expires_at": datetime.combine(OFFICE_CONSENT_EXPIRES, datetime.min.time(), UTC),
            })  # fmt: skip
        if member.outreach_chat is not None:
            chat = str(member.outreach_chat)
            writer.add("outreach_opt_in", {
                "id": ids.take("outreach_opt_in"), "person_id": person["id"], "channel": "telegram",
                "address": chat, "sender_hash": vault().lookup_hash("sender", chat),
                "locale": "zh_CN", "text_version": OUTREACH_TEXT_VERSION,
                "text_sha256": hashlib.sha256(OUTREACH_TEXT_VERSION.encode()).hexdigest(),
                "granted_at": datetime.combine(OFFICE_CONSENT_GRANTED, datetime.min.time(), UTC),
            })  # fmt: skip
    for benefit in fixture.benefits:
        member = benefit["member"]
        row = {k: v for k, v in benefit.items() if k != "member"}
        writer.add("benefit", {"id": ids.take("benefit"), "family_id": family_id,
                               "person_id": None if member is None else person_ids[member],
                               "created_at": DEMO_AS_OF, **row})  # fmt: skip
    stats.families += 1
    stats.persons += len(fixture.members)


@dataclass
class _Member:
    relation: str
    age: int
    male: bool
    records: dict[str, list[dict[str, Any]]]
    income: float = 0.0
    disability_grade: int = 0


@dataclass
class _Family:
    region_code: str
    area: str
    tier: int
    poor: bool
    members: list[_Member]


def _synthetic_families(rng: np.random.Generator, count: int) -> Iterator[_Family]:
    """Draw ``count`` families; array draws up front keep the per-family loop small."""
    weights = np.array([p.population_m for p in PREFECTURES])
    prefecture = rng.choice(len(PREFECTURES), size=count, p=weights / weights.sum())
    sizes = rng.choice(_HOUSEHOLD_SIZES, size=count, p=_HOUSEHOLD_P)
    area_draw = rng.random(count)
    poor_draw = rng.random(count)
    ages = rng.integers(22, 81, size=count)
    for i in range(count):
        pref = PREFECTURES[prefecture[i]]
        county = pref.counties[rng.integers(len(pref.counties))]
        area = "urban" if area_draw[i] < pref.urban_share else "rural"
        poor = poor_draw[i] < (0.12 if area == "rural" else 0.05)
        members = _draw_members(rng, int(sizes[i]), int(ages[i]))
        family = _Family(county, area, rules.tier(pref.code, DEMO_AS_OF.date()), poor, members)
        _draw_records(rng, family)
        yield family


def _draw_members(rng: np.random.Generator, size: int, age: int) -> list[_Member]:
    male = bool(rng.random() < 0.5)
    members = [_Member("applicant", age, male, {})]
    if size >= 2 and rng.random() < 0.85:
        spouse_age = int(np.clip(age + rng.integers(-4, 5), 20, 95))
        members.append(_Member("spouse", spouse_age, not male, {}))
    remaining = size - len(members)
    parents = min(2, remaining - 1) if age < 45 and remaining >= 3 else 0
    for _ in range(parents):
        members.append(
            _Member("parent", age + int(rng.integers(24, 32)), bool(rng.random() < 0.5), {})
        )
    for _ in range(remaining - parents):
        oldest = max(0, min(age - 20, 30))
        members.append(
            _Member("child", int(rng.integers(0, oldest + 1)), bool(rng.random() < 0.5), {})
        )
    return members


def _draw_records(rng: np.random.Generator, family: _Family) -> None:
    urban, poor = family.area == "urban", family.poor
    wage_median = {1: 7000, 2: 5500, 3: 4500, 4: 3800}[family.tier] * (1 if urban else 0.7)
    for m in family.members:
        r = m.records
        if rng.random() < 0.06 or (poor and rng.random() < 0.15):
            grade = int(rng.choice(4, p=_DISABILITY_GRADE_P)) + 1
            m.disability_grade = grade
            category = _DISABILITY_CATEGORIES[int(rng.choice(7, p=_DISABILITY_CATEGORY_P))]
            r["disability"] = [
                {"category": category, "grade": grade, "issued_on": date(2015, 1, 1)}
            ]
        level = _school_level(m.age, rng)
        if level:
            start = date(DEMO_AS_OF.year - (1 if DEMO_AS_OF.month < 9 else 0), 9, 1)
            r["school_enrolment"] = [{"level": level, "start_date": start}]
        working_age = 18 <= m.age < 60 and not level
        if (
            working_age
            and m.disability_grade not in (1, 2)
            and rng.random() < (0.55 if poor else 0.88)
        ):
            scale = 0.35 if poor else 1.0
            m.income = round(float(rng.lognormal(np.log(wage_median * scale), 0.4)), -1)
            kind = "business" if rng.random() < 0.08 else "wage"
            r["income"] = [{"kind": kind, "monthly_amount": m.income, "month_from": "2024-01"}]
            if kind == "wage" and urban and rng.random() < 0.8:
                r["social_insurance"] = [{"employer": "synthetic employer", "start_date": date(2020, 1, 1),
                                          "contribution_base": m.income}]  # fmt: skip
                if rng.random() < 0.5:
                    r["provident_fund"] = [{"balance": round(m.income * 20, -2),
                                            "monthly_contribution": round(m.income * 0.1, 0)}]  # fmt: skip
            if kind == "business" or rng.random() < 0.02:
                micro = rng.random() < 0.8
                r["business_registration"] = [{
                    "credit_code": f"92{rng.integers(10**15, 10**16)}", "kind": "micro" if micro else "company",
                    "employees": 0 if micro else int(rng.integers(1, 30)),
                    "luxury_goods": bool(rng.random() < 0.03), "registered_on": date(2019, 6, 1)}]  # fmt: skip
        elif working_age and rng.random() < 0.3:
            r["unemployment"] = [{"registered_on": date(2025, 6, 1)}]
        elif m.age >= 60:
            if urban and rng.random() < 0.6:
                m.income = round(float(rng.normal(3200, 600)), -1)
                r["income"] = [
                    {"kind": "pension", "monthly_amount": m.income, "month_from": "2015-01"}
                ]
            else:
                r["income"] = [
                    {
                        "kind": "pension_basic_resident",
                        "monthly_amount": 200,
                        "month_from": "2015-01",
                    }
                ]
        if rng.random() < (0.12 if m.age >= 60 else 0.04):
            serious = rng.random() < 0.15
            amount = round(float(rng.lognormal(np.log(3000 if serious else 300), 0.6)), 0)
            r["medical_expense"] = [{"month": "2026-09", "amount": amount, "serious_illness": serious,
                                     "diagnosis": "重特大疾病" if serious else None}]  # fmt: skip
    head = family.members[0].records
    houses = int(rng.choice(4, p=(0.35, 0.6, 0.05, 0) if poor else (0.18, 0.64, 0.14, 0.04)))
    head["real_estate"] = [
        {"kind": "residential", "area_m2": round(float(rng.uniform(40, 140)), 1),
         "exemption": "uninhabited_mud_brick" if not urban and rng.random() < 0.08 else None,
         "rented_out": i > 0 and rng.random() < 0.5}
        for i in range(houses)
    ]  # fmt: skip
    if not poor and rng.random() < 0.04:
        head["real_estate"].append({"kind": "nonresidential", "area_m2": 15.0})
    vehicles = []
    if rng.random() < (0.03 if poor else (0.45 if urban else 0.2)):
        vehicles.append(str(rng.choice(["car", "car", "car", "van", "truck"])))
    if rng.random() < 0.5:
        vehicles.append("e_bike")
    if not urban and rng.random() < 0.4:
        vehicles.append("motorcycle")
    head["vehicle"] = [{"kind": kind} for kind in vehicles]
    deposit = round(float(rng.lognormal(np.log(3000 if poor else 40000), 1.0)), 0)
    head["financial_asset"] = [{"kind": "deposit", "amount": deposit}]
    if not poor and rng.random() < 0.2:
        head["financial_asset"].append(
            {"kind": "fund", "amount": round(float(rng.lognormal(10, 1)), 0)}
        )


def _school_level(age: int, rng: np.random.Generator) -> str | None:
    if 3 <= age <= 5:
        return "kindergarten"
    if 6 <= age <= 11:
        return "primary"
    if 12 <= age <= 14:
        return "junior"
    if 15 <= age <= 17:
        return "senior"
    if 18 <= age <= 21 and rng.random() < 0.55:
        return "college"
    return None


def _write_synthetic(writer: BulkWriter, ids: _Ids, family: _Family, stats: DemoStats) -> None:
    family_id = ids.take("family")
    writer.add("family", {"id": family_id, "region_code": family.region_code, "area": family.area,
                          "created_at": DEMO_AS_OF})  # fmt: skip
    person_ids = []
    for index, m in enumerate(family.members):
        birth_year = DEMO_AS_OF.year + ids.years - m.age - 1
        id_number, born = ids.id_number(family.region_code, birth_year, m.male)
        phone = (
            None
            if m.age < 16
            else f"1{3 + (family_id + index) % 7}{(family_id * 7919 + index) % 10**9:09d}"
        )
        name = _SURNAMES[(family_id * 31 + index) % len(_SURNAMES)] + "".join(
            _GIVEN[(family_id * k + index * 13) % len(_GIVEN)]
            for k in (17, 23)[: 1 + family_id % 2]
        )
        person = _person_row(ids, name, id_number, phone, born, m.male)
        person_ids.append(person["id"])
        writer.add("person", person)
        writer.add("family_member", {"id": ids.take("family_member"), "family_id": family_id,
                                     "person_id": person["id"], "relation": m.relation})  # fmt: skip
        hukou = {
            "household_registration": [{"region_code": family.region_code, "area": family.area}]
        }
        _add_records(writer, ids, person["id"], hukou | m.records)
    _write_benefits(writer, ids, family, family_id, person_ids)
    stats.families += 1
    stats.persons += len(family.members)


def _write_benefits(
    writer: BulkWriter, ids: _Ids, family: _Family, family_id: int, person_ids: list[int]
) -> None:
    """Benefits departments already pay, so recipients have non-empty happiness lists."""
    # what departments pay: the tier floor in force (rules' parameters)
    standard = rules.tier_floor(family.tier, family.area, DEMO_AS_OF.date())
    paid = rules.figures(DEMO_AS_OF.date())
    size = len(family.members)
    per_capita = sum(m.income for m in family.members) / size
    houses = len(family.members[0].records.get("real_estate", []))
    since = date(2019 + family_id % 7, 1 + family_id % 12, 1)
    review = date(DEMO_AS_OF.year + 1, 1 + family_id % 12, 1)

    def add(program: str, department: str, amount: float, person: int | None = None) -> None:
        writer.add("benefit", {"id": ids.take("benefit"), "family_id": family_id, "person_id": person,
                               "program": program, "department": department, "monthly_amount": amount,
                               "start_date": since, "next_review": review, "created_at": DEMO_AS_OF})  # fmt: skip

    in_dibao = family.poor and per_capita < standard and houses <= 1
    marginal = not in_dibao and family.poor and per_capita < paid["marginal_multiple"] * standard and houses <= 1
    if in_dibao:
        add("dibao", "民政", round((standard - per_capita) * size, 2))
        add("medical_insurance_subsidy", "医保", 33.5)
    elif marginal:
        add("low_income_marginal", "民政", 0)
    for m, person_id in zip(family.members, person_ids, strict=True):
        if m.disability_grade in (1, 2):
            add("disability_care_subsidy", "残联", paid["care_subsidy"], person_id)
        if m.disability_grade and (in_dibao or marginal):
            add("disability_living_subsidy", "残联", paid["living_subsidy"], person_id)
        if m.age >= 80:
            add("elderly_allowance", "民政", 100, person_id)
        if in_dibao and "school_enrolment" in m.records:
            add("education_assistance", "教育", 200, person_id)
        if any(r["kind"] == "pension_basic_resident" for r in m.records.get("income", [])):
            add("resident_basic_pension", "人社", 200, person_id)
