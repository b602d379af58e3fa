"""Deterministic synthetic department data for Guangdong (``jiuzhu demo-data``).

Same ``seed`` and ``families`` → the same content: each chunk of ``chunk_size`` families is
drawn as columns from its own ``numpy`` generator seeded with ``(seed, chunk)``
(:mod:`store.demo.draws`), in worker processes when there are several chunks, and written in
chunk order, so ids and content do not depend on the number of workers. Timestamps are fixed
(:data:`DEMO_AS_OF`, moved by whole years to read as of ``today``: :mod:`store.demo.timeline`).
Distributions are rough but plausible: prefectures by population and urban share
(:mod:`store.demo.regions`), household sizes of the 2020 census, about 6 % of people with a
disability certificate, low-income families more often rural. The four story families
(:mod:`store.demo.fixtures`) always come first. The load runs with indexes built at the end
(:mod:`store.demo.load`).
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from multiprocessing import get_context
from typing import Any

from sqlalchemy import Connection, func, select

import store.models
from jiuzhu import clock
from jiuzhu.errors import InvalidInput
from store.base import Base
from store.crypto import vault
from store.demo.draws import AS_OF, Chunk, draw_chunk
from store.demo.fixtures import (
    FIXTURES,
    OFFICE_CONSENT_EXPIRES,
    OFFICE_CONSENT_GRANTED,
    OUTREACH_TEXT_VERSION,
    FixtureFamily,
)
from store.demo.load import bulk_load
from store.demo.timeline import shift_date, shift_id_number, shift_row, years_for
from store.demo.writer import BulkWriter
from store.pii import parse_id_number

DEMO_AS_OF = datetime.combine(AS_OF, datetime.min.time(), UTC)
"""The moment the synthetic records describe; ``created_at`` of every demo row."""

TABLE_ORDER = (
    "family", "person", "family_member", "consent", "household_registration", "income_record",
    "social_insurance", "real_estate", "vehicle", "business_registration", "financial_asset",
    "provident_fund", "disability_certificate", "school_enrolment", "medical_expense",
    "death_record", "unemployment_registration", "benefit", "outreach_opt_in",
)  # fmt: skip


@dataclass
class DemoStats:
    """What :func:`generate` wrote: families, persons and rows over all tables."""

    families: int = 0
    persons: int = 0
    rows: int = 0


class _Ids:
    """Next primary key per table."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {name: 1 for name in TABLE_ORDER}

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def generate(
    conn: Connection,
    *,
    families: int,
    seed: int,
    chunk_size: int = 20_000,
    on_chunk: Callable[[int], None] | None = None,
    today: date | None = None,
    workers: int | None = None,
) -> DemoStats:
    """Write the story fixtures and ``families`` synthetic families into an empty database.

    :param families: synthetic families besides the four fixtures (≥ 0).
    :param seed: any integer; the same seed gives the same content.
    :param chunk_size: families drawn and written together (the content depends on it).
    :param on_chunk: called with the number of families written after each chunk.
    :param today: the day the data should read as current (default: the injected clock's);
        the same ``(seed, families, today)`` gives the same content.
    :param workers: processes drawing chunks while this one writes (default: one per CPU;
        0 or 1 draws here). The content is the same for any number.
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
    ids = _Ids()
    stats = DemoStats()
    with bulk_load(conn, list(TABLE_ORDER)):
        for fixture in FIXTURES:  # as written: the writer moves their dates
            _write_fixture(writer, ids, fixture, stats, years)
        writer.flush()
        conn.commit()
        chunks = -(-families // chunk_size)
        first = ids.next["family"]
        jobs = [(seed, i, chunks, min(chunk_size, families - i * chunk_size),
                 first + i * chunk_size, years) for i in range(chunks)]  # fmt: skip
        created = shift_date(DEMO_AS_OF, years)
        for chunk in _drawn(jobs, os.cpu_count() or 1 if workers is None else workers):
            _add_chunk(writer, ids, chunk, created)
            writer.flush()
            conn.commit()
            stats.families += chunk.families
            stats.persons += chunk.persons
            if on_chunk:
                on_chunk(chunk.families)
        writer.finish()
    stats.rows = writer.written
    return stats


def _drawn(jobs: list[tuple[int, ...]], workers: int) -> Iterator[Chunk]:
    """The chunks of ``jobs`` in order; with several workers at most two each are in flight
    (memory stays bounded)."""
    if workers <= 1 or len(jobs) <= 1:
        yield from (draw_chunk(*job) for job in jobs)
        return
    # fork: workers inherit the configured vault (its key is never passed around)
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        pending: deque[Future[Chunk]] = deque()
        for job in jobs:
            pending.append(pool.submit(draw_chunk, *job))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _add_chunk(writer: BulkWriter, ids: _Ids, chunk: Chunk, created: datetime) -> None:
    """Queue a chunk's columns with its local ids moved past the rows already written."""
    persons = ids.next["person"]
    for table, (rows, columns) in chunk.tables.items():
        start = ids.next[table]
        cols = {**columns, "created_at": created}  # tables without the column ignore it
        if table != "family":
            cols["id"] = columns["id"] + start
        if "person_id" in columns:
            local = columns["person_id"]
            cols["person_id"] = local + persons
            if (local < 0).any():
                cols["person_id"] = [
                    None if p < persons else p for p in cols["person_id"].tolist()
                ]
        writer.add_columns(table, rows, cols)
        ids.next[table] = start + rows


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
