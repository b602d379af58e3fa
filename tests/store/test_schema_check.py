"""A worker checks the schema, never migrates: old, missing or newer is refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from jiuzhu.settings import Settings
from store.migrate import MIGRATIONS, SchemaError, require_current, upgrade
from tests.conftest import POSTGRES_URL, TEST_SECRET, reset_postgres

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


def settings_for(backend: str, tmp_path: Path) -> Settings:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'jiuzhu.db'}"
    else:
        url = POSTGRES_URL
        reset_postgres(url)
    return Settings(database_url=url, data_dir=tmp_path, secret_key=TEST_SECRET)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_old_schema_is_refused_naming_both_revisions(backend: str, tmp_path: Path) -> None:
    settings = settings_for(backend, tmp_path)
    upgrade(settings, "0001")
    with pytest.raises(SchemaError) as refused:
        require_current(settings)
    message = refused.value.message
    assert "\n" not in message
    assert "revision 0001" in message and f"needs {HEAD}" in message
    assert "jiuzhu db upgrade" in message
    upgrade(settings)  # the deploy step; then the worker starts
    require_current(settings)


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_schema_is_refused(backend: str, tmp_path: Path) -> None:
    settings = settings_for(backend, tmp_path)
    with pytest.raises(SchemaError, match="revision none, this version needs"):
        require_current(settings)
    assert not (tmp_path / "jiuzhu.db").exists()  # checking never creates the SQLite file


def test_a_schema_newer_than_this_code_is_refused(tmp_path: Path) -> None:
    settings = settings_for("sqlite", tmp_path)
    upgrade(settings)
    engine = create_engine(settings.sync_database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaError, match=r"revision 9999.*newer jiuzhu"):
        require_current(settings)
