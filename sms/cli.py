"""``jiuzhu sms-worker``: send the queued texts of ``sms_outbox`` (see :mod:`sms.worker`)."""

from __future__ import annotations

import asyncio
import logging

import typer

from jiuzhu.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"  # phones are masked, never codes


def register(app: typer.Typer) -> None:
    """Add this package's command to the ``jiuzhu`` CLI."""

    @app.command("sms-worker")
    def sms_worker(
        once: bool = typer.Option(False, "--once", help="One round, then exit (cron)."),
    ) -> None:
        """Send the queued text messages through JIUZHU_SMS_PROVIDER, with retries and
        backoff; several may run against one database. `jiuzhu serve` runs one as well."""
        from jiuzhu.preflight import preflight
        from jiuzhu.settings import get_settings

        settings = get_settings()
        preflight(settings)
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
        asyncio.run(_run(settings, once=once))


async def _run(settings: Settings, *, once: bool) -> None:
    from sms.senders import make_sender
    from sms.worker import SmsWorker
    from store.crypto import configure_vault
    from store.session import make_async_engine, make_sessionmaker

    configure_vault(settings.secret())
    sender = make_sender(settings)
    engine = make_async_engine(settings)
    worker = SmsWorker(make_sessionmaker(engine), sender)
    try:
        if once:
            done = await worker.drain_once()
            typer.echo(f"sent {len(done.sent)}, retrying {len(done.retrying)}, "
                       f"failed {len(done.failed)}, expired {len(done.expired)}")  # fmt: skip
        else:
            await worker.run()
    finally:
        await sender.close()
        await engine.dispose()
