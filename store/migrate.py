"""Run Alembic migrations programmatically (``jiuzhu db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from jiuzhu.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


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
