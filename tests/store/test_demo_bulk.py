"""Demo data at speed: the same content with any number of workers, the schema as it was after
the load, and the vault's bulk calls equal to its one-value calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from store.crypto import vault
from store.demo.digest import content_digest
from store.demo.generator import TABLE_ORDER, generate
from store.session import make_sync_engine
from tests.conftest import migrated


def _schema(conn) -> dict[str, tuple]:
    """Indexes, unique constraints and foreign keys of every demo table."""
    found = inspect(conn)
    return {
        table: (
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                   for i in found.get_indexes(table)),
            sorted((u["name"], tuple(u["column_names"]))
                   for u in found.get_unique_constraints(table)),
            sorted((f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                   for f in found.get_foreign_keys(table)),
        )
        for table in TABLE_ORDER
    }  # fmt: skip


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_workers_change_nothing_and_the_schema_comes_back(backend: str, tmp_path: Path) -> None:
    digests, schemas = [], []
    for workers in (0, 2):
        settings = migrated(backend, tmp_path / f"w{workers}")
        engine = make_sync_engine(settings)
        with engine.connect() as conn:
            before = _schema(conn)
            conn.rollback()
            stats = generate(conn, families=250, seed=5, chunk_size=60, workers=workers)
            digests.append(content_digest(conn))
            schemas.append(_schema(conn))
            assert schemas[-1] == before  # every index and constraint rebuilt after the load
            if backend == "sqlite":
                pragmas = [conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in
                           ("journal_mode", "foreign_keys")]  # fmt: skip
                assert pragmas == ["wal", 1]
                # the planner knows the tables' sizes after the load (ANALYZE ran)
                stat = "SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_family_member_family_id'"
                assert int(conn.exec_driver_sql(stat).scalar().split()[0]) > 250
            else:
                sequence = "SELECT nextval(pg_get_serial_sequence('person', 'id'))"
                assert conn.execute(text(sequence)).scalar() == stats.persons + 1
                tuples = "SELECT reltuples FROM pg_class WHERE relname = 'family_member'"
                assert conn.execute(text(tuples)).scalar() > 250
        engine.dispose()
        assert stats.families == 254  # five chunks (the last of 10) and the four story families
    assert digests[0] == digests[1]
    assert any(schemas[0].values())


def test_bulk_encryption_and_hashes_equal_one_value_at_a_time() -> None:
    texts = ["440103199001011234", "王伟", "13800138000", "x" * 100, ""]
    sealed = vault().encrypt_many([*texts, None])
    assert sealed[-1] is None
    assert [vault().decrypt(blob) for blob in sealed[:-1]] == texts
    assert len({blob[:12] for blob in sealed[:-1]}) == len(texts)  # a fresh nonce each
    assert vault().lookup_hashes("id_number", texts) == [
        vault().lookup_hash("id_number", t) for t in texts
    ]
