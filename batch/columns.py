"""Columnar reads of a partition's families, members and department records into numpy.

Why ADBC (``adbc-driver-sqlite``, ``adbc-driver-postgresql``): one Arrow API for both
backends, no ORM objects, no per-row Python, and no download at run time (DuckDB 2.x
fetches its SQLite scanner on first use, which fails offline; MEASUREMENTS.md: ADBC reads
2.6–2.75 M rows/s from SQLite, close to DuckDB's scanner). On PostgreSQL the driver reads
with ``COPY ... TO STDOUT (FORMAT binary)``, so each Dask worker streams its own partition.

Shapes: every table is a dict column → 1-D numpy array of equal length. Dates become
``datetime64[D]`` (NaT when empty), months (``"YYYY-MM"``) month numbers
(``year * 12 + month - 1``, -1 when empty), booleans ``bool``, amounts ``float64`` yuan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import URL, make_url

# record table → (columns, how to convert: d date, m month, b bool, f amount, s text, i int)
RECORDS: dict[str, dict[str, str]] = {
    "income_record": {"kind": "s", "monthly_amount": "f", "month_from": "m", "month_to": "m"},
    "real_estate": {"kind": "s", "exemption": "s", "area_m2": "f", "rented_out": "b"},
    "vehicle": {"kind": "s", "registered_on": "d"},
    "business_registration": {
        "kind": "s",
        "employees": "i",
        "luxury_goods": "b",
        "credit_code": "s",
    },
    "financial_asset": {"kind": "s", "amount": "f"},
    "disability_certificate": {"category": "s", "grade": "i", "issued_on": "d"},
    "school_enrolment": {"level": "s", "start_date": "d", "end_date": "d"},
    "medical_expense": {"month": "m", "amount": "f", "serious_illness": "b"},
    "death_record": {"died_on": "d"},
    "unemployment_registration": {"registered_on": "d", "ended_on": "d"},
}
"""The department records the review and the monitor read (``store/models/records.py``)."""

DEPARTMENTS = {
    "income_record": "税务", "real_estate": "自然资源", "vehicle": "公安交管",
    "business_registration": "市场监管", "financial_asset": "金融机构",
    "disability_certificate": "残联", "school_enrolment": "教育", "medical_expense": "医保",
    "death_record": "公安", "unemployment_registration": "人社",
}  # fmt: skip
"""Department of each record table (the ``department`` of its model)."""

_PREFIX = re.compile(r"^\d{0,6}$")


@dataclass
class Partition:
    """Everything one partition's evaluation needs, as columns.

    ``families``: id, region_code, area (F rows, ids ascending); ``members``: family_id,
    person_id, relation, birth_date (P rows, grouped by family in family order);
    ``records[table]``: person_id plus the columns of :data:`RECORDS`, and ``id``;
    ``benefits``: family_id, person_id, program, monthly_amount, start_date, end_date.
    """

    prefix: str
    families: dict[str, np.ndarray]
    members: dict[str, np.ndarray]
    records: dict[str, dict[str, np.ndarray]]
    benefits: dict[str, np.ndarray]
    watermarks: dict[str, int] = field(default_factory=dict)
    rows: int = 0

    @cached_property
    def _person_order(self) -> np.ndarray:
        return np.argsort(self.members["person_id"], kind="stable")

    def person_index(self, person_ids: np.ndarray) -> np.ndarray:
        """Index into ``members`` of each person id (-1 when not in this partition)."""
        ids = self.members["person_id"]
        if not len(ids):
            return np.full(len(person_ids), -1, dtype=np.int64)
        order = self._person_order
        pos = np.clip(np.searchsorted(ids, person_ids, sorter=order), 0, len(ids) - 1)
        found = order[pos]
        return np.where(ids[found] == person_ids, found, -1)

    def record_member(self, table: str) -> np.ndarray:
        """For each row of ``records[table]``: its person's index into ``members`` (-1: not
        a member here). Computed once per table."""
        cache = self.__dict__.setdefault("_record_member", {})
        if table not in cache:
            cache[table] = self.person_index(self.records[table]["person_id"])
        return cache[table]

    def chunks(self, size: int) -> Iterator[Partition]:
        """This partition as consecutive sub-partitions of at most ``size`` families each
        (members, records and benefits follow their family), for an evaluation whose memory
        grows with the families evaluated at once."""
        n = len(self.families["id"])
        if n <= size:
            yield self
            return
        family_of_member = np.searchsorted(self.families["id"], self.members["family_id"])
        member_chunk = family_of_member // size
        record_chunk = {}
        for table in self.records:
            index = self.record_member(table)
            chunk = np.where(index >= 0, member_chunk[np.maximum(index, 0)], -1)
            order = np.argsort(chunk, kind="stable")
            record_chunk[table] = (
                order,
                np.searchsorted(chunk[order], np.arange(-1, n // size + 2)),
            )
        benefit_family = np.searchsorted(self.families["id"], self.benefits["family_id"])
        benefit_chunk = np.minimum(benefit_family, n - 1) // size
        for k, start in enumerate(range(0, n, size)):
            members = np.flatnonzero(member_chunk == k)
            records = {}
            for table, columns in self.records.items():
                order, bounds = record_chunk[table]
                rows = order[bounds[k + 1] : bounds[k + 2]]
                records[table] = {c: v[rows] for c, v in columns.items()}
            benefits = np.flatnonzero(benefit_chunk == k)
            yield Partition(
                self.prefix,
                {c: v[start : start + size] for c, v in self.families.items()},
                {c: v[members] for c, v in self.members.items()},
                records,
                {c: v[benefits] for c, v in self.benefits.items()},
                self.watermarks,
                self.rows,
            )


def _connect(url: URL):  # -> an ADBC DB-API connection
    if url.get_backend_name() == "sqlite":
        import adbc_driver_sqlite.dbapi

        # autocommit: no transaction held open, so readers in other workers never wait
        return adbc_driver_sqlite.dbapi.connect(url.database or ":memory:", autocommit=True)
    import adbc_driver_postgresql.dbapi

    plain = url.set(drivername="postgresql")
    return adbc_driver_postgresql.dbapi.connect(
        plain.render_as_string(hide_password=False), autocommit=True
    )


def _text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    # SQLite's driver types an all-empty column as integers
    is_text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    return column if is_text else pc.cast(column, pa.string())


def _convert(column: pa.ChunkedArray, how: str) -> np.ndarray:
    if how == "d":
        if not pa.types.is_date(column.type):
            column = pc.cast(pc.utf8_slice_codeunits(_text(column), 0, 10), pa.date32())
        return column.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    if how == "m":
        column = _text(column)
        year = pc.cast(pc.utf8_slice_codeunits(column, 0, 4), pa.int32())
        month = pc.cast(pc.utf8_slice_codeunits(column, 5, 7), pa.int32())
        months = pc.add(pc.multiply(year, 12), pc.subtract(month, 1))
        return pc.fill_null(months, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    if how == "b":
        return pc.fill_null(pc.cast(column, pa.int8()), 0).to_numpy(zero_copy_only=False) != 0
    if how == "f":
        return pc.fill_null(pc.cast(column, pa.float64()), 0).to_numpy(zero_copy_only=False)
    if how == "i":
        return pc.fill_null(pc.cast(column, pa.int64()), 0).to_numpy(zero_copy_only=False)
    return _text(column).to_numpy(zero_copy_only=False)


class Reader:
    """Reads partitions from one database (SQLAlchemy URL), one query per table.

    :param family_ids: restrict to these families (an incremental run), else all of the prefix.
    """

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url) if isinstance(url, str) else url
        self.sqlite = self.url.get_backend_name() == "sqlite"

    def _scope(self, prefix: str) -> str:
        """The WHERE of a record table ``r`` for the families of ``prefix``."""
        where = self._family_where(prefix, None)
        if not where:
            return ""
        return (f" WHERE r.person_id IN (SELECT fm.person_id FROM family_member fm JOIN family f "
                f"ON f.id = fm.family_id{where})")  # fmt: skip

    def _family_where(self, prefix: str, family_ids: Sequence[int] | None) -> str:
        first, _, last = prefix.partition("-")
        if not (_PREFIX.match(first) and _PREFIX.match(last or first)):
            msg = f"--region: expected up to 6 digits, got {prefix!r}"
            raise ValueError(msg)
        where = []
        if first:  # a range, not LIKE: both databases answer it from the b-tree index
            last = last or first
            after = last[:-1] + chr(ord(last[-1]) + 1)  # '4418' → '4419', '449' → '44:'
            where.append(f"f.region_code >= '{first}' AND f.region_code < '{after}'")
        if family_ids is not None:
            where.append(f"f.id IN ({','.join(str(int(i)) for i in family_ids) or 'NULL'})")
        return f" WHERE {' AND '.join(where)}" if where else ""

    def _cast(self, column: str, how: str) -> str:
        if how == "f":
            return f"CAST({column} AS {'REAL' if self.sqlite else 'DOUBLE PRECISION'})"
        if how == "b":
            return f"CAST({column} AS INTEGER)"
        if how == "i":
            return f"CAST({column} AS {'INTEGER' if self.sqlite else 'BIGINT'})"
        if how == "d" and not self.sqlite:
            return f"CAST({column} AS DATE)"
        # SQLite's driver types a column by its first values: an all-empty one is not text
        return f"CAST({column} AS TEXT)" if self.sqlite else column

    def read(self, prefix: str = "", family_ids: Sequence[int] | None = None) -> Partition:
        """The partition of families whose region code starts with ``prefix``, or with a
        prefix from ``"4401-4409"``'s first to its last (a span of prefectures).

        :raises ValueError: a prefix that is not up to six digits.
        """
        fwhere = self._family_where(prefix, family_ids)
        conn = _connect(self.url)
        rows = 0
        try:
            cur = conn.cursor()

            def fetch(sql: str, kinds: dict[str, str]) -> dict[str, np.ndarray]:
                nonlocal rows
                cur.execute(sql)
                table = cur.fetch_arrow_table()
                rows += table.num_rows
                return {name: _convert(table.column(name), how) for name, how in kinds.items()}

            families = fetch(
                f"SELECT f.id, f.region_code, f.area FROM family f{fwhere} ORDER BY f.id",
                {"id": "i", "region_code": "s", "area": "s"},
            )
            members = fetch(
                "SELECT fm.family_id, fm.person_id, fm.relation, p.birth_date "
                "FROM family_member fm"
                f" JOIN family f ON f.id = fm.family_id JOIN person p ON p.id = fm.person_id"
                f"{fwhere} ORDER BY fm.family_id, fm.id",
                {"family_id": "i", "person_id": "i", "relation": "s", "birth_date": "d"},
            )
            if family_ids is None:
                scope = self._scope(prefix)
            else:
                # An incremental read names the families' persons: PostgreSQL hashes the list
                # and scans each table once; a subquery on the family ids made it scan
                # `family` again for every table (2.6x slower at 15,000 families).
                persons = np.unique(members["person_id"]).tolist()
                scope = f" WHERE r.person_id IN ({','.join(map(str, persons)) or 'NULL'})"
            records = {}
            for table, columns in RECORDS.items():
                kinds = {"id": "i", "person_id": "i", **columns}
                select = ", ".join(f"{self._cast('r.' + c, h)} AS {c}" for c, h in kinds.items())
                records[table] = fetch(f"SELECT {select} FROM {table} r{scope}", kinds)
            bscope = fwhere.replace("f.", "b_f.") if fwhere else ""
            benefits = fetch(
                "SELECT b.family_id, b.person_id, b.program, "
                f"{self._cast('b.monthly_amount', 'f')}"
                f" AS monthly_amount, {self._cast('b.start_date', 'd')} AS start_date, "
                f"{self._cast('b.end_date', 'd')} AS end_date FROM benefit b JOIN family b_f ON "
                f"b_f.id = b.family_id{bscope}",
                {"family_id": "i", "person_id": "i", "program": "s", "monthly_amount": "f",
                 "start_date": "d", "end_date": "d"})  # fmt: skip
            watermarks = {}
            for table in (*RECORDS, "family_member"):
                cur.execute(f"SELECT MAX(id) FROM {table}")
                watermarks[table] = int(cur.fetchone()[0] or 0)
            cur.close()
        finally:
            conn.close()
        return Partition(prefix, families, members, records, benefits, watermarks, rows)

    def prefectures(self, prefix: str = "") -> dict[str, int]:
        """The 4-digit prefecture codes under ``prefix`` that have families → how many."""
        conn = _connect(self.url)
        try:
            cur = conn.cursor()
            cur.execute(
                "SELECT SUBSTR(f.region_code, 1, 4) AS p, COUNT(*) AS n FROM family f"
                f"{self._family_where(prefix, None)} GROUP BY p ORDER BY p"
            )
            table = cur.fetch_arrow_table()
            cur.close()
        finally:
            conn.close()
        return dict(zip(map(str, table.column(0).to_pylist()), table.column(1).to_pylist(),
                        strict=True))  # fmt: skip

    def changed_families(self, watermarks: dict[str, int], prefix: str = "") -> np.ndarray:
        """Families of ``prefix`` with a record or member row newer than ``watermarks``.

        Department feeds append: a changed record arrives as a new row [A], so a higher id
        is a change. One indexed range scan per table.
        """
        fwhere = self._family_where(prefix, None)
        parts = [
            f"SELECT fm.family_id FROM {table} r JOIN family_member fm ON fm.person_id = "
            f"r.person_id WHERE r.id > {int(watermarks.get(table, 0))}"
            for table in RECORDS
        ]
        parts.append(f"SELECT family_id FROM family_member WHERE id > "
                     f"{int(watermarks.get('family_member', 0))}")  # fmt: skip
        sql = (f"SELECT DISTINCT c.family_id FROM ({' UNION '.join(parts)}) c JOIN family f ON "
               f"f.id = c.family_id{fwhere} ORDER BY c.family_id")  # fmt: skip
        conn = _connect(self.url)
        try:
            cur = conn.cursor()
            cur.execute(sql)
            ids = cur.fetch_arrow_table().column(0)
            cur.close()
        finally:
            conn.close()
        return _convert(ids, "i")
