"""ID numbers, names and phone numbers never reach the disk in clear (PIPL art. 28, 51)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from jiuzhu.settings import Settings
from store.demo.fixtures import fixtures_as_of
from store.demo.generator import generate
from store.session import make_sync_engine
from tests.conftest import migrated

CLEAR = [
    (m.id_number, m.name, m.phone)
    for family in fixtures_as_of()
    for m in family.members
    if m.phone
]


def _needles() -> list[bytes]:
    needles = []
    for id_number, name, phone in CLEAR:
        needles += [id_number.encode(), name.encode("utf-8"), phone.encode()]
    return needles


def _write_people(settings: Settings) -> None:
    engine = make_sync_engine(settings)
    with engine.connect() as conn:
        generate(conn, families=50, seed=1)
    engine.dispose()


def test_sqlite_file_holds_no_clear_personal_data(tmp_path: Path) -> None:
    settings = migrated("sqlite", tmp_path)
    _write_people(settings)
    path = Path(settings.sync_database_url.database)
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    blob = b"".join(p.read_bytes() for p in files)
    assert len(blob) > 100_000  # the people really are in there
    found = [n.decode() for n in _needles() if n in blob]
    assert found == []


@pytest.mark.postgres
def test_postgres_dump_holds_no_clear_personal_data(tmp_path: Path) -> None:
    settings = migrated("postgres", tmp_path)
    _write_people(settings)
    url = settings.sync_database_url
    dump = subprocess.run(
        ["pg_dump", "-h", url.host, "-U", url.username, url.database],
        capture_output=True,
        check=True,
    ).stdout
    assert b"COPY public.person" in dump
    found = [n.decode() for n in _needles() if n in dump]
    assert found == []
