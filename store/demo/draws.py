"""One chunk of synthetic families drawn as columns (numpy), ready for a bulk write.

A chunk is a pure function of ``(seed, chunk index, chunk count, size, timeline shift)``: its
families' ids are known in advance (the fixtures, then ``chunk_size`` per earlier chunk), so
chunks can be drawn in any order, in other processes, and still give the same content. Ids of
the other tables are numbered from 0 within the chunk (:data:`LOCAL_IDS`); the writer adds the
rows written before. Every draw is one array over the chunk's families or members, never one
call per person.

The distributions are the generator's (:mod:`store.demo.generator` documents them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from jiuzhu.errors import InvalidInput
from store.crypto import vault
from store.demo import rules
from store.demo.regions import PREFECTURES

AS_OF = date(2026, 11, 1)
"""The day the synthetic records describe, as written (moved by whole years, see timeline)."""

LOCAL_IDS = ("id", "person_id")
"""Columns numbered from 0 within a chunk: ``id`` of each table but ``family``, and
``person_id`` (a person's ``id``); family ids are global already. A negative ``person_id`` is
NULL."""

_SURNAMES = np.array(list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余叶杜苏魏程吕丁沈任姚卢钟姜崔谭陆汪范廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃"
))  # fmt: skip
_GIVEN = np.array(list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅海鹏飞亮辉婷雪琳晓欣宇浩俊文斌佳嘉颖慧燕锦荣珍凤莲"
))  # fmt: skip
_HOUSEHOLD_SIZES = np.array((1, 2, 3, 4, 5, 6, 7))
_HOUSEHOLD_P = (0.17, 0.24, 0.23, 0.18, 0.10, 0.05, 0.03)  # 2020 census, rounded
_DISABILITY_CATEGORIES = np.array(
    ("physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple")
)
_DISABILITY_CATEGORY_P = (0.45, 0.12, 0.15, 0.03, 0.08, 0.10, 0.07)
_DISABILITY_GRADE_P = (0.10, 0.20, 0.30, 0.40)
_SCHOOL_LEVELS = np.array(("kindergarten", "primary", "junior", "senior", "college"))
_RELATIONS = np.array(("applicant", "spouse", "parent", "child"))
_CAR_KINDS = np.array(("car", "car", "car", "van", "truck"))
_WAGE_MEDIAN = np.array((0, 7000, 5500, 4500, 3800))  # yuan/month by tier [A]
_MAX_SEQUENCE_BLOCKS = 450  # generated sequence numbers stay below 900; fixtures use 9xx
_DAYS_IN_SEQUENCE = 365
_ID_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2))  # GB 11643-1999
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)

_COUNTIES = np.array([c for p in PREFECTURES for c in p.counties])
_COUNTY_FIRST = np.cumsum([0] + [len(p.counties) for p in PREFECTURES])[:-1]
_COUNTY_COUNT = np.array([len(p.counties) for p in PREFECTURES])
_COUNTY_DIGITS = np.frombuffer("".join(_COUNTIES).encode(), dtype=np.uint8).reshape(-1, 6)
_WEIGHTS = np.array([p.population_m for p in PREFECTURES])
_URBAN_SHARE = np.array([p.urban_share for p in PREFECTURES])


@dataclass
class Chunk:
    """Columns per table: a numpy array, a list, or one value for every row.

    Date arrays are ISO strings (``U10``), the form SQLAlchemy stores on SQLite and PostgreSQL
    reads as text; one value for every row is a Python value (its column type's bind
    processor applies); encrypted columns are ciphertexts already.
    """

    families: int
    persons: int
    tables: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, rows: int, columns: dict[str, Any]) -> None:
        if rows:
            self.tables[table] = (rows, {"id": np.arange(rows), **columns})


def draw_chunk(
    seed: int, index: int, chunks: int, count: int, first_family_id: int, years: int
) -> Chunk:
    """``count`` families of chunk ``index`` (of ``chunks``), ids from ``first_family_id``.

    :param years: the timeline shift (:func:`store.demo.timeline.years_for`): dates move by it,
        births are drawn in the shifted years.
    :raises InvalidInput: when one county and birth year would need more ID numbers than the
        sequence numbers hold (about 160,000 people).
    """
    rng = np.random.default_rng([seed, index])
    fam = _families(rng, count, first_family_id)
    mem = _members(rng, fam)
    chunk = Chunk(count, len(mem["age"]))
    _people(chunk, fam, mem, years, index, chunks)
    _person_records(rng, chunk, fam, mem, years)
    _head_records(rng, chunk, fam, mem)
    _benefits(chunk, fam, mem, years)
    return chunk


def _families(rng: np.random.Generator, count: int, first_id: int) -> dict[str, np.ndarray]:
    pref = rng.choice(len(PREFECTURES), size=count, p=_WEIGHTS / _WEIGHTS.sum())
    county = _COUNTY_FIRST[pref] + (rng.random(count) * _COUNTY_COUNT[pref]).astype(np.int64)
    urban = rng.random(count) < _URBAN_SHARE[pref]
    poor = rng.random(count) < np.where(urban, 0.05, 0.12)
    tiers = np.array([rules.tier(p.code, AS_OF) for p in PREFECTURES])
    return {
        "id": np.arange(first_id, first_id + count),
        "county": county,
        "urban": urban,
        "poor": poor,
        "tier": tiers[pref],
        "size": rng.choice(_HOUSEHOLD_SIZES, size=count, p=_HOUSEHOLD_P),
        "age": rng.integers(22, 81, size=count),
        "male": rng.random(count) < 0.5,
    }


def _members(rng: np.random.Generator, fam: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Applicant, spouse (85 % of families of two or more), up to two parents of an applicant
    under 45 in a family of four or more, then children."""
    size, age = fam["size"], fam["age"]
    spouse = (size >= 2) & (rng.random(len(size)) < 0.85)
    remaining = size - 1 - spouse
    parents = np.where((age < 45) & (remaining >= 3), np.minimum(2, remaining - 1), 0)
    family = np.repeat(np.arange(len(size)), size)
    first = np.cumsum(size) - size
    pos = np.arange(len(family)) - first[family]
    after_spouse = pos - 1 - spouse[family]
    relation = np.where(
        pos == 0,
        0,
        np.where(spouse[family] & (pos == 1), 1, np.where(after_spouse < parents[family], 2, 3)),
    )
    head_age = age[family]
    oldest = np.maximum(0, np.minimum(head_age - 20, 30))
    n = len(family)
    spouse_age = np.clip(head_age + rng.integers(-4, 5, size=n), 20, 95)
    parent_age = head_age + rng.integers(24, 32, size=n)
    ages = np.select(
        [relation == 0, relation == 1, relation == 2],
        [head_age, spouse_age, parent_age],
        rng.integers(0, oldest + 1),
    )
    head_male = fam["male"][family]
    male = np.select([relation == 0, relation == 1], [head_male, ~head_male], rng.random(n) < 0.5)
    return {"family": family, "pos": pos, "relation": relation, "age": ages, "male": male}


def _id_numbers(
    county: np.ndarray, birth_year: np.ndarray, male: np.ndarray, index: int, chunks: int
) -> tuple[list[str], np.ndarray]:
    """Unique valid ID numbers: the n-th person of a county and birth year gets day
    ``(n * 97) mod 365`` and sequence block ``n // 365``. Chunks interleave their n (this
    chunk's k-th person is n = k * chunks + index), so no chunk needs another's counts."""
    key = county * 10_000 + birth_year
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    rank = np.empty(len(key), dtype=np.int64)
    rank[order] = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    n = rank * chunks + index
    block = n // _DAYS_IN_SEQUENCE
    if len(block) and block.max() >= _MAX_SEQUENCE_BLOCKS:
        msg = "too many synthetic people born in one region and year"
        raise InvalidInput(msg)
    born = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + (n * 97) % 365
    month_start = born.astype("datetime64[M]")
    digits = np.empty((len(key), 18), dtype=np.uint8)
    digits[:, :6] = _COUNTY_DIGITS[county]
    day = (born - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    month = month_start.astype(np.int64) % 12 + 1
    sequence = block * 2 + male
    for column, (value, width) in enumerate(
        ((birth_year, 4), (month, 2), (day, 2), (sequence, 3))
    ):
        start = 6 + sum((4, 2, 2, 3)[:column])
        for k in range(width):
            digits[:, start + k] = ord("0") + value // 10 ** (width - 1 - k) % 10
    check = ((digits[:, :17] - ord("0")).astype(np.int64) @ _ID_WEIGHTS) % 11
    digits[:, 17] = _ID_CHECK[check]
    return digits.view("S18").ravel().astype("U18").tolist(), born.astype("U10")


def _people(chunk: Chunk, fam: dict, mem: dict, years: int, index: int, chunks: int) -> None:
    f, pos, age = mem["family"], mem["pos"], mem["age"]
    family_id = fam["id"][f]
    county = fam["county"][f]
    birth_year = AS_OF.year + years - age - 1
    id_numbers, born = _id_numbers(county, birth_year, mem["male"], index, chunks)
    odd = family_id % 2 == 1
    names = np.char.add(
        np.char.add(_SURNAMES[(family_id * 31 + pos) % len(_SURNAMES)],
                    _GIVEN[(family_id * 17 + pos * 13) % len(_GIVEN)]),
        np.where(odd, _GIVEN[(family_id * 23 + pos * 13) % len(_GIVEN)], ""),
    )  # fmt: skip
    phone_digits = np.empty((len(f), 11), dtype=np.uint8)
    phone_digits[:, 0] = ord("1")
    phone_digits[:, 1] = ord("0") + 3 + (family_id + pos) % 7
    tail = (family_id * 7919 + pos) % 10**9
    for k in range(9):
        phone_digits[:, 2 + k] = ord("0") + tail // 10 ** (8 - k) % 10
    phones = phone_digits.view("S11").ravel().astype("U11").tolist()
    phones = [None if a < 16 else p for p, a in zip(phones, age.tolist(), strict=True)]
    secret = vault()
    chunk.add("family", len(fam["id"]), {
        "id": fam["id"], "region_code": _COUNTIES[fam["county"]],
        "area": np.where(fam["urban"], "urban", "rural"),
    })  # fmt: skip
    persons = len(f)
    chunk.add("person", persons, {
        "id_number": secret.encrypt_many(id_numbers),
        "id_number_hash": secret.lookup_hashes("id_number", id_numbers),
        "name": secret.encrypt_many(names.tolist()),
        "phone": secret.encrypt_many(phones),
        "birth_date": born, "sex": np.where(mem["male"], "M", "F"),
    })  # fmt: skip
    person = np.arange(persons)
    chunk.add("family_member", persons, {
        "family_id": family_id, "person_id": person, "relation": _RELATIONS[mem["relation"]],
    })  # fmt: skip
    chunk.add("household_registration", persons, {
        "person_id": person, "region_code": _COUNTIES[county],
        "area": np.where(fam["urban"][f], "urban", "rural"),
    })  # fmt: skip


def _moved(day: date, years: int) -> date:
    return day.replace(year=day.year + years)  # synthetic dates are never 29 February


def _month(month: str, years: int) -> str:
    return f"{int(month[:4]) + years:04d}{month[4:]}"


def _person_records(
    rng: np.random.Generator, chunk: Chunk, fam: dict, mem: dict, years: int
) -> None:
    f, age = mem["family"], mem["age"]
    n = len(f)
    urban, poor = fam["urban"][f], fam["poor"][f]
    disabled = (rng.random(n) < 0.06) | (poor & (rng.random(n) < 0.15))
    grade = np.where(disabled, rng.choice(4, size=n, p=_DISABILITY_GRADE_P) + 1, 0)
    category = _DISABILITY_CATEGORIES[rng.choice(7, size=n, p=_DISABILITY_CATEGORY_P)]
    person = np.arange(n)
    chunk.add("disability_certificate", int(disabled.sum()), {
        "person_id": person[disabled], "category": category[disabled], "grade": grade[disabled],
        "issued_on": _moved(date(2015, 1, 1), years),
    })  # fmt: skip
    college = (age >= 18) & (age <= 21) & (rng.random(n) < 0.55)
    level = np.select(
        [(age >= 3) & (age <= 5), (age >= 6) & (age <= 11), (age >= 12) & (age <= 14),
         (age >= 15) & (age <= 17), college], [0, 1, 2, 3, 4], -1,
    )  # fmt: skip
    school = level >= 0
    school_year = AS_OF.year - (1 if AS_OF.month < 9 else 0)
    chunk.add("school_enrolment", int(school.sum()), {
        "person_id": person[school], "level": _SCHOOL_LEVELS[level[school]],
        "start_date": _moved(date(school_year, 9, 1), years),
    })  # fmt: skip
    working_age = (age >= 18) & (age < 60) & ~school
    employed = working_age & (grade != 1) & (grade != 2)
    employed &= rng.random(n) < np.where(poor, 0.55, 0.88)
    median = _WAGE_MEDIAN[fam["tier"][f]] * np.where(urban, 1.0, 0.7) * np.where(poor, 0.35, 1.0)
    wage = np.round(rng.lognormal(np.log(median), 0.4), -1)
    business = employed & (rng.random(n) < 0.08)
    insured = employed & ~business & urban & (rng.random(n) < 0.8)
    fund = insured & (rng.random(n) < 0.5)
    registered = employed & (business | (rng.random(n) < 0.02))
    unemployed = working_age & ~employed & (rng.random(n) < 0.3)
    pension = (age >= 60) & urban & (rng.random(n) < 0.6)
    basic = (age >= 60) & ~pension
    income = np.where(
        employed, wage, np.where(pension, np.round(rng.normal(3200, 600, n), -1), 0.0)
    )
    mem["income"], mem["grade"], mem["school"], mem["basic"] = income, grade, school, basic
    has_income = employed | pension | basic
    kind = np.select(
        [business, employed, pension], ["business", "wage", "pension"], "pension_basic_resident"
    )
    chunk.add("income_record", int(has_income.sum()), {
        "person_id": person[has_income], "kind": kind[has_income],
        "monthly_amount": np.where(basic, 200.0, income)[has_income],
        "month_from": np.where(employed, _month("2024-01", years),
                               _month("2015-01", years))[has_income],
    })  # fmt: skip
    chunk.add("social_insurance", int(insured.sum()), {
        "person_id": person[insured], "employer": "synthetic employer",
        "start_date": _moved(date(2020, 1, 1), years), "contribution_base": income[insured],
    })  # fmt: skip
    chunk.add("provident_fund", int(fund.sum()), {
        "person_id": person[fund], "balance": np.round(income[fund] * 20, -2),
        "monthly_contribution": np.round(income[fund] * 0.1, 0),
    })  # fmt: skip
    micro = rng.random(n) < 0.8
    codes = rng.integers(10**15, 10**16, size=n)
    chunk.add("business_registration", int(registered.sum()), {
        "person_id": person[registered],
        "credit_code": np.char.add("92", codes[registered].astype("U16")),
        "kind": np.where(micro, "micro", "company")[registered],
        "employees": np.where(micro, 0, rng.integers(1, 30, size=n))[registered],
        "luxury_goods": (rng.random(n) < 0.03)[registered],
        "registered_on": _moved(date(2019, 6, 1), years),
    })  # fmt: skip
    chunk.add("unemployment_registration", int(unemployed.sum()), {
        "person_id": person[unemployed], "registered_on": _moved(date(2025, 6, 1), years),
    })  # fmt: skip
    ill = rng.random(n) < np.where(age >= 60, 0.12, 0.04)
    serious = rng.random(n) < 0.15
    spent = np.round(rng.lognormal(np.log(np.where(serious, 3000, 300)), 0.6), 0)
    chunk.add("medical_expense", int(ill.sum()), {
        "person_id": person[ill], "month": _month("2026-09", years), "amount": spent[ill],
        "serious_illness": serious[ill],
        "diagnosis": [("重特大疾病" if s else None) for s in serious[ill].tolist()],
    })  # fmt: skip


def _head_records(rng: np.random.Generator, chunk: Chunk, fam: dict, mem: dict) -> None:
    """Houses, vehicles and deposits are on the applicant (the family's first member)."""
    count = len(fam["id"])
    urban, poor = fam["urban"], fam["poor"]
    head = np.cumsum(fam["size"]) - fam["size"]  # person index of each applicant
    cumulative = np.where(poor[:, None], [0.35, 0.95, 1.0], [0.18, 0.82, 0.96])
    houses = (rng.random(count)[:, None] >= cumulative).sum(axis=1)
    fam["houses"] = houses
    owner = np.repeat(np.arange(count), houses)
    nth = np.arange(len(owner)) - np.repeat(np.cumsum(houses) - houses, houses)
    h = len(owner)
    shop = ~poor & (rng.random(count) < 0.04)
    rows = np.r_[owner, np.flatnonzero(shop)]
    order = np.argsort(rows, kind="stable")  # a family's houses, then its shop
    shops = int(shop.sum())
    exempt = np.r_[~urban[owner] & (rng.random(h) < 0.08), np.zeros(shops, bool)][order]
    chunk.add("real_estate", len(rows), {
        "person_id": head[rows][order],
        "kind": np.r_[np.full(h, "residential"), np.full(shops, "nonresidential")][order],
        "area_m2": np.r_[np.round(rng.uniform(40, 140, h), 1), np.full(shops, 15.0)][order],
        "exemption": [("uninhabited_mud_brick" if e else None) for e in exempt.tolist()],
        "rented_out": np.r_[(nth > 0) & (rng.random(h) < 0.5), np.zeros(shops, bool)][order],
    })  # fmt: skip
    car = rng.random(count) < np.where(poor, 0.03, np.where(urban, 0.45, 0.2))
    car_kind = _CAR_KINDS[rng.integers(len(_CAR_KINDS), size=count)]
    e_bike = rng.random(count) < 0.5
    motorcycle = ~urban & (rng.random(count) < 0.4)
    kinds = np.stack([car_kind, np.full(count, "e_bike"), np.full(count, "motorcycle")], axis=1)
    owned = np.stack([car, e_bike, motorcycle], axis=1)  # row-major: a family's in this order
    chunk.add("vehicle", int(owned.sum()), {
        "person_id": np.repeat(head, 3).reshape(count, 3)[owned], "kind": kinds[owned],
    })  # fmt: skip
    deposit = np.round(rng.lognormal(np.log(np.where(poor, 3000, 40000)), 1.0), 0)
    fund = ~poor & (rng.random(count) < 0.2)
    amounts = np.stack([deposit, np.round(rng.lognormal(10, 1, count), 0)], axis=1)
    held = np.stack([np.ones(count, bool), fund], axis=1)
    chunk.add("financial_asset", int(held.sum()), {
        "person_id": np.repeat(head, 2).reshape(count, 2)[held],
        "kind": np.tile(["deposit", "fund"], (count, 1))[held], "amount": amounts[held],
    })  # fmt: skip


def _benefits(chunk: Chunk, fam: dict, mem: dict, years: int) -> None:
    """Benefits departments already pay, so recipients have non-empty happiness lists: the
    family's first (dibao and its medical subsidy, or the marginal-family record), then each
    member's in member order."""
    f = mem["family"]
    size = fam["size"]
    floors = np.array(
        [[rules.tier_floor(t, a, AS_OF) for a in ("rural", "urban")] for t in range(1, 5)]
    )
    standard = floors[fam["tier"] - 1, fam["urban"].astype(int)]
    paid = rules.figures(AS_OF)
    per_capita = np.bincount(f, weights=mem["income"], minlength=len(size)) / size
    few_houses = fam["houses"] <= 1
    dibao = fam["poor"] & (per_capita < standard) & few_houses
    marginal = (
        ~dibao & fam["poor"] & (per_capita < paid["marginal_multiple"] * standard) & few_houses
    )
    family_id = fam["id"]
    since = (((2019 + family_id % 7) - 1970) * 12 + family_id % 12).astype("datetime64[M]")
    review = ((AS_OF.year + 1 - 1970) * 12 + family_id % 12).astype("datetime64[M]")
    head = np.cumsum(size) - size
    grade, age = mem["grade"], mem["age"]
    # (applies, family index, sort key, program, department, amount); keys put the family's
    # rows before its members' and each member's in this order
    person = np.arange(len(f))
    every = np.arange(len(size))
    rows = [
        (dibao, every, head * 16, "dibao", "民政", np.round((standard - per_capita) * size, 2),
         None),
        (dibao, every, head * 16 + 1, "medical_insurance_subsidy", "医保", 33.5, None),
        (marginal, every, head * 16 + 2, "low_income_marginal", "民政", 0.0, None),
        ((grade == 1) | (grade == 2), f, person * 16 + 8, "disability_care_subsidy", "残联",
         paid["care_subsidy"], person),
        ((grade > 0) & (dibao | marginal)[f], f, person * 16 + 9, "disability_living_subsidy",
         "残联", paid["living_subsidy"], person),
        (age >= 80, f, person * 16 + 10, "elderly_allowance", "民政", 100.0, person),
        (dibao[f] & mem["school"], f, person * 16 + 11, "education_assistance", "教育", 200.0,
         person),
        (mem["basic"], f, person * 16 + 12, "resident_basic_pension", "人社", 200.0, person),
    ]  # fmt: skip
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("key", "family", "program", "department", "amount", "person")
    }
    for applies, family, key, program, department, amount, who in rows:
        chosen = np.flatnonzero(applies)
        parts["key"].append(key[chosen])
        parts["family"].append(family[chosen])
        parts["program"].append(np.full(len(chosen), program))
        parts["department"].append(np.full(len(chosen), department))
        parts["amount"].append(np.broadcast_to(np.asarray(amount, float), applies.shape)[chosen])
        parts["person"].append(np.full(len(chosen), -1) if who is None else who[chosen])
    col = {k: np.concatenate(v) for k, v in parts.items()}
    order = np.argsort(col["key"], kind="stable")
    fams = col["family"][order]
    shift = np.timedelta64(12 * years, "M")
    chunk.add("benefit", len(order), {
        "family_id": family_id[fams], "person_id": col["person"][order],
        "program": col["program"][order], "department": col["department"][order],
        "monthly_amount": col["amount"][order],
        "start_date": (since[fams] + shift).astype("datetime64[D]").astype("U10"),
        "next_review": (review[fams] + shift).astype("datetime64[D]").astype("U10"),
    })  # fmt: skip
