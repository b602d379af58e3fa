"""The outbox worker on SQLite and PostgreSQL, sending through the real SDK to the fake
endpoint, on an injected clock: backoff, giving up, stale codes, leases, two workers."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jiuzhu.clock import FrozenClock, use_clock
from jiuzhu.settings import Settings
from sms import outbox
from sms.aliyun import AliyunSender
from sms.senders import DemoSender, SmsMessage
from sms.worker import SmsWorker
from store.models import SmsOutbox
from store.session import make_async_engine, make_sessionmaker
from tests.conftest import TEST_CLOCK
from tests.fakes.aliyun_sms import FakeAliyunSms

PHONE = "13800441825"
VALID = timedelta(minutes=10)  # a sign-in code's validity (store/identity.py CODE_TTL)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    with use_clock(FrozenClock(TEST_CLOCK.now())) as frozen:
        yield frozen  # type: ignore[misc]


async def queue(
    sessionmaker: async_sessionmaker[AsyncSession],
    at: datetime,
    code: str = "382910",
    *,
    phone: str = PHONE,
    valid: timedelta | None = VALID,
) -> int:
    """A sign-in code queued at ``at``, as store.identity.request_code queues it."""
    async with sessionmaker() as session:
        row = SmsOutbox(phone=phone, text=f"【救助小助手】您的验证码是{code}", purpose="otp",
                        params=json.dumps({"code": code}), created_at=at, next_attempt_at=at,
                        expires_at=at + valid if valid else None)  # fmt: skip
        session.add(row)
        await session.commit()
        return row.id


async def row_of(sessionmaker: async_sessionmaker[AsyncSession], row_id: int) -> SmsOutbox:
    async with sessionmaker() as session:
        row = await session.get(SmsOutbox, row_id)
        assert row is not None
        return row


async def test_a_code_is_sent_once_then_blanked(
    sessionmaker: async_sessionmaker[AsyncSession], fake_sms: FakeAliyunSms,
    sender: AliyunSender, clock: FrozenClock,
) -> None:  # fmt: skip
    row_id = await queue(sessionmaker, clock.now())
    worker = SmsWorker(sessionmaker, sender)
    assert (await worker.drain_once()).sent == [row_id]
    assert (await worker.drain_once()).sent == []  # nothing twice
    [received] = fake_sms.sent
    assert received.phone == PHONE and received.params == {"code": "382910"}
    row = await row_of(sessionmaker, row_id)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, clock.now())
    assert row.provider_ref == received.biz_id and row.last_error is None
    assert row.text == "" and row.params is None  # the code does not linger


async def test_provider_errors_are_retried_with_exponential_backoff(
    sessionmaker: async_sessionmaker[AsyncSession], fake_sms: FakeAliyunSms,
    sender: AliyunSender, clock: FrozenClock,
) -> None:  # fmt: skip
    start = clock.now()
    row_id = await queue(sessionmaker, start)
    worker = SmsWorker(sessionmaker, sender)
    fake_sms.fail_next("error", "error", "error")
    waits = []
    for _ in range(3):
        assert (await worker.drain_once()).retrying == [row_id]
        row = await row_of(sessionmaker, row_id)
        assert row.last_error == "ServiceUnavailable" and row.status == "pending"
        assert row.next_attempt_at is not None
        waits.append(row.next_attempt_at - clock.now())
        clock.advance(seconds=1)
        assert (await worker.drain_once()).retrying == []  # not due yet: nobody calls
        clock.at = row.next_attempt_at
    assert waits == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
    assert (await worker.drain_once()).sent == [row_id]
    row = await row_of(sessionmaker, row_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 4, None)
    assert [status for status, _ in fake_sms.answers] == [503, 503, 503, 200]


async def test_flow_control_waits_the_providers_minute(
    sessionmaker: async_sessionmaker[AsyncSession], fake_sms: FakeAliyunSms,
    sender: AliyunSender, clock: FrozenClock,
) -> None:  # fmt: skip
    row_id = await queue(sessionmaker, clock.now())
    fake_sms.fail_next("throttle")
    await SmsWorker(sessionmaker, sender).drain_once()
    row = await row_of(sessionmaker, row_id)
    assert row.last_error == "isv.BUSINESS_LIMIT_CONTROL"
    assert row.next_attempt_at == clock.now() + timedelta(minutes=1)  # one code a minute


async def test_it_gives_up_after_five_tries(
    sessionmaker: async_sessionmaker[AsyncSession], fake_sms: FakeAliyunSms,
    sender: AliyunSender, clock: FrozenClock,
) -> None:  # fmt: skip
    row_id = await queue(sessionmaker, clock.now(), valid=None)  # no deadline: only the count
    worker = SmsWorker(sessionmaker, sender)
    fake_sms.fail_next(*["error"] * 6)
    outcomes = []
    for _ in range(6):
        done = await worker.drain_once()
        outcomes.append("failed" if done.failed else "retrying" if done.retrying else "none")
        clock.advance(minutes=10)
    assert outcomes == ["retrying"] * 4 + ["failed", "none"]
    row = await row_of(sessionmaker, row_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 5, "ServiceUnavailable")
    assert row.text == "" and row.params is None and len(fake_sms.answers) == 5


async def test_a_refused_number_is_given_up_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], fake_sms: FakeAliyunSms,
    sender: AliyunSender, clock: FrozenClock,
) -> None:  # fmt: skip
    row_id = await queue(sessionmaker, clock.now(), phone="1380044182")
    assert (await SmsWorker(sessionmaker, sender).drain_once()).failed == [row_id]
    row = await row_of(sessionmaker, row_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "isv.MOBILE_NUMBER_ILLEGAL")


async def test_a_code_past_its_validity_is_never_sent(
    sessionmaker: async_sessionmaker[AsyncSession], fake_sms: FakeAliyunSms,
    sender: AliyunSender, clock: FrozenClock,
) -> None:  # fmt: skip
    stale = await queue(sessionmaker, clock.now() - VALID - timedelta(seconds=1), "111111")
    fresh = await queue(sessionmaker, clock.now() - VALID + timedelta(seconds=30), "222222")
    done = await SmsWorker(sessionmaker, sender).drain_once()
    assert done.sent == [fresh]
    assert [r.params["code"] for r in fake_sms.sent] == ["222222"]
    row = await row_of(sessionmaker, stale)
    assert (row.status, row.attempts, row.text) == ("expired", 0, "")


async def test_no_retry_is_planned_after_the_code_expires(
    sessionmaker: async_sessionmaker[AsyncSession], fake_sms: FakeAliyunSms,
    sender: AliyunSender, clock: FrozenClock,
) -> None:  # fmt: skip
    row_id = await queue(sessionmaker, clock.now() - VALID + timedelta(seconds=5))
    fake_sms.fail_next("error")  # the retry would come 10 s later: after the 10 minutes
    assert (await SmsWorker(sessionmaker, sender).drain_once()).failed == [row_id]


async def test_a_claimed_row_is_hidden_for_the_lease_then_taken_again(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock,
) -> None:
    """A worker that died after claiming: another takes the row once the lease is over."""
    row_id = await queue(sessionmaker, clock.now(), valid=None)
    async with sessionmaker() as session:
        assert [c.id for c in await outbox.claim_due(session, clock.now())] == [row_id]
        await session.commit()
    clock.advance(seconds=59)
    async with sessionmaker() as session:
        assert await outbox.claim_due(session, clock.now()) == []
    clock.advance(seconds=1)
    async with sessionmaker() as session:
        [again] = await outbox.claim_due(session, clock.now())
    assert (again.id, again.attempt) == (row_id, 2)


async def test_the_demo_sender_logs_the_masked_phone_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await DemoSender().send(SmsMessage(PHONE, "otp", "您的验证码是382910", {"code": "382910"}))
    assert "otp sent to 138****1825" in caplog.text
    assert PHONE not in caplog.text and "382910" not in caplog.text


@pytest.mark.postgres
@pytest.mark.parametrize("db_settings", ["postgres"], indirect=True)
async def test_two_workers_never_send_one_row_twice(
    db_settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
    fake_sms: FakeAliyunSms, sender: AliyunSender, clock: FrozenClock,
) -> None:  # fmt: skip
    codes = [f"{n:06d}" for n in range(100_001, 100_041)]
    ids = [await queue(sessionmaker, clock.now(), code) for code in codes]
    other_engine = make_async_engine(db_settings)
    other = make_sessionmaker(other_engine)
    try:
        # One worker holds its claim open: the other skips those rows instead of waiting.
        async with sessionmaker() as holding:
            held = {c.id for c in await outbox.claim_due(holding, clock.now(), limit=5)}
            async with other() as session:
                rest = await asyncio.wait_for(outbox.claim_due(session, clock.now(), 10), 30)
                await session.rollback()
            await holding.rollback()
        assert len(held) == 5 and len(rest) == 10 and held.isdisjoint(c.id for c in rest)

        workers = [SmsWorker(sessionmaker, sender, batch=3), SmsWorker(other, sender, batch=3)]

        async def drain(worker: SmsWorker) -> list[int]:
            sent: list[int] = []
            while done := (await worker.drain_once()).sent:
                sent += done
            return sent

        first, second = await asyncio.gather(*(drain(w) for w in workers))
    finally:
        await other_engine.dispose()
    assert sorted(first + second) == ids
    assert sorted(r.params["code"] for r in fake_sms.sent) == codes  # each code once
    async with sessionmaker() as session:
        rows = (await session.execute(select(SmsOutbox.status, SmsOutbox.attempts))).all()
    assert set(rows) == {("sent", 1)}


class _SlowProvider:
    """The real adapter, but each send takes ``minutes`` on the injected clock."""

    name = "slow"

    def __init__(self, sender: AliyunSender, clock: FrozenClock, minutes: float) -> None:
        self.sender, self.clock, self.minutes = sender, clock, minutes

    async def send(self, message: SmsMessage) -> str:
        self.clock.advance(minutes=self.minutes)
        return await self.sender.send(message)

    async def close(self) -> None:
        await self.sender.close()


async def test_a_code_that_expires_while_others_are_sent_is_not_sent(
    sessionmaker: async_sessionmaker[AsyncSession], fake_sms: FakeAliyunSms,
    sender: AliyunSender, clock: FrozenClock,
) -> None:  # fmt: skip
    first = await queue(sessionmaker, clock.now() - timedelta(minutes=5), "111111")
    second = await queue(sessionmaker, clock.now() - timedelta(minutes=4.5), "222222")
    worker = SmsWorker(sessionmaker, _SlowProvider(sender, clock, minutes=6))
    done = await worker.drain_once()  # both claimed; the first send ends when both expired
    assert (done.sent, done.expired) == ([first], [second])
    assert [r.params["code"] for r in fake_sms.sent] == ["111111"]
    assert (await row_of(sessionmaker, second)).status == "expired"
