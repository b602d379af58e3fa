"""Bulk writes for synthetic data: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Rows are dicts with explicit primary keys, so the writer never asks the database for ids
(PostgreSQL sequences are moved past them at the end). Values go through each column type's
own bind processor, so encrypted columns are encrypted and dates stored as SQLAlchemy reads
them back.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Table, text


class BulkWriter:
    """Buffers rows per table and writes them in one round trip per table on :meth:`flush`.

    :param conn: an open SQLAlchemy connection (the caller commits).
    :param tables: the tables rows will be added to, in foreign-key order.
    """

    def __init__(self, conn: Connection, tables: list[Table]) -> None:
        self.conn = conn
        self.tables = tables
        self.columns = {t.name: [c.name for c in t.columns] for t in tables}
        dialect = conn.dialect
        # Scalar column defaults (``default=False``...) apply to rows that leave them out.
        self.defaults = {
            t.name: {
                c.name: c.default.arg
                for c in t.columns
                if c.default is not None and c.default.is_scalar
            }
            for t in tables
        }
        self.processors = {
            t.name: [c.type._cached_bind_processor(dialect) for c in t.columns] for t in tables
        }
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.postgres = conn.dialect.name == "postgresql"
        self.written = 0

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Queue one row; columns it does not name take their scalar default, else NULL."""
        row = self.defaults[table] | row
        self.rows[table].append(
            tuple(
                value if proc is None or value is None else proc(value)
                for value, proc in zip(
                    (row.get(c) for c in self.columns[table]), self.processors[table], strict=True
                )
            )
        )

    def flush(self) -> None:
        """Write every queued row, parents before children."""
        raw = self.conn.connection.driver_connection
        for table in self.tables:
            rows = self.rows.pop(table.name, None)
            if not rows:
                continue
            cols = self.columns[table.name]
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
