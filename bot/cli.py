"""Commands of the ``bot``  package (filled in by its issue)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the ``jiuzhu`` CLI."""
