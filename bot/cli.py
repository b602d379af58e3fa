"""Commands of the ``bot`` package: ``jiuzhu chat``, ``jiuzhu serve`` and ``jiuzhu telegram``."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from jiuzhu.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"  # senders are hashed by the gateway


def register(app: typer.Typer) -> None:
    """Add this package's commands to the ``jiuzhu`` CLI."""

    @app.command("chat")
    def chat(
        sender: str = typer.Option(
            "terminal", "--sender", help="Who you are in this chat (a conversation per sender)."
        ),
    ) -> None:
        """Chat with the assistant in the terminal (piped stdin: one line per turn)."""
        asyncio.run(_chat(sender))

    @app.command("serve")
    def serve(
        host: str | None = typer.Option(None, "--host", help="Default: JIUZHU_HOST or 127.0.0.1."),
        port: int | None = typer.Option(None, "--port", help="Default: JIUZHU_PORT or 8080."),
    ) -> None:
        """Serve the REST channel (Rasa-compatible POST /webhooks/rest/webhook, GET /healthz)
        and the staff console and API under /staff."""
        from aiohttp import web

        from bot.channels.rest import RedactedAccessLogger
        from jiuzhu.errors import ConfigError
        from jiuzhu.settings import get_settings

        settings = get_settings()
        if settings.env == "production" and settings.rest_token is None:
            msg = "JIUZHU_REST_TOKEN must be set in production: the webhook would be open to all"
            raise ConfigError(msg)
        _require_schema(settings)
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
        web.run_app(
            _rest_app(),
            host=host or settings.host,
            port=port or settings.port,
            print=lambda line: typer.echo(line, err=True),
            access_log_class=RedactedAccessLogger,
        )

    @app.command("telegram")
    def telegram(
        host: str | None = typer.Option(None, "--host", help="Default: JIUZHU_HOST or 127.0.0.1."),
        port: int | None = typer.Option(None, "--port", help="Default: JIUZHU_PORT or 8080."),
    ) -> None:
        """Run the dialogue on Telegram (long polling with JIUZHU_TELEGRAM_TOKEN), the staff
        group (JIUZHU_TELEGRAM_STAFF_CHAT_ID), and all that `serve` serves, in one process."""
        from bot.channels.telegram import NO_TOKEN, run_telegram
        from jiuzhu.errors import ConfigError
        from jiuzhu.settings import get_settings

        settings = get_settings()
        if settings.telegram_token is None:
            raise ConfigError(NO_TOKEN)
        if settings.env == "production" and settings.rest_token is None:
            msg = "JIUZHU_REST_TOKEN must be set in production: the webhook would be open to all"
            raise ConfigError(msg)
        _require_schema(settings)
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
        asyncio.run(run_telegram(settings, host=host or settings.host, port=port or settings.port))


def _require_schema(settings: Settings) -> None:
    """Refuse an old or missing schema before logging starts: the refusal is the one line.

    :raises store.migrate.SchemaError: not at this version's schema (``jiuzhu db upgrade``).
    """
    from store.migrate import require_current

    require_current(settings)


async def _chat(sender: str) -> None:
    from bot.app import create_app_context
    from bot.channels.gateway import Gateway
    from bot.channels.terminal import TerminalChat
    from jiuzhu.settings import get_settings

    settings = get_settings()
    _log_to_file(settings.data_dir / "logs" / "chat.log")
    ctx = await create_app_context(settings, throttle=False)
    try:
        gateway = Gateway(ctx.dispatcher, channel="terminal")
        await TerminalChat(gateway, sender, settings.data_dir / "downloads").run()
    finally:
        await ctx.close()


def _log_to_file(path: Path) -> None:
    # The terminal is the conversation: errors go to a file, not between the replies.
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=path, level=logging.INFO, format=LOG_FORMAT)


async def _rest_app():  # -> web.Application; aiohttp's run_app awaits it
    from bot.app import create_app_context
    from bot.server import build_server
    from jiuzhu.settings import get_settings

    ctx = await create_app_context(get_settings())
    app = build_server(ctx)

    async def close(_: object) -> None:
        await ctx.close()

    app.on_cleanup.append(close)
    return app
