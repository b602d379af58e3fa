"""Issue 10, tried as an attacker would (findings of a fresh-eyes trial): every bad body is a
clear 400, never a 500; the access log cannot be forged and never holds an ID number."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from store.models import Case
from tests.journeys.conftest import story_ids
from tests.staff.conftest import PASSWORD, Served, open_handoff


async def _handoff_case(server: Served) -> int:
    await (await open_handoff(server.base, "wechat:hostile")).close()
    async with server.sessionmaker() as session:
        return await session.scalar(select(Case.id).where(Case.kind == "handoff"))


@pytest.mark.parametrize("raw", [
    '{"text": "\\ud800"}', '{"text": "ok \\udfff"}', '{"text": "x", "n": NaN}',
    '{"text": "x", "n": Infinity}', '{"text": "x", "n": 9223372036854775808}',
])  # fmt: skip
async def test_unstorable_json_is_a_400(server: Served, staff_client: Any, raw: str) -> None:
    case_id = await _handoff_case(server)
    worker = staff_client()
    await worker.login("lianshan")
    headers = {"X-CSRF-Token": worker.csrf, "Content-Type": "application/json"}
    for path in (f"/staff/api/cases/{case_id}/notes", f"/staff/api/cases/{case_id}/messages"):
        async with worker.http.post(server.base + path, data=raw, headers=headers) as r:
            assert r.status == 400, (path, await r.text())
    async with worker.http.post(server.base + "/staff/api/login", data=raw.replace(
            '"text"', '"username"').replace("}", ', "password": "x"}'),
            headers={"Content-Type": "application/json"}) as r:  # fmt: skip
        assert r.status == 400


async def test_a_login_form_that_is_not_utf8_is_a_400(server: Served) -> None:
    async with aiohttp.ClientSession() as http, http.post(
        server.base + "/staff/login", data=b"username=\xff\xfe&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as r:  # fmt: skip
        assert r.status == 400 and "text/html" in r.headers["Content-Type"]


def test_the_access_log_is_one_masked_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    from bot.channels.rest import RedactedAccessLogger

    logger = logging.getLogger("jiuzhu.test.access")
    access = RedactedAccessLogger(logger, "")
    paths = ["/staff/api/cases/8%0a2026-12-02%2003:00:00,000%20ERROR%20forged",
             f"/staff/api/people/{story_ids('A')[0]}", "/staff/cases/13800441825?x=1"]  # fmt: skip
    caplog.set_level(logging.INFO, logger=logger.name)
    for path in paths:  # the path exactly as a client sent it on the request line
        access.log(_Stub(method="GET", raw_path=path),  # type: ignore[arg-type]
                   _Stub(status=401, body_length=0), 0.001)  # type: ignore[arg-type]
    lines = [rec.getMessage() for rec in caplog.records if rec.name == logger.name]
    assert len(lines) == 3 and all("\n" not in line and "\r" not in line for line in lines)
    joined = "\n".join(lines)
    assert story_ids("A")[0] not in joined and "13800441825" not in joined and "x=1" not in joined


class _Stub:
    """The attributes the access logger reads of a request or a response."""

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)


async def test_no_notice_from_a_closed_case(server: Served, staff_client: Any) -> None:
    case_id = await _handoff_case(server)
    worker = staff_client()
    assert await worker.login("lianshan", PASSWORD) == 200
    await worker.call("POST", f"/staff/api/cases/{case_id}/close", {"resolution": "done"})
    status, body = await worker.call("POST", f"/staff/api/cases/{case_id}/notices",
                                     {"kind": "verification_report"})  # fmt: skip
    assert status == 409 and "closed" in body["error"]
