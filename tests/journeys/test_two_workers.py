"""Two real ``jiuzhu serve`` processes sharing Redis and PostgreSQL: any worker takes any turn.

Story A runs with its turns alternating between the workers; a duplicate delivery sent to
the other worker is answered with the first replies and runs nothing (the transcript and
the workers' own turn counters say so). A worker on an old schema refuses to start.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from sqlalchemy import func, select

from nlu import LocalNlu, NluEngine
from store.demo.fixtures import fixture_by_story
from store.migrate import MIGRATIONS, upgrade
from store.models.audit import Transcript
from store.session import make_sync_engine
from templates import texts
from tests.conftest import POSTGRES_URL, TEST_SECRET, TEST_TODAY
from tests.journeys.conftest import demo_database

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
JIUZHU = Path(sys.executable).with_name("jiuzhu")  # the installed `jiuzhu` command
REDIS_URL = "redis://127.0.0.1:6379/0"
REST_TOKEN, METRICS_TOKEN = "rest-t0ken", "scrape-t0ken"
L10N = texts("bot")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path, database_url: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "JIUZHU_ENV": "demo", "JIUZHU_DATA_DIR": str(data_dir),
        "JIUZHU_DATABASE_URL": database_url, "JIUZHU_SECRET_KEY": TEST_SECRET,
        "JIUZHU_REDIS_URL": REDIS_URL, "JIUZHU_REDIS_PREFIX": prefix,
        "JIUZHU_REST_TOKEN": REST_TOKEN, "JIUZHU_METRICS_TOKEN": METRICS_TOKEN,
        "JIUZHU_TODAY": TEST_TODAY.isoformat(),  # the demo data's day, as in this process
    }  # fmt: skip


@contextmanager
def workers(env: dict[str, str], count: int, log_dir: Path) -> Iterator[list[str]]:
    """``count`` `jiuzhu serve` processes, each on its own port; yields their base URLs."""
    procs, bases = [], []
    try:
        for i in range(count):
            port = _free_port()
            log = (log_dir / f"worker-{i}.log").open("wb")
            procs.append(subprocess.Popen(
                [str(JIUZHU), "serve", "--port", str(port)], env=env, stdout=log, stderr=log,
            ))  # fmt: skip
            bases.append(f"http://127.0.0.1:{port}")
        for proc, base in zip(procs, bases, strict=True):
            _wait_until_up(proc, base)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_until_up(proc: subprocess.Popen[bytes], base: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 90  # each process imports aiogram, OpenFisca (slow on CI)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"worker exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"worker at {base} never answered /healthz")


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A Redis key prefix of this test only; its keys are deleted afterwards."""
    name = f"jiuzhu-test-{secrets.token_hex(6)}"
    yield name
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(f"{name}:*")]
        assert keys, "the workers kept nothing in Redis"
        await redis.delete(*keys)
    finally:
        await redis.aclose()


class Chat:
    """One resident over HTTP: each message to the worker the test names."""

    def __init__(self, http: aiohttp.ClientSession, sender: str) -> None:
        self.http, self.sender, self.n = http, sender, 0
        self.last: list[dict[str, Any]] = []
        self.sent: tuple[str, str] = ("", "")

    async def say(self, base: str, text: str, message_id: str | None = None) -> str:
        if message_id is None:
            self.n += 1
            message_id = f"m-{self.n}"
        self.sent = (text, message_id)
        body = {"sender": self.sender, "message": text, "message_id": message_id}
        headers = {"Authorization": f"Bearer {REST_TOKEN}"}
        async with self.http.post(f"{base}/webhooks/rest/webhook", json=body,
                                  headers=headers) as answer:  # fmt: skip
            assert answer.status == 200, await answer.text()
            self.last = await answer.json()
        return "\n".join(r.get("text") or "" for r in self.last)

    async def press(self, base: str, title: str) -> str:
        for reply in self.last:
            for button in reply.get("buttons") or []:
                if button["title"] == title:
                    return await self.say(base, button["payload"])
        raise AssertionError(f"no button {title!r} in {self.last}")

    def demo_code(self) -> str:
        import re

        match = re.search(r"本次验证码：(\d{6})", "\n".join(r["text"] for r in self.last))
        assert match, self.last
        return match.group(1)


async def scrape(http: aiohttp.ClientSession, base: str) -> dict[tuple[str, tuple], float]:
    """A worker's /metrics as {(sample name, sorted labels): value}."""
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    async with http.get(f"{base}/metrics", headers=headers) as answer:
        assert answer.status == 200
        text = await answer.text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


def total(samples: dict[tuple[str, tuple], float], name: str, **labels: str) -> float:
    return sum(
        value for (sample, found), value in samples.items()
        if sample == name and labels.items() <= dict(found).items()
    )


def transcript_rows(database_url: str) -> int:
    from jiuzhu.settings import Settings

    engine = make_sync_engine(Settings(database_url=database_url))
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Transcript)).scalar_one()
    engine.dispose()
    return int(count)


async def test_story_a_alternating_between_two_workers(
    tmp_path: Path, nlu_engine: NluEngine, prefix: str
) -> None:
    demo_database("postgres", tmp_path)  # the deploy: `jiuzhu db upgrade`, demo data
    assert isinstance(nlu_engine, LocalNlu)
    nlu_engine.ensure_model()  # trained once per session: the workers load it, not train
    shutil.copytree(nlu_engine.model_dir, tmp_path / "nlu")
    env = _env(tmp_path, POSTGRES_URL, prefix)
    mother = fixture_by_story("A").members[0]
    sender = f"two-workers-{secrets.token_hex(4)}"
    with workers(env, 2, tmp_path) as (one, two):
        async with aiohttp.ClientSession() as http:
            chat = Chat(http, sender)
            assert "授权书" in await chat.say(one, "你好，我想申请低保")
            assert "身份证" in await chat.press(two, "同意授权")  # a button shown by the other
            assert "验证码" in await chat.say(one, mother.id_number)
            result = await chat.say(two, chat.demo_code())  # the code asked for on worker one
            assert "身份确认成功" in result and "单独纳入低保（单人户）：符合条件" in result
            listing = await chat.press(one, "查看我的待遇")
            assert "幸福清单" in listing and "单独纳入低保" in listing
            first = chat.last

            # The same message id again, to the other worker: the first replies, nothing run.
            rows = transcript_rows(POSTGRES_URL)
            text, message_id = chat.sent
            await chat.say(two, text, message_id)
            assert chat.last == first
            assert transcript_rows(POSTGRES_URL) == rows

            samples = [await scrape(http, one), await scrape(http, two)]
            answered = sum(total(s, "jiuzhu_turns_total", outcome="answered") for s in samples)
            assert answered == 5  # five messages handled, across both workers
            assert total(samples[1], "jiuzhu_turns_total", outcome="duplicate") == 1
            assert total(samples[0], "jiuzhu_turns_total", outcome="duplicate") == 0
            # Per handler and per channel; labels hold code names, never the resident.
            assert total(samples[0], "jiuzhu_handler_calls_total", channel="rest") >= 3
            assert total(samples[0], "jiuzhu_handler_calls_total", router="menu") == 1
            for s in samples:
                labels = " ".join(str(v) for _, found in s for _, v in found)
                assert sender not in labels and mother.id_number not in labels

            # /metrics takes its own token, not the REST channel's.
            no = {"Authorization": f"Bearer {REST_TOKEN}"}
            async with http.get(f"{one}/metrics", headers=no) as answer:
                assert answer.status == 401


async def test_a_burst_on_two_workers_shares_one_lock_and_one_limit(
    tmp_path: Path, nlu_engine: NluEngine, prefix: str
) -> None:
    demo_database("postgres", tmp_path)
    assert isinstance(nlu_engine, LocalNlu)
    nlu_engine.ensure_model()
    shutil.copytree(nlu_engine.model_dir, tmp_path / "nlu")
    env = _env(tmp_path, POSTGRES_URL, prefix)
    with workers(env, 2, tmp_path) as bases:
        async with aiohttp.ClientSession() as http:
            sender = f"two-workers-{secrets.token_hex(4)}"
            await Chat(http, sender).say(bases[0], "/start")
            # Seven more at once, alternating workers: eight in all, the limit per 10 s.
            sends = [Chat(http, sender).say(bases[i % 2], "/help", f"h-{i}") for i in range(7)]
            answers = await asyncio.gather(*sends)
            # The ninth is over the limit, though this worker saw only four of them.
            ninth = await Chat(http, sender).say(bases[1], "/help", "h-8")
            samples = [await scrape(http, b) for b in bases]
    assert answers == [L10N.t("help")] * 7  # each answered, none refused
    assert ninth in {L10N.t("slow-down", seconds=n) for n in range(1, 11)}
    assert sum(total(s, "jiuzhu_throttled_total") for s in samples) == 1
    waited = sum(total(s, "jiuzhu_sender_lock_wait_seconds_count") for s in samples)
    assert waited == 9  # every turn went through the sender's lock in Redis
    assert sum(total(s, "jiuzhu_turns_in_flight") for s in samples) == 0


def test_a_worker_on_an_old_schema_refuses_in_one_line(tmp_path: Path) -> None:
    from jiuzhu.settings import Settings

    url = f"sqlite:///{tmp_path / 'jiuzhu.db'}"
    upgrade(Settings(database_url=url, data_dir=tmp_path), "0001")
    env = {**os.environ, "JIUZHU_DATA_DIR": str(tmp_path), "JIUZHU_DATABASE_URL": url,
           "JIUZHU_SECRET_KEY": TEST_SECRET, "JIUZHU_REDIS_URL": ""}  # fmt: skip
    result = subprocess.run(
        [str(JIUZHU), "serve", "--port", str(_free_port())],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert len(lines) == 1, result.stderr
    assert "revision 0001" in lines[0] and f"needs {head}" in lines[0]
    assert "jiuzhu db upgrade" in lines[0]
