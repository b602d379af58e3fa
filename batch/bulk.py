"""Bulk writes of the batch: ``COPY`` on PostgreSQL, one ``executemany`` on SQLite.

Ids of rows that others point at (a case, its report) are reserved first (PostgreSQL: the
table's sequence; SQLite: past the highest id, inside the caller's write transaction, which
SQLite holds alone), so rows that point at each other are written in one round trip per
table; rows nothing points at (events, messages, tasks, audit rows) take theirs from the
database as they are inserted.
Values go through each column type's bind processor: encrypted columns are encrypted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, func, select, text

_SQLITE_CACHE_KIB = 262_144


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """``count`` new primary keys of ``table``."""
    if count == 0:
        return []
    if conn.dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('\"{table.name}\"', 'id')"
        rows = conn.execute(
            text(f"SELECT nextval({sequence}) FROM generate_series(1, {int(count)})")
        )
        return [r[0] for r in rows]
    start = (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    return list(range(start, start + count))


def write(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts by column name; missing columns take their scalar default).
    Rows without an ``id`` get theirs from the database (rows nothing points at)."""
    if not rows:
        return 0
    columns = [c for c in table.columns if c.name != "id" or "id" in rows[0]]
    specs = [(c.name, c.default.arg if c.default is not None and c.default.is_scalar else None,
              c.type._cached_bind_processor(conn.dialect)) for c in columns]  # fmt: skip
    values = []
    for row in rows:
        out = []
        for name, default, process in specs:
            value = row.get(name, default)
            out.append(process(value) if value is not None and process is not None else value)
        values.append(tuple(out))
    raw = conn.connection.driver_connection
    cols = [name for name, _, _ in specs]
    if conn.dialect.name == "postgresql":
        quoted = ", ".join(f'"{c}"' for c in cols)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in values:
                copy.write_row(row)
    else:
        # [A] 256 MiB of page cache for this connection: hundreds of thousands of rows go
        # into tables with random-keyed indexes (the audit log's person hash), whose pages
        # would otherwise be read back from the OS cache for every few rows
        raw.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
        marks = ", ".join("?" * len(cols))
        raw.executemany(f'INSERT INTO "{table.name}" ({", ".join(cols)}) VALUES ({marks})', values)
    return len(values)
