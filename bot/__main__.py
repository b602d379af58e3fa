"""``python -m bot chat|serve``: the bot's commands without the rest of the ``jiuzhu`` CLI."""

from __future__ import annotations

import typer

from bot.cli import register


def main() -> None:
    """Run ``chat`` or ``serve`` (same options as ``jiuzhu chat`` / ``jiuzhu serve``)."""
    app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    register(app)
    app()


if __name__ == "__main__":
    main()
