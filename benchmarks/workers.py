"""What keeping a conversation in Redis (several workers) costs a turn, against memory.

Run: ``.venv/bin/python -m benchmarks.workers [--backend sqlite|postgres] [--repeat 400]``.
The same dialogue (real Dispatcher, demo database, local NLU, rate limit on) takes
``--repeat`` turns through the gateway, each with a message id, once with everything in this
process's memory and once with ``JIUZHU_REDIS_URL`` (127.0.0.1:6379, a key prefix of its
own, deleted after): FSM state, buttons, the sender's lock, the replies kept for a retry
(encrypted) and the rate-limit hits. Turns alternate ``/help`` (no database read) and
``你好`` (the NLU and the menu) over 20 senders. p50/p95 in ms; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from redis.asyncio import Redis

from benchmarks.database import bench_settings
from bot.app import create_app_context
from bot.channels.gateway import Gateway
from jiuzhu.settings import Settings
from nlu import LocalNlu
from store.demo.generator import generate
from store.session import make_sync_engine

REDIS_URL = "redis://127.0.0.1:6379/0"
TEXTS = ("/help", "你好")


async def turns(settings: Settings, nlu: LocalNlu, repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` turns (after one warm-up turn per sender)."""
    ctx = await create_app_context(settings, nlu=nlu)
    try:
        gateway = Gateway(ctx.dispatcher, channel="rest")
        senders = [f"bench-{secrets.token_hex(4)}" for _ in range(20)]
        for sender in senders:
            await gateway.handle(sender, "/start", "warm-up")
        spent = []
        for i in range(repeat):
            sender = senders[i % len(senders)]
            started = time.perf_counter()
            await gateway.handle(sender, TEXTS[(i // len(senders)) % 2], f"m-{i}")
            spent.append((time.perf_counter() - started) * 1000)
            if i % len(senders) == len(senders) - 1:
                await asyncio.sleep(1.3)  # stay under 8 messages per 10 s per sender
        return spent
    finally:
        await ctx.close()


async def measure(settings: Settings, repeat: int) -> dict[str, tuple[float, float]]:
    nlu = LocalNlu.from_settings(settings)
    nlu.ensure_model()
    prefix = f"jiuzhu-bench-{secrets.token_hex(4)}"
    found = {"memory": _quantiles(await turns(settings, nlu, repeat))}
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "redis_prefix": prefix})
    try:
        found["redis"] = _quantiles(await turns(shared, nlu, repeat))
    finally:
        redis = Redis.from_url(REDIS_URL)
        keys = [key async for key in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
    return found


def _quantiles(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(args.backend, Path(tmp))
        with make_sync_engine(settings).connect() as conn:
            generate(conn, families=50, seed=7)
        found = asyncio.run(measure(settings, args.repeat))
    memory, redis = found["memory"], found["redis"]
    print(f"{args.backend}, {args.repeat} turns: memory p50 {memory[0]:.2f} / p95 "
          f"{memory[1]:.2f} ms; Redis p50 {redis[0]:.2f} / p95 {redis[1]:.2f} ms "
          f"(+{redis[0] - memory[0]:.2f} ms a turn at p50)")  # fmt: skip


if __name__ == "__main__":
    main()
