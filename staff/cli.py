"""Staff commands: ``jiuzhu staff add|list|disable|link-telegram`` and ``jiuzhu cases list``.

For the administrator of the installation (who holds the database and its secret key);
each command is one transaction through :mod:`staff.accounts` or :mod:`staff.cases`. A bad
option is one line on stderr and exit status 2 (:class:`~jiuzhu.errors.InvalidInput`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu import clock
from jiuzhu.errors import InvalidInput

T = TypeVar("T")

staff_app = typer.Typer(help="Staff accounts of the console and the JSON API.",
                        no_args_is_help=True)  # fmt: skip
cases_app = typer.Typer(help="Cases staff work on.", no_args_is_help=True)

OPERATOR = "cli"
"""How ``jiuzhu cases list`` appears in the staff access log (no account: ``staff_id`` empty)."""


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work`` in one committed transaction on the configured database."""
    from jiuzhu.settings import get_settings
    from store.session import make_async_engine, make_sessionmaker, transaction

    async def go() -> T:
        engine = make_async_engine(get_settings())
        try:
            async with transaction(make_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _local(at: datetime) -> str:
    return f"{at.astimezone(clock.LOCAL):%Y-%m-%d %H:%M}"


def _password(password_file: str | None) -> str:
    if password_file is None:
        return typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        lines = Path(password_file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        msg = f"--password-file: cannot read {password_file} ({type(e).__name__})"
        raise InvalidInput(msg) from None
    return lines[0] if lines else ""


@staff_app.command("add")
def add(
    username: str = typer.Option(..., "--username", help="Sign-in name, no spaces."),
    role: str = typer.Option(..., "--role", help="caseworker, supervisor or auditor."),
    region: str = typer.Option(..., "--region", help="Jurisdiction: a region-code prefix (4418)."),
    password_file: str | None = typer.Option(
        None, "--password-file", help="Read the password from this file's first line "
        "(default: asked twice at a prompt).",
    ),
) -> None:
    """Create a staff account."""
    from staff.accounts import add_account

    password = _password(password_file)
    account = _run(lambda s: add_account(s, username=username, password=password, role=role,
                                         region_prefix=region))  # fmt: skip
    typer.echo(f"added {account.username} ({account.role}, region {account.region_prefix})")


@staff_app.command("list")
def list_staff() -> None:
    """Every staff account: username, role, jurisdiction, disabled since."""
    from staff.accounts import list_accounts

    table = Table("username", "role", "region", "disabled", "telegram")
    for a in _run(list_accounts):
        disabled = _local(a.disabled_at) if a.disabled_at else "no"
        table.add_row(a.username, a.role, a.region_prefix, disabled,
                      "linked" if a.telegram_user_id else "—")  # fmt: skip
    Console(width=100).print(table)


@staff_app.command("disable")
def disable(username: str = typer.Option(..., "--username")) -> None:
    """Disable an account: its sessions end at once, it cannot sign in again."""
    from staff.accounts import disable_account

    account = _run(lambda s: disable_account(s, username))
    typer.echo(f"disabled {account.username}: every session of it has ended")


@staff_app.command("link-telegram")
def link_telegram(
    username: str = typer.Option(..., "--username"),
    telegram_id: int = typer.Option(..., "--telegram-id", help="The Telegram user's numeric id."),
) -> None:
    """Let a Telegram user act as this account in the staff group."""
    from staff import accounts

    account = _run(lambda s: accounts.link_telegram(s, username, telegram_id))
    typer.echo(f"linked {account.username} to a Telegram user")


@cases_app.command("list")
def list_cases(
    region: str | None = typer.Option(None, "--region", help="Region-code prefix (4418)."),
    status: str | None = typer.Option(None, "--status", help="A status, or 'active'."),
) -> None:
    """Cases, most urgent and oldest first: no personal data (summaries hold none)."""
    from staff.access import Principal
    from staff.cases import CaseFilter
    from staff.cases import list_cases as listed
    from staff.clocks import breaches

    # The administrator has no account and sees every region; the access log records it.
    operator = Principal(None, OPERATOR, "supervisor", "")  # type: ignore[arg-type]
    filters = CaseFilter(status=status, region=region)
    found = _run(lambda s: listed(s, operator, filters, limit=10_000))
    now = clock.now()
    table = Table("id", "kind", "status", "priority", "region", "opened", "breaches", "summary")
    for c in found:
        table.add_row(str(c.id), c.kind, c.status, c.priority, c.region_code,
                      _local(c.created_at),
                      ", ".join(breaches(c, now)) or "—", c.summary)  # fmt: skip
    Console(width=160).print(table)
    typer.echo(f"{len(found)} cases")


def register(app: typer.Typer) -> None:
    """Add ``staff`` and ``cases`` to the ``jiuzhu`` CLI."""
    app.add_typer(staff_app, name="staff")
    app.add_typer(cases_app, name="cases")
