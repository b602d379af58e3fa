"""Issue 9, finding 7: readiness that tells the truth, and a SQLite file never swapped unseen.

The real dialogue over a SQLite file and the REST app on loopback; faults are real: the
file deleted or replaced under the running process, Redis pointed at a closed port.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.app import AppContext, create_app_context
from bot.channels.gateway import Gateway
from bot.channels.rest import build_rest_app
from nlu import NluEngine
from store.sqlite_file import problems
from tests.journeys.conftest import Resident, demo_database, story_ids


@pytest.fixture
async def served(tmp_path: Path, nlu_engine: NluEngine) -> AsyncIterator[tuple[AppContext, str]]:
    """The dialogue on a SQLite file (its own engine, as `jiuzhu serve` builds it)."""
    settings = demo_database("sqlite", tmp_path)
    await nlu_engine.parse("你好")  # trained and loaded: a model still loading is not ready
    ctx = await create_app_context(settings, throttle=False, nlu=nlu_engine)
    app = build_rest_app(Gateway(ctx.dispatcher, channel="rest"), readiness=ctx.readiness)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield ctx, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()
        await ctx.close()


async def _ready(base: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(base + "/readyz") as response:
        return response.status, await response.json()


def _db_file(ctx: AppContext) -> Path:
    return Path(ctx.settings.sync_database_url.database or "")


async def test_ready_when_everything_answers(served: tuple[AppContext, str]) -> None:
    _, base = served
    status, body = await _ready(base)
    assert status == 200 and body == {"status": "ready", "checks": {"database": "ok", "nlu": "ok"}}


async def test_a_deleted_database_file_is_refused_not_recreated(
    served: tuple[AppContext, str],
) -> None:
    ctx, base = served
    gateway = Gateway(ctx.dispatcher, channel="rest")
    resident = Resident(gateway, "deleted")
    await resident.say("/start")
    await resident.press("查看我的待遇")
    path = _db_file(ctx)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    status, body = await _ready(base)
    assert status == 503 and "does not exist" in body["checks"]["database"]
    answer = await resident.say(story_ids("A")[0])
    assert "没能保存" in answer and "验证码" not in answer
    assert not path.exists()  # not recreated empty


async def test_a_replaced_database_file_is_refused(served: tuple[AppContext, str]) -> None:
    ctx, base = served
    path = _db_file(ctx)
    shutil.copy(path, f"{path}.copy")
    Path(f"{path}.copy").replace(path)  # same content, another file
    status, body = await _ready(base)
    assert status == 503 and "database" in body["checks"]
    resident = Resident(Gateway(ctx.dispatcher, channel="rest"), "replaced")
    # Every turn first reads the handoff lock, so the first message already says it.
    answer = await resident.say("/start")
    assert "没能保存" in answer
    answer = await resident.say(story_ids("A")[0])
    assert "没能保存" in answer and "验证码" not in answer


async def test_redis_down_is_not_ready(tmp_path: Path, nlu_engine: NluEngine) -> None:
    settings = demo_database("sqlite", tmp_path).model_copy(
        update={"redis_url": "redis://127.0.0.1:1/0"}  # nothing listens there
    )
    ctx = await create_app_context(settings, throttle=False, nlu=nlu_engine)
    try:
        checks = await ctx.readiness()
    finally:
        await ctx.close()
    assert checks["database"] is None and checks["redis"] and "did not answer" in checks["redis"]


def test_the_sqlite_file_check_names_what_is_wrong(tmp_path: Path) -> None:
    assert problems(tmp_path / "missing.db") == [
        f"{tmp_path / 'missing.db'} does not exist (jiuzhu db upgrade creates it)"
    ]
    (tmp_path / "ok.db").write_bytes(b"")
    assert problems(tmp_path / "ok.db") == []
