"""The relay's pace: pushes spaced at the rate (Telegram ≈ 30/s [A]), in queue order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from staff import relay
from staff.pace import Pace
from store.models import Outbound


class VirtualTime:
    """A clock that moves only when something sleeps (nothing waits for real)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Recorder:
    def __init__(self) -> None:
        self.texts: list[str] = []

    async def push(self, delivery: relay.Delivery) -> None:
        self.texts.append(delivery.text)


async def test_pushes_wait_their_turn_in_queue_order(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        for n in range(5):  # queued most urgent first, as the monitor writes them
            session.add(Outbound(sender_hash=f"s{n}", channel="telegram", address=str(n),
                                 text=f"message {n}"))  # fmt: skip
        await session.commit()
    time = VirtualTime()
    pace = Pace(2.0, clock=time.clock, sleep=time.sleep)
    sent = Recorder()
    assert await relay.push_pending(sessionmaker, {"telegram": sent}, pace=pace) == 5
    assert sent.texts == [f"message {n}" for n in range(5)]
    assert time.slept == [0.5, 0.5, 0.5, 0.5]  # 2 per second: half a second apart
    assert pace.rate_seen == 2.0
