"""Bulk writes for synthetic data: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Rows are dicts with explicit primary keys, so the writer never asks the database for ids
(PostgreSQL sequences are moved past them at the end). Values go through each column type's
own bind processor, so encrypted columns are encrypted and dates stored as SQLAlchemy reads
them back. Columns (:meth:`BulkWriter.add_columns`) come prepared instead
(:mod:`store.demo.draws`), one type conversion per column rather than per value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, text


class BulkWriter:
    """Buffers rows per table and writes them in one round trip per table on :meth:`flush`.

    :param conn: an open SQLAlchemy connection (the caller commits).
    :param tables: the tables rows will be added to, in foreign-key order.
    :param transform: applied to each ``(table, row)`` before it is queued (demo data moves
        its dates with it).
    """

    def __init__(
        self,
        conn: Connection,
        tables: list[Table],
        transform: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.conn = conn
        self.transform = transform
        self.tables = tables
        # Per table: (column, scalar default, bind processor). Defaults apply to rows that
        # leave a column out; processors encrypt, and store dates as SQLAlchemy reads them.
        self.specs = {
            t.name: [
                (
                    c.name,
                    c.default.arg if c.default is not None and c.default.is_scalar else None,
                    c.type._cached_bind_processor(conn.dialect),
                )
                for c in t.columns
            ]
            for t in tables
        }
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.postgres = conn.dialect.name == "postgresql"
        self.written = 0

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Queue one row; columns it does not name take their scalar default, else NULL."""
        if self.transform is not None:
            row = self.transform(table, row)
        values = []
        for name, default, process in self.specs[table]:
            value = row.get(name, default)
            if value is not None and process is not None:
                value = process(value)
            values.append(value)
        self.rows[table].append(tuple(values))

    def add_columns(self, table: str, rows: int, columns: dict[str, Any]) -> None:
        """Queue ``rows`` rows given as columns: a numpy array or a list holds each row's value
        as the database takes it (ciphertext, ISO date text); any other value is every row's
        and goes through the column's bind processor once. Missing columns take their scalar
        default, else NULL."""
        values = []
        for name, default, process in self.specs[table]:
            value = columns.get(name, default)
            if isinstance(value, np.ndarray):
                # SQLite stores booleans as 0/1 (SQLAlchemy's Boolean), PostgreSQL takes bools
                if value.dtype == bool and not self.postgres:
                    value = value.astype(np.int8)
                value = value.tolist()
            elif not isinstance(value, list):
                value = repeat(process(value) if value is not None and process else value, rows)
            values.append(value)
        self.rows[table].extend(zip(*values, strict=True))

    def flush(self) -> None:
        """Write every queued row, parents before children."""
        # Rows go through the DBAPI connection directly (executemany / COPY) for speed; begin
        # through SQLAlchemy first so the caller's ``conn.commit()`` really commits them.
        if not self.conn.in_transaction():
            self.conn.begin()
        raw = self.conn.connection.driver_connection
        for table in self.tables:
            rows = self.rows.pop(table.name, None)
            if not rows:
                continue
            cols = [name for name, _, _ in self.specs[table.name]]
            if self.postgres:
                quoted = ", ".join(f'"{c}"' for c in cols)
                sql = f'COPY "{table.name}" ({quoted}) FROM STDIN'
                with raw.cursor() as cur, cur.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(cols))
                raw.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', rows)
            self.written += len(rows)

    def finish(self) -> None:
        """Flush, then move PostgreSQL id sequences past the explicit ids written."""
        self.flush()
        if self.postgres:
            for table in self.tables:
                self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )
