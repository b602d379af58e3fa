"""The worker that drains ``sms_outbox``: ``jiuzhu sms-worker``, or inside ``jiuzhu serve``.

Each round (:meth:`SmsWorker.drain_once`) claims the due rows (:func:`sms.outbox.claim_due`,
committed at once), sends them one by one, and records each outcome in a transaction of its
own. A claimed code whose validity ended meanwhile is not sent. Between rounds the worker
waits :data:`POLL_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jiuzhu import clock
from jiuzhu.settings import Settings
from sms import outbox
from sms.senders import SmsFailed, SmsSender, make_sender

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
"""[A] Pause between rounds: a resident waits for the code, a round with nothing due is one
indexed read (``ix_sms_outbox_due``) and an empty UPDATE."""


@dataclass
class Round:
    """What one round did: row ids by outcome."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)


class SmsWorker:
    """Drains the outbox of one database through one sender.

    :param batch: rows claimed per round (each stays hidden from other workers for
        :data:`sms.outbox.LEASE` while this one sends them).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sender: SmsSender,
        *,
        batch: int = 20,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.sender = sender
        self.batch = batch
        self.poll_seconds = poll_seconds

    async def drain_once(self) -> Round:
        """Claim what is due now, send it, record each outcome; returns what happened."""
        done = Round()
        async with self.sessionmaker() as session:
            claimed = await outbox.claim_due(session, clock.now(), self.batch)
            await session.commit()
        for row in claimed:
            await self._send(row, done)
        return done

    async def _send(self, row: outbox.Claimed, done: Round) -> None:
        if row.expires_at is not None and row.expires_at <= clock.now():
            async with self.sessionmaker() as session:
                await outbox.record_expired(session, row.id)
                await session.commit()
            done.expired.append(row.id)
            return
        try:
            ref = await self.sender.send(row.message)
        except SmsFailed as e:
            async with self.sessionmaker() as session:
                status = await outbox.record_failure(
                    session, row, clock.now(), error=e.code, retryable=e.retryable,
                    retry_after=e.retry_after,
                )  # fmt: skip
                await session.commit()
            (done.failed if status == "failed" else done.retrying).append(row.id)
            log.warning("SMS %s try %s failed: %s (%s)", row.id, row.attempt, e.code,
                        "given up" if status == "failed" else "will retry")  # fmt: skip
            return
        async with self.sessionmaker() as session:
            await outbox.record_sent(session, row.id, clock.now(), ref)
            await session.commit()
        done.sent.append(row.id)

    async def run(self) -> None:
        """Rounds until cancelled; a failing round is logged and the next one tries again."""
        while True:
            try:
                await self.drain_once()
            except Exception as e:  # the database away for a moment: the next round retries
                log.error("SMS round failed (%s)", type(e).__name__)
            await asyncio.sleep(self.poll_seconds)


def sms_worker_for(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> Callable[[object], AsyncIterator[None]]:
    """An aiohttp ``cleanup_ctx`` entry running a worker with the settings' sender while the
    app runs (``jiuzhu serve``: one process is enough for a small office).

    :raises ConfigError: at startup, a provider without its settings (:func:`make_sender`).
    """

    async def running(_app: object) -> AsyncIterator[None]:
        worker = SmsWorker(sessionmaker, make_sender(settings))
        task = asyncio.create_task(worker.run(), name="sms-worker")
        log.info("SMS worker running in the background (sender: %s)", worker.sender.name)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await worker.sender.close()

    return running
