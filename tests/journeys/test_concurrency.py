"""500 residents at once on the embedded SQLite file: nobody is told "database is locked".

Each conversation runs the write-heavy journey over real HTTP on loopback: the consent, an
ID number (a code is sent: SMS row and attempt), the code (consent rows, department reads
with their audit rows, the pre-check result), then the happiness list. Every turn commits
on SQLite's single writer lock while the others wait for it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, TCPConnector
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.app import AppContext, create_app_context
from bot.channels.gateway import Gateway
from bot.channels.rest import build_rest_app
from nlu import NluEngine
from store.demo.generator import generate
from store.models import AuditLog, FamilyMember, Person
from store.session import make_async_engine, make_sessionmaker, make_sync_engine
from tests.conftest import migrated

CONVERSATIONS = 500
FAILURES = ("系统出了点问题", "没能保存", "database is locked", "locked")


@pytest.fixture
async def crowd(
    tmp_path: Path, nlu_engine: NluEngine
) -> AsyncIterator[tuple[AppContext, list[str]]]:
    """The dialogue over a SQLite file with 600 synthetic families, and 500 applicants' IDs."""
    settings = migrated("sqlite", tmp_path)
    sync = make_sync_engine(settings)
    with sync.connect() as conn:
        generate(conn, families=600, seed=11)
    sync.dispose()
    engine = make_async_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        people = await session.scalars(
            select(Person)
            .join(FamilyMember, FamilyMember.person_id == Person.id)
            .where(FamilyMember.relation == "applicant", Person.phone.is_not(None))
            .order_by(Person.id)
            .limit(CONVERSATIONS)
        )
        ids = [p.id_number for p in people]
    assert len(ids) == CONVERSATIONS
    ctx = await create_app_context(settings, sessionmaker=sessionmaker, nlu=nlu_engine)
    try:
        yield ctx, ids
    finally:
        await ctx.close()
        await engine.dispose()


async def _conversation(http: ClientSession, url: str, n: int, id_number: str) -> list[str]:
    said: list[str] = []

    async def say(message: str) -> str:
        body = {"sender": f"crowd-{n}", "message": message, "message_id": f"{n}-{len(said)}"}
        async with http.post(url, json=body) as response:
            assert response.status == 200, await response.text()
            text = "\n".join(r["text"] for r in await response.json())
        said.append(text)
        return text

    await say("我想申请低保")
    await say("同意")
    sent = await say(id_number)
    code = re.search(r"本次验证码：(\d{6})", sent)
    assert code, sent
    await say(code.group(1))
    await say("查看我的待遇")
    return said


@pytest.mark.slow
async def test_500_conversations_at_once_on_sqlite(
    crowd: tuple[AppContext, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    app, ids = crowd
    caplog.set_level(logging.WARNING)
    server = TestServer(build_rest_app(Gateway(app.dispatcher, channel="rest")), host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url("/webhooks/rest/webhook"))
        async with ClientSession(connector=TCPConnector(limit=0)) as http:
            journeys = await asyncio.gather(
                *(_conversation(http, url, n, id_number) for n, id_number in enumerate(ids))
            )
    finally:
        await server.close()
    replies = [text for journey in journeys for text in journey]
    assert len(replies) == 5 * CONVERSATIONS
    troubled = [text for text in replies if any(f in text for f in FAILURES)]
    assert troubled == []
    assert sum("救助资格预审结果" in text for text in replies) == CONVERSATIONS
    assert "locked" not in caplog.text
    async with app.workflow_data["sessionmaker"]() as session:
        audited = set(await session.scalars(select(AuditLog.actor).distinct()))
    assert len(audited) == CONVERSATIONS  # every pre-check's reads were audited and kept
