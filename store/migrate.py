"""Alembic migrations: run them (``jiuzhu db upgrade``, a deploy step) and check a worker's schema.

Workers never migrate at start: several may start at once, and a schema change is the
operator's decision. :func:`require_current` makes a worker on an old, newer or missing
schema refuse to start with one line naming what it found, what it needs and the command.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from jiuzhu.errors import ConfigError
from jiuzhu.settings import Settings
from store.sqlite_file import read_write_url

MIGRATIONS = Path(__file__).parent / "migrations"
UPGRADE_COMMAND = "jiuzhu db upgrade"


class SchemaError(ConfigError):
    """The database schema is not the one this version of jiuzhu needs."""


def alembic_config(settings: Settings) -> Config:
    """An Alembic config pointing at jiuzhu's migrations and the settings' database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = settings.sync_database_url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database schema to ``revision``.

    :raises sqlalchemy.exc.OperationalError: when the database cannot be reached.
    """
    command.upgrade(alembic_config(settings), revision)


def needed_revisions(settings: Settings) -> set[str]:
    """The head revision(s) of this version's migrations."""
    return set(ScriptDirectory.from_config(alembic_config(settings)).get_heads())


def current_revisions(settings: Settings) -> set[str]:
    """The revision(s) the database is at; empty when it has no schema (or no SQLite file).

    A SQLite file is opened read-write only (``mode=rw``): checking never creates it.
    :raises sqlalchemy.exc.OperationalError: when the database cannot be reached.
    """
    url = settings.sync_database_url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).exists():
            return set()
        url = read_write_url(url)
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def require_current(settings: Settings) -> None:
    """Refuse a database whose schema is not this version's head.

    :raises SchemaError: one line: the revision found (``none`` for no schema), the one
        needed, and ``jiuzhu db upgrade`` (or, for a schema newer than this code, to run
        the newer version).
    :raises sqlalchemy.exc.OperationalError: when the database cannot be reached.
    """
    found, needed = current_revisions(settings), needed_revisions(settings)
    if found == needed:
        return
    shown_found, shown_needed = ", ".join(sorted(found)) or "none", ", ".join(sorted(needed))
    script = ScriptDirectory.from_config(alembic_config(settings))
    known = all(_known(script, revision) for revision in found)
    advice = (
        f"run `{UPGRADE_COMMAND}` first"
        if known
        else "it was migrated by a newer jiuzhu: run that version"
    )
    msg = (
        f"database schema is at revision {shown_found}, this version needs {shown_needed}: "
        f"{advice} (workers do not migrate at start)"
    )
    raise SchemaError(msg)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown revisions
        return False
