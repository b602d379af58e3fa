"""Alembic environment: the database URL comes from jiuzhu's settings (see store/migrate.py)."""

from alembic import context
from sqlalchemy import TypeDecorator, create_engine

import store.models  # noqa: F401  (registers every table)
from store.base import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations store our TypeDecorators as their plain column types, so they never
    # depend on application code that may change later.
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


options = {"target_metadata": Base.metadata, "render_as_batch": True, "render_item": render_item}

if context.is_offline_mode():
    context.configure(url=url, **options)
    with context.begin_transaction():
        context.run_migrations()
else:
    with create_engine(url).connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
