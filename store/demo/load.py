"""A bulk load's settings: indexes and constraints built after the rows, SQLite unjournaled.

Demo data goes into an empty database, so a failed load is simply redone: on SQLite the load
runs with the journal and fsync off, foreign keys unchecked, a 1 GiB page cache and temporary
sorts in memory; on both
databases the secondary indexes (and on PostgreSQL the foreign keys and unique constraints)
of the tables written are dropped first and built once at the end, from sorted data, instead
of being updated row by row. Primary keys stay (rows are appended in key order). Everything
is put back as it was, also when the load fails. After a load that succeeded, the planner's
statistics are gathered (``ANALYZE``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

_SQLITE_CACHE_KIB = 1_048_576  # [A] 1 GiB: holds the person table's unique hash index
# (random keys, about 370 MiB at 4.6 M people) so its inserts never read pages back


@contextmanager
def bulk_load(conn: Connection, tables: list[str]) -> Iterator[None]:
    """Run the body with ``tables``' secondary indexes (and constraints) dropped, then rebuild.

    :param conn: a SQLAlchemy connection outside a transaction; committed on leaving.
    """
    if conn.in_transaction():
        conn.commit()
    if conn.dialect.name == "postgresql":
        with _postgres(conn, tables):
            yield
    else:
        with _sqlite(conn, tables):
            yield
    conn.commit()


@contextmanager
def _sqlite(conn: Connection, tables: list[str]) -> Iterator[None]:
    raw = conn.connection.driver_connection  # autocommit: pragmas need no open transaction
    names = ", ".join(f"'{t}'" for t in tables)
    indexes = raw.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({names}) ORDER BY name"
    ).fetchall()
    before = {p: raw.execute(f"PRAGMA {p}").fetchone()[0]
              for p in ("journal_mode", "synchronous", "foreign_keys", "cache_size",
                        "temp_store")}  # fmt: skip
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF",
                   f"cache_size=-{_SQLITE_CACHE_KIB}", "temp_store=MEMORY"):  # fmt: skip
        raw.execute(f"PRAGMA {pragma}")
    for name, _ in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.commit()
        for _, sql in indexes:
            raw.execute(sql)
        for pragma, value in before.items():
            raw.execute(f"PRAGMA {pragma}={value}")
    # statistics for the planner, from a sample of each index (SQLite's approximate ANALYZE)
    raw.execute("PRAGMA analysis_limit=1000")
    raw.execute("ANALYZE")


@contextmanager
def _postgres(conn: Connection, tables: list[str]) -> Iterator[None]:
    params = {"tables": tables}
    constraints = conn.execute(text(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype "
        "FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid "
        "WHERE c.contype IN ('f', 'u') AND r.relname = ANY(:tables) "
        "AND r.relnamespace = current_schema()::regnamespace ORDER BY c.contype, c.conname"
    ), params).all()  # fmt: skip
    indexes = conn.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(:tables) "
        "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = "
        "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass) "
        "ORDER BY i.indexname"
    ), params).all()  # fmt: skip
    for table, name, _, _ in constraints:  # foreign keys ('f') before unique ('u')
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    conn.commit()
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.commit()
        for _, sql in indexes:
            conn.execute(text(sql))
        for table, name, definition, _ in reversed(constraints):  # unique before foreign keys
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        conn.commit()
    # statistics for the planner: without them it reads the fresh tables as nearly empty and
    # scans millions of rows for a lookup of a few (autovacuum analyzes only later)
    for table in tables:
        conn.execute(text(f'ANALYZE "{table}"'))
    conn.commit()
