"""The ``jiuzhu`` command: one entry point, each package contributes its commands.

Expected errors (:class:`~jiuzhu.errors.JiuzhuError`, an unreachable database) end the
command with one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import errno
import sys

import typer
from sqlalchemy.exc import SQLAlchemyError

from jiuzhu.errors import JiuzhuError

app = typer.Typer(
    name="jiuzhu",
    help="jiuzhu (救助): self-service assistant for social assistance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    # Each package owns its commands; imported here so `jiuzhu --help` lists them all.
    from batch.cli import register as register_batch
    from bot.cli import register as register_bot
    from eligibility.cli import register as register_eligibility
    from nlu.cli import register as register_nlu
    from sms.cli import register as register_sms
    from staff.cli import register as register_staff
    from store.cli import register as register_store

    registers = (register_store, register_eligibility, register_nlu, register_bot, register_staff,
                 register_sms, register_batch)  # fmt: skip
    for register in registers:
        register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; expected errors become one line on stderr and a non-zero exit status."""
    _register()
    try:
        _set_date()
        app(args=argv, standalone_mode=False)
    except JiuzhuError as e:
        typer.echo(f"error: {e.message}", err=True)
        sys.exit(e.exit_code)
    except SQLAlchemyError as e:  # unreachable, refused, or its file gone
        typer.echo(f"error: cannot use the database: {_first_line(e)}", err=True)
        sys.exit(1)
    except OSError as e:  # a port taken, a file that cannot be read
        if e.errno == errno.EADDRINUSE:
            typer.echo("error: the address is in use: choose another --port or --host", err=True)
        else:
            typer.echo(f"error: {_first_line(e)}", err=True)
        sys.exit(1)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except Exception as e:
        # Usage errors of typer's bundled click carry their own message and exit code.
        if hasattr(e, "show") and isinstance(getattr(e, "exit_code", None), int):
            e.show()
            sys.exit(e.exit_code)
        raise


def _set_date() -> None:
    from jiuzhu.clock import ShiftedClock, set_clock
    from jiuzhu.errors import ConfigError
    from jiuzhu.settings import get_settings

    settings = get_settings()
    if settings.today is not None:
        if not settings.demo:
            msg = "JIUZHU_TODAY is for demos and replays; production runs on the real date"
            raise ConfigError(msg)
        set_clock(ShiftedClock(settings.today))


def _first_line(e: BaseException) -> str:
    text = str(getattr(e, "orig", None) or e).strip()
    return text.splitlines()[0] if text else type(e).__name__
