"""Issue 10, end to end over loopback HTTP: a resident asks for a person, a caseworker of
the right jurisdiction takes the case, messages relay both ways, closing hands back."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from store.models import Case, StaffAccess
from tests.journeys.conftest import story_ids
from tests.staff.conftest import RestResident, Served, StaffClient, open_handoff


async def test_resident_to_caseworker_and_back(server: Served, staff_client: Any) -> None:
    resident = RestResident(server.base, "wechat:alice")
    try:
        await resident.say("/start")
        await resident.press("查看我的待遇")
        await resident.sign_in(story_ids("A")[0])  # 连山 (441825)
        opened = await resident.say("我要找人工客服")
        assert "服务编号" in opened

        lianshan, shaoguan = staff_client(), staff_client()
        assert await lianshan.login("lianshan") == 200
        assert await shaoguan.login("shaoguan") == 200
        status, listed = await lianshan.call("GET", "/staff/api/cases?status=open")
        assert status == 200
        mine = [c for c in listed["cases"] if c["kind"] == "handoff"]
        assert len(mine) == 1 and mine[0]["region_code"] == "441825"
        case_id = mine[0]["id"]
        assert set(mine[0]) >= {"id", "kind", "status", "priority", "region_code", "assignee",
                                "created_at", "summary"}  # fmt: skip
        _, theirs = await shaoguan.call("GET", "/staff/api/cases")
        assert case_id not in [c["id"] for c in theirs["cases"]]

        status, taken = await lianshan.call("POST", f"/staff/api/cases/{case_id}/take")
        assert status == 200 and taken["assignee"] == "lianshan"
        joined = await resident.say("你好，有人吗？我家里的低保怎么还没批？")
        assert re.search(r"\d+号工作人员已接入", joined) and "lianshan" not in joined
        assert "低保" not in joined.split("已接入")[1]  # the assistant said nothing of its own

        status, detail = await lianshan.call("GET", f"/staff/api/cases/{case_id}")
        words = [e["text"] for e in detail["events"] if e["kind"] == "message_in"]
        assert words == ["你好，有人吗？我家里的低保怎么还没批？"]

        reply = {"text": "您好，我是连山的社工，正在帮您查。"}
        status, _ = await lianshan.call("POST", f"/staff/api/cases/{case_id}/messages", reply)
        assert status == 200
        relayed = await resident.say("好的谢谢")
        assert re.search(r"【\d+号工作人员】您好，我是连山的社工，正在帮您查。", relayed)

        done = {"resolution": "explained the review date"}
        status, closed = await lianshan.call("POST", f"/staff/api/cases/{case_id}/close", done)
        assert status == 200 and closed["status"] == "closed"
        back = await resident.say("我想看看我的待遇")
        assert "小助手回来了" in back and "幸福清单" in back  # the assistant answers again
    finally:
        await resident.close()


async def test_outside_the_jurisdiction_is_403_and_audited(
    server: Served, staff_client: Any
) -> None:
    await (await open_handoff(server.base, "wechat:bob")).close()
    async with server.sessionmaker() as session:
        case_id = await session.scalar(select(Case.id).where(Case.kind == "handoff"))
    shaoguan: StaffClient = staff_client()
    await shaoguan.login("shaoguan")
    for method, path in [("GET", f"/staff/api/cases/{case_id}"),
                         ("POST", f"/staff/api/cases/{case_id}/take")]:  # fmt: skip
        status, body = await shaoguan.call(method, path)
        assert status == 403, (path, body)
    async with server.sessionmaker() as session:
        denied = list(await session.scalars(
            select(StaffAccess).where(StaffAccess.allowed.is_(False))
        ))  # fmt: skip
    assert {(d.action, d.resource, d.region_code) for d in denied} == {
        ("case.read", f"case:{case_id}", "441825"), ("case.take", f"case:{case_id}", "441825")
    }
