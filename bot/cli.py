"""Commands of the ``bot`` package: ``jiuzhu chat``, ``jiuzhu serve [--telegram]`` and
``jiuzhu telegram`` (``set-webhook``, ``delete-webhook``; alone, the same as
``serve --telegram``)."""

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
        from jiuzhu.preflight import preflight
        from jiuzhu.settings import get_settings

        preflight(get_settings())
        asyncio.run(_chat(sender))

    @app.command("serve")
    def serve(
        host: str | None = typer.Option(None, "--host", help="Default: JIUZHU_HOST or 127.0.0.1."),
        port: int | None = typer.Option(None, "--port", help="Default: JIUZHU_PORT or 8080."),
        telegram: bool = typer.Option(
            False, "--telegram", help="Also run the bot of JIUZHU_BOT_TOKEN on Telegram: long "
            "polling, or its webhook on this server when JIUZHU_TELEGRAM_WEBHOOK_URL is set.",
        ),
    ) -> None:
        """Serve the REST channel (Rasa-compatible POST /webhooks/rest/webhook, GET /healthz)
        and the staff console and API under /staff (with --telegram, Telegram too)."""
        if telegram:
            _serve_telegram(host, port)
            return
        from aiohttp import web

        from bot.channels.rest import RedactedAccessLogger
        from jiuzhu.preflight import preflight
        from jiuzhu.settings import get_settings

        settings = get_settings()
        preflight(settings, host=host or settings.host)
        _require_schema(settings)
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
        web.run_app(
            _rest_app(),
            host=host or settings.host,
            port=port or settings.port,
            print=lambda line: typer.echo(line, err=True),
            access_log_class=RedactedAccessLogger,
        )

    telegram_app = typer.Typer(
        name="telegram", no_args_is_help=False, invoke_without_command=True,
        help="The dialogue on Telegram; alone, the same as `jiuzhu serve --telegram`.",
    )  # fmt: skip
    app.add_typer(telegram_app)

    @telegram_app.callback()
    def telegram(
        ctx: typer.Context,
        host: str | None = typer.Option(None, "--host", help="Default: JIUZHU_HOST or 127.0.0.1."),
        port: int | None = typer.Option(None, "--port", help="Default: JIUZHU_PORT or 8080."),
    ) -> None:
        """Run the dialogue on Telegram (JIUZHU_BOT_TOKEN; polling, or the webhook when
        JIUZHU_TELEGRAM_WEBHOOK_URL is set), the staff group (JIUZHU_TELEGRAM_STAFF_CHAT_ID),
        and all that `serve` serves, in one process; or one of the commands below."""
        if ctx.invoked_subcommand is None:
            _serve_telegram(host, port)

    @telegram_app.command("set-webhook")
    def set_webhook() -> None:
        """Register JIUZHU_TELEGRAM_WEBHOOK_URL with its secret (JIUZHU_TELEGRAM_WEBHOOK_SECRET)
        at Telegram, so updates are posted to `serve --telegram` instead of polled."""
        from bot.channels.telegram import UPDATE_TYPES
        from bot.channels.telegram_webhook import set_webhook as register

        async def call(bot, settings):  # (Bot, Settings) -> the URL registered
            return await register(bot, settings, list(UPDATE_TYPES))

        typer.echo(f"Telegram posts updates to {asyncio.run(_with_bot(call))}")

    @telegram_app.command("delete-webhook")
    def delete_webhook() -> None:
        """Stop Telegram posting updates (`serve --telegram` then polls); none is lost."""
        from bot.channels import telegram_webhook

        asyncio.run(_with_bot(lambda bot, _: telegram_webhook.delete_webhook(bot)))
        typer.echo("webhook deleted: updates wait for long polling")


async def _with_bot(call):  # (bot, settings) -> awaitable; what it returns
    from bot.channels.telegram import connect, make_bot
    from jiuzhu.settings import get_settings

    settings = get_settings()
    bot = make_bot(settings)
    try:
        await connect(bot, polling=False)  # a wrong token says so in one line
        return await call(bot, settings)
    finally:
        await bot.session.close()


def _serve_telegram(host: str | None, port: int | None) -> None:
    from bot.channels.telegram import NO_TOKEN, run_telegram
    from jiuzhu.errors import ConfigError
    from jiuzhu.preflight import preflight
    from jiuzhu.settings import get_settings

    settings = get_settings()
    if settings.bot_token is None:
        raise ConfigError(NO_TOKEN)
    preflight(settings, host=host or settings.host)
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
    from sms.worker import sms_worker_for

    ctx = await create_app_context(get_settings())
    app = build_server(ctx)
    app.cleanup_ctx.append(sms_worker_for(ctx.settings, ctx.workflow_data["sessionmaker"]))

    async def close(_: object) -> None:
        await ctx.close()

    app.on_cleanup.append(close)
    return app
