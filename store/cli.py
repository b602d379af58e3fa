"""Commands of the store: ``jiuzhu db upgrade|digest`` and ``jiuzhu demo-data``."""

from __future__ import annotations

import time
from datetime import date

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jiuzhu.settings import get_settings

db_app = typer.Typer(help="Database schema and content.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Alembic revision to go to.")) -> None:
    """Create or migrate the database schema (SQLite file by default)."""
    from store.migrate import upgrade

    upgrade(get_settings(), revision)
    typer.echo(f"database at {revision}: {get_settings().sync_database_url.render_as_string()}")


@db_app.command("digest")
def db_digest() -> None:
    """Print a SHA-256 of the database content (plain text of encrypted columns)."""
    from store.demo.digest import content_digest
    from store.session import make_sync_engine

    with make_sync_engine(get_settings()).connect() as conn:
        typer.echo(content_digest(conn))


def demo_data(
    families: int = typer.Option(2000, help="Synthetic families besides the four story families."),
    seed: int = typer.Option(7, help="Same seed, same content."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if families exist."),
    list_fixtures: bool = typer.Option(
        False, "--list-fixtures", help="Print the story families' synthetic identities and exit."
    ),
    as_of: str = typer.Option(
        "", "--as-of", help="The day the data reads as current, YYYY-MM-DD (default: today)."
    ),
    workers: int = typer.Option(
        -1, help="Processes drawing families while one writes (default: one per CPU; 0: none)."
    ),
) -> None:
    """Fill an empty database with deterministic synthetic department data."""
    today = _day(as_of) if as_of else None
    if list_fixtures:
        _print_fixtures(today)
        return
    from sqlalchemy import func, select

    from store.demo.generator import generate
    from store.migrate import upgrade
    from store.models import Family
    from store.session import make_sync_engine

    if families < 0:
        from jiuzhu.errors import InvalidInput

        msg = f"--families must be 0 or more, got {families}"
        raise InvalidInput(msg)
    settings = get_settings()
    upgrade(settings)
    engine = make_sync_engine(settings)
    with engine.connect() as conn:
        if if_empty and conn.execute(select(func.count()).select_from(Family)).scalar_one():
            typer.echo("demo data already present; nothing to do")
            return
        started = time.perf_counter()
        columns = (TextColumn("demo data"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=True) as progress:
            task = progress.add_task("families", total=families)
            stats = generate(
                conn, families=families, seed=seed, today=today,
                on_chunk=lambda n: progress.advance(task, n),
                workers=None if workers < 0 else workers,
            )  # fmt: skip
        seconds = time.perf_counter() - started
    typer.echo(
        f"wrote {stats.families} families, {stats.persons} people, {stats.rows} rows "
        f"in {seconds:.1f} s ({stats.families / seconds:,.0f} families/s)"
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        from jiuzhu.errors import InvalidInput

        msg = f"--as-of must be a date YYYY-MM-DD, got {text!r}"
        raise InvalidInput(msg) from e


def _print_fixtures(today: date | None) -> None:
    from store.demo.fixtures import fixtures_as_of
    from store.pii import mask_phone

    for family in fixtures_as_of(today):
        where = f"region {family.region_code}, {family.area}"
        typer.echo(f"story {family.story}: {family.summary} ({where})")
        for m in family.members:
            phone = f"  phone {m.phone} ({mask_phone(m.phone)})" if m.phone else ""
            typer.echo(f"  {m.relation:<9} {m.name}  {m.id_number}{phone}")


def register(app: typer.Typer) -> None:
    """Add ``db`` and ``demo-data`` to the ``jiuzhu`` CLI."""
    app.add_typer(db_app, name="db")
    app.command("demo-data")(demo_data)
