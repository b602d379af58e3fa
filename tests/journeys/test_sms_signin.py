"""Issue 11: in production a sign-in code reaches the resident only by SMS.

A real ``jiuzhu serve`` in production settings, its SMS provider Alibaba Cloud through the
provider's SDK, the SDK's endpoint pointed at the fake ``SendSms`` endpoint on loopback.
Story A's mother asks over the REST channel for her benefits and types her ID number: the
chat shows no code; the worker running inside ``serve`` sends it; the test reads it from
what the fake endpoint received, types it, and she is signed in.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from jiuzhu.settings import Settings
from store.demo.fixtures import fixture_by_story
from store.models import SmsOutbox
from store.session import make_sync_engine
from tests.conftest import TEST_SECRET
from tests.fakes.aliyun_sms import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    SIGN_NAME,
    TEMPLATE_CODE,
    FakeAliyunSms,
)
from tests.journeys.conftest import demo_database

TOKEN = "rest-token-for-the-sms-journey"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def fake_sms() -> AsyncIterator[FakeAliyunSms]:
    fake = FakeAliyunSms()
    await fake.start()
    yield fake
    await fake.stop()


class RestResident:
    """A Rasa REST client: one sender, every reply kept."""

    def __init__(self, http: aiohttp.ClientSession, base: str, sender: str) -> None:
        self.http, self.base, self.sender = http, base, sender
        self.last: list[dict[str, Any]] = []
        self.seen: list[str] = []

    async def say(self, text: str) -> str:
        async with self.http.post(
            f"{self.base}/webhooks/rest/webhook", json={"sender": self.sender, "message": text},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as response:  # fmt: skip
            assert response.status == 200, await response.text()
            self.last = await response.json()
        said = "\n".join(r.get("text") or "" for r in self.last)
        self.seen.append(said)
        return said

    async def press(self, title: str) -> str:
        for reply in self.last:
            for button in reply.get("buttons") or []:
                if button["title"] == title:
                    return await self.say(button["payload"])
        raise AssertionError(f"no button {title!r} in {self.last}")


@pytest.fixture
async def production_server(
    tmp_path: Path, fake_sms: FakeAliyunSms
) -> AsyncIterator[tuple[str, Settings]]:
    """``jiuzhu serve`` in production on loopback over the demo data: its URL and database."""
    settings = demo_database("sqlite", tmp_path)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env |= {
        "JIUZHU_ENV": "production", "JIUZHU_DATABASE_URL": settings.database_url,
        "JIUZHU_DATA_DIR": str(tmp_path), "JIUZHU_SECRET_KEY": TEST_SECRET,
        "JIUZHU_REST_TOKEN": TOKEN, "JIUZHU_SMS_PROVIDER": "aliyun",
        "JIUZHU_SMS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "JIUZHU_SMS_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
        "JIUZHU_SMS_SIGN_NAME": SIGN_NAME, "JIUZHU_SMS_TEMPLATE_CODE": TEMPLATE_CODE,
        "JIUZHU_SMS_ENDPOINT": fake_sms.endpoint,
    }  # fmt: skip
    log = (tmp_path / "serve.log").open("w")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "jiuzhu", "serve", "--host", "127.0.0.1", "--port", str(port),
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(240):  # until it listens (a bounded wait, not a timing assertion)
                if process.returncode is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text())
                try:
                    async with http.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.5)
            else:
                raise AssertionError((tmp_path / "serve.log").read_text())
        yield base, settings
    finally:
        process.terminate()
        await process.wait()
        log.close()


@pytest.mark.slow
async def test_a_production_sign_in_code_arrives_only_by_sms(
    production_server: tuple[str, Settings], fake_sms: FakeAliyunSms, tmp_path: Path
) -> None:
    base, settings = production_server
    mother = fixture_by_story("A").members[0]
    async with aiohttp.ClientSession() as http:
        resident = RestResident(http, base, "sms-journey-mother")
        await resident.say("/start")
        await resident.press("查看我的待遇")
        asked = await resident.say(mother.id_number)
        assert "验证码" in asked and not re.search(r"\d{6}", asked)  # told, not shown
        [received] = await fake_sms.wait_sent(1, timeout=60)
        code = received.params["code"]
        assert received.phone == mother.phone
        assert (received.sign_name, received.template_code) == (SIGN_NAME, TEMPLATE_CODE)
        assert all(code not in said for said in resident.seen)  # never in the chat
        signed_in = await resident.say(code)
    assert "身份确认成功" in signed_in
    assert (tmp_path / "serve.log").read_text().count(code) == 0  # nor in the log
    engine = make_sync_engine(settings)
    try:
        # The worker records the send after the provider answered: under load that commit
        # may come after the sign-in, so wait (bounded) for the row to leave "pending".
        for _ in range(120):
            with engine.connect() as conn:
                row = conn.execute(select(SmsOutbox.status, SmsOutbox.attempts, SmsOutbox.text,
                                          SmsOutbox.provider_ref)).one()  # fmt: skip
            if row.status != "pending":
                break
            await asyncio.sleep(0.25)
    finally:
        engine.dispose()
    assert tuple(row) == ("sent", 1, "", received.biz_id)  # sent once, the code not kept

