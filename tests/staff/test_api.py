"""The staff JSON API's contract (issue 10), over loopback HTTP on the served app.

Cases come from a resident on the REST channel or from :func:`staff.cases.open_case` (as
the dialogue and the batch open them); every answer is read as an integrator reads it.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from jiuzhu.clock import FrozenClock, now, use_clock
from staff.cases import open_case
from store.models import Case, Person, StaffAccess
from store.session import transaction
from tests.journeys.conftest import story_ids
from tests.staff.conftest import RestResident, Served, StaffClient

QUEUE = {
    # name: (kind, region, priority)
    "visit": ("home_visit", "441825", "normal"),  # 连山
    "complaint": ("complaint", "441802", "high"),  # 清城
    "crisis": ("crisis", "441825", "urgent"),
    "shaoguan": ("handoff", "440203", "normal"),  # 韶关武江
}


async def open_queue(server: Served) -> dict[str, int]:
    """The :data:`QUEUE` cases, opened as the batch opens them (no chat); name → id."""
    async with transaction(server.sessionmaker) as session:
        ids = {}
        for name, (kind, region, priority) in QUEUE.items():
            case = await open_case(session, kind=kind, region_code=region, priority=priority,
                                   summary=f"test case {name}", actor="batch:test")  # fmt: skip
            ids[name] = case.id
        await session.commit()
    return ids


async def story_a_handoff(server: Served, sender: str) -> int:
    """Story A's applicant signs in on REST and asks for a person; the case id."""
    resident = RestResident(server.base, sender)
    try:
        await resident.say("/start")
        await resident.press("查看我的待遇")
        await resident.sign_in(story_ids("A")[0])
        assert "服务编号" in await resident.say("转人工")
    finally:
        await resident.close()
    async with server.sessionmaker() as session:
        return await session.scalar(select(Case.id).where(Case.kind == "handoff",
                                                          Case.region_code == "441825"))


async def signed_in(staff_client: Any, username: str) -> StaffClient:
    client: StaffClient = staff_client()
    assert await client.login(username) == 200
    return client


async def ids_listed(client: StaffClient, query: str = "") -> list[int]:
    status, body = await client.call("GET", f"/staff/api/cases{query}")
    assert status == 200, body
    return [c["id"] for c in body["cases"]]


async def test_list_filters_and_jurisdiction(server: Served, staff_client: Any) -> None:
    ids = await open_queue(server)
    qingyuan = await signed_in(staff_client, "qingyuan")
    lianshan = await signed_in(staff_client, "lianshan")
    shaoguan = await signed_in(staff_client, "shaoguan")

    status, body = await qingyuan.call("GET", "/staff/api/cases")
    assert status == 200
    listed = {c["id"]: c for c in body["cases"]}
    assert set(listed) == {ids["visit"], ids["complaint"], ids["crisis"]}
    assert body["cases"][0]["id"] == ids["crisis"]  # the most urgent first
    crisis = listed[ids["crisis"]]
    assert crisis == {"id": ids["crisis"], "kind": "crisis", "status": "open",
                      "priority": "urgent", "region_code": "441825", "assignee": None,
                      "created_at": now().isoformat(), "summary": "test case crisis",
                      "held": False}  # fmt: skip
    assert set(await ids_listed(lianshan)) == {ids["visit"], ids["crisis"]}  # 连山 only
    assert await ids_listed(shaoguan) == [ids["shaoguan"]]

    assert await ids_listed(qingyuan, "?kind=complaint") == [ids["complaint"]]
    assert await ids_listed(qingyuan, "?priority=urgent") == [ids["crisis"]]
    assert await ids_listed(qingyuan, "?region=441802") == [ids["complaint"]]
    assert await ids_listed(qingyuan, "?status=assigned") == []
    assert len(await ids_listed(qingyuan, "?status=open")) == 3
    assert await ids_listed(qingyuan, "?older_than_hours=1") == []
    assert await ids_listed(qingyuan, "?breached=true") == []

    # Two hours on: a crisis is due within 1 hour [A], the rest within 3 working days.
    with use_clock(FrozenClock(now() + timedelta(hours=2))):
        assert len(await ids_listed(qingyuan, "?older_than_hours=1")) == 3
        assert await ids_listed(qingyuan, "?older_than_hours=3") == []
        assert await ids_listed(qingyuan, "?breached=true") == [ids["crisis"]]
        calm = {ids["visit"], ids["complaint"]}
        assert set(await ids_listed(qingyuan, "?breached=false")) == calm
        status, taken = await qingyuan.call("POST", f"/staff/api/cases/{ids['complaint']}/take")
        assert status == 200 and taken["status"] == "assigned"
        assert await ids_listed(qingyuan, "?status=assigned&assignee=qingyuan") == [
            ids["complaint"]
        ]


async def test_bad_filters_and_ids_are_400_unknown_404(server: Served, staff_client: Any) -> None:
    client = await signed_in(staff_client, "qingyuan")
    for query, field in [("status=bogus", "status"), ("kind=chat", "kind"),
                         ("priority=top", "priority"), ("breached=maybe", "breached"),
                         ("older_than_hours=-1", "older_than_hours"),
                         ("older_than_hours=1.5", "older_than_hours"),
                         ("older_than_hours=99999999999999", "older_than_hours"),
                         ("region=清远", "region")]:  # fmt: skip
        for path in ("/staff/api/cases", "/staff/api/cases.csv"):
            status, body = await client.call("GET", f"{path}?{query}")
            assert status == 400, (path, query, body)
            assert body["error"].startswith(field), body
    for raw in ("abc", "%C2%B2", "%D9%A1", "99999999999", "2147483648"):  # ², Arabic-Indic 1
        status, body = await client.call("GET", f"/staff/api/cases/{raw}")
        assert status == 400 and body["error"].startswith("case id"), (raw, body)
    for method, path in [("GET", "/staff/api/cases/2147483647"),
                         ("POST", "/staff/api/cases/999999/take"),
                         ("GET", "/staff/api/cases/999999/transcript"),
                         ("GET", "/staff/api/people/999999"),
                         ("GET", "/staff/api/documents/999999")]:  # fmt: skip
        status, body = await client.call(method, path)
        assert status == 404 and "error" in body, (path, body)
    status, body = await client.call("POST", "/staff/api/cases/1/notes", "not an object")
    assert status == 400 and body == {"error": "expected a JSON object"}


async def test_take_twice_is_409_and_detail_shape(server: Served, staff_client: Any) -> None:
    ids = await open_queue(server)
    qingyuan = await signed_in(staff_client, "qingyuan")
    lianshan = await signed_in(staff_client, "lianshan")
    path = f"/staff/api/cases/{ids['visit']}"

    status, taken = await lianshan.call("POST", f"{path}/take")
    assert status == 200 and taken["assignee"] == "lianshan" and taken["status"] == "assigned"
    for client in (lianshan, qingyuan):
        status, body = await client.call("POST", f"{path}/take")
        assert status == 409 and body == {"error": f"case {ids['visit']} is taken already "
                                                   "by lianshan"}  # fmt: skip

    status, detail = await qingyuan.call("GET", path)
    assert status == 200
    assert detail["assignee"] == "lianshan" and detail["status"] == "assigned"
    assert [(e["kind"], e["actor"]) for e in detail["events"]] == [
        ("opened", "batch:test"), ("assigned", "staff:lianshan")
    ]
    # A home visit: first contact within 3 working days, a decision within 10 (Tue 1 Dec).
    assert {d["name"]: d["due"][:10] for d in detail["deadlines"]} == {
        "first_contact": "2026-12-04", "decision": "2026-12-15"
    }
    assert detail["breaches"] == [] and detail["notices"] == []
    assert detail["precheck"] is None and detail["family_id"] is None
    status, again = await lianshan.call("GET", path)
    assert again["viewers"] == ["qingyuan"]  # who else has it open


async def test_notes_with_mentions_and_messages_to_a_closed_case(
    server: Served, staff_client: Any
) -> None:
    case_id = await story_a_handoff(server, "wechat:carol")
    lianshan = await signed_in(staff_client, "lianshan")
    path = f"/staff/api/cases/{case_id}"

    note = {"text": "@qy-super 请复核收入，cc @lianshan；电话 13800441825"}
    status, body = await lianshan.call("POST", f"{path}/notes", note)
    assert status == 200 and body["mentions"] == ["lianshan", "qy-super"]
    status, body = await lianshan.call("POST", f"{path}/notes", {"text": "   "})
    assert status == 400 and body["error"].startswith("text")
    status, body = await lianshan.call("POST", f"{path}/notes", {"text": 12})
    assert status == 400 and body["error"].startswith("text")

    status, sent = await lianshan.call("POST", f"{path}/messages", {"text": "您好"})
    assert status == 200 and sent == {"status": "sent", "case_id": case_id}
    status, detail = await lianshan.call("GET", path)
    notes = [e for e in detail["events"] if e["kind"] == "note"]
    assert len(notes) == 1 and notes[0]["data"] == {"mentions": ["lianshan", "qy-super"]}
    assert "13800441825" not in notes[0]["text"] and "138****1825" in notes[0]["text"]
    assert detail["assignee"] == "lianshan" and detail["held"] is True

    status, body = await lianshan.call("POST", f"{path}/status", {"status": "waiting_resident"})
    assert status == 200 and body == {"id": case_id, "status": "waiting_resident"}
    status, body = await lianshan.call("POST", f"{path}/status", {"status": "closed"})
    assert status == 400 and body["error"].startswith("status")

    status, body = await lianshan.call("POST", f"{path}/close", {"resolution": "answered"})
    assert status == 200 and body == {"id": case_id, "status": "closed"}
    for route, payload in [("messages", {"text": "还在吗"}), ("close", {"resolution": "x"}),
                           ("status", {"status": "resolved"}), ("take", None)]:  # fmt: skip
        status, body = await lianshan.call("POST", f"{path}/{route}", payload)
        assert status == 409, (route, body)


async def test_reassign_is_for_supervisors(server: Served, staff_client: Any) -> None:
    ids = await open_queue(server)
    qingyuan = await signed_in(staff_client, "qingyuan")
    supervisor = await signed_in(staff_client, "qy-super")
    path = f"/staff/api/cases/{ids['crisis']}"
    assert (await qingyuan.call("POST", f"{path}/take"))[0] == 200

    status, body = await qingyuan.call("POST", f"{path}/reassign", {"username": "lianshan"})
    assert status == 403
    for username in ("shaoguan", "auditor", "nobody"):  # not covering 连山, not a caseworker
        status, body = await supervisor.call("POST", f"{path}/reassign", {"username": username})
        assert status == 400 and body["error"].startswith("assignee"), (username, body)
    status, body = await supervisor.call("POST", f"{path}/reassign", {"username": "lianshan"})
    assert status == 200 and body["assignee"] == "lianshan" and body["status"] == "assigned"
    status, body = await supervisor.call("POST", f"{path}/reassign", {})
    assert status == 400 and body == {"error": "username: required"}
    async with server.sessionmaker() as session:
        refused = await session.scalar(select(StaffAccess).where(
            StaffAccess.action == "case.reassign", StaffAccess.allowed.is_(False)))  # fmt: skip
    assert refused is not None and refused.resource == f"case:{ids['crisis']}"


async def _person_id(server: Served, id_number: str) -> int:
    async with server.sessionmaker() as session:
        for person in await session.scalars(select(Person)):
            if person.id_number == id_number:
                return person.id
    raise AssertionError


async def paper_consent(server: Served) -> dict[str, Any]:
    """A visit's findings: story A's applicant signs the paper authorization (the spouse
    consented at the office), so the pre-check may read the departments."""
    return {"findings": {"consents_signed": [f"p{await _person_id(server, story_ids('A')[0])}"]}}


async def test_person_card_masked_callback_in_full(server: Served, staff_client: Any) -> None:
    from store.demo.fixtures import fixture_by_story

    case_id = await story_a_handoff(server, "wechat:dave")
    applicant = fixture_by_story("A").members[0]
    person_id = await _person_id(server, applicant.id_number)
    lianshan = await signed_in(staff_client, "lianshan")
    path = f"/staff/api/people/{person_id}"

    status, card = await lianshan.call("GET", path)
    assert status == 200
    assert card["name"] == applicant.name[0] + "*" * (len(applicant.name) - 1)
    assert card["id_number"] == applicant.id_number[:4] + "*" * 10 + applicant.id_number[-4:]
    assert applicant.phone and card["phone"] == (
        f"{applicant.phone[:3]}****{applicant.phone[-4:]}") and card["phone_in_full"] is False
    assert card["relation"] == "applicant" and card["region_code"] == "441825"
    assert [c["id"] for c in card["open_cases"]] == [case_id]

    status, card = await lianshan.call("GET", f"{path}?purpose=callback")
    assert status == 200 and card["phone"] == applicant.phone and card["phone_in_full"]
    auditor = await signed_in(staff_client, "auditor")
    assert (await auditor.call("GET", path))[0] == 200  # auditors read...
    assert (await auditor.call("GET", f"{path}?purpose=callback"))[0] == 403  # ...not call
    status, body = await lianshan.call("GET", f"{path}?purpose=curiosity")
    assert status == 400 and body["error"].startswith("purpose")
    shaoguan = await signed_in(staff_client, "shaoguan")
    assert (await shaoguan.call("GET", path))[0] == 403

    async with server.sessionmaker() as session:
        rows = list(await session.scalars(select(StaffAccess).where(
            StaffAccess.resource == f"person:{person_id}").order_by(StaffAccess.id)))  # fmt: skip
    assert [(r.purpose, r.allowed) for r in rows] == [
        ("case_work", True), ("callback", True), ("case_work", True), ("callback", False),
        ("case_work", False),
    ]
    assert all(r.person_hash and r.region_code == "441825" for r in rows)


async def test_transcript_masked_and_audited(server: Served, staff_client: Any) -> None:
    case_id = await story_a_handoff(server, "wechat:erin")
    lianshan = await signed_in(staff_client, "lianshan")
    status, body = await lianshan.call("GET", f"/staff/api/cases/{case_id}/transcript")
    assert status == 200 and body["case_id"] == case_id
    messages = body["messages"]
    said = [m["text"] for m in messages if m["direction"] == "in"]
    number = story_ids("A")[0]
    assert said[0] == "/start" and said[-1] == "转人工"
    assert number[:4] + "*" * 10 + number[-4:] in said  # the ID number as typed, masked
    assert number not in str(messages)
    assert any("服务编号" in m["text"] for m in messages if m["direction"] == "out")
    assert {m["channel"] for m in messages} == {"rest"}
    shaoguan = await signed_in(staff_client, "shaoguan")
    assert (await shaoguan.call("GET", f"/staff/api/cases/{case_id}/transcript"))[0] == 403
    async with server.sessionmaker() as session:
        rows = list(await session.scalars(
            select(StaffAccess).where(StaffAccess.action == "transcript.read")))  # fmt: skip
    assert [(r.purpose, r.allowed, r.region_code) for r in rows] == [
        ("transcript", True, "441825"), ("transcript", False, "441825")
    ]


async def test_documents_html_pdf_and_on_the_case(server: Served, staff_client: Any) -> None:
    case_id = await story_a_handoff(server, "wechat:frank")
    lianshan = await signed_in(staff_client, "lianshan")
    path = f"/staff/api/cases/{case_id}"
    status, visited = await lianshan.call("POST", f"{path}/visit",
                                          await paper_consent(server))  # fmt: skip
    assert status == 200, visited
    status, issued = await lianshan.call("POST", f"{path}/notices",
                                         {"kind": "verification_report"})  # fmt: skip
    assert status == 200, issued
    notice_id = issued["notice_id"]
    _, detail = await lianshan.call("GET", path)
    assert [(n["id"], n["kind"]) for n in detail["notices"]] == [(notice_id,
                                                                  "verification_report")]
    link = detail["notices"][0]["html"]
    assert link == f"/staff/api/documents/{notice_id}"

    async with lianshan.http.get(lianshan.base + link) as response:
        html = await response.text()
        assert response.status == 200 and response.content_type == "text/html"
        assert response.headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "核查报告" in html and story_ids("A")[0] not in html
    async with lianshan.http.get(lianshan.base + detail["notices"][0]["pdf"]) as response:
        pdf = await response.read()
        assert response.status == 200 and response.content_type == "application/pdf"
        assert response.headers["Content-Disposition"] == (
            f'inline; filename="verification_report-{notice_id}.pdf"')
    assert pdf.startswith(b"%PDF-")
    status, body = await lianshan.call("GET", f"{link}?format=docx")
    assert status == 400 and body["error"].startswith("format")
    shaoguan = await signed_in(staff_client, "shaoguan")
    assert (await shaoguan.call("GET", link))[0] == 403
    assert (await shaoguan.call("GET", f"{link}?format=pdf"))[0] == 403


async def test_audit_log_for_auditors_only(server: Served, staff_client: Any) -> None:
    case_id = await story_a_handoff(server, "wechat:grace")
    lianshan = await signed_in(staff_client, "lianshan")
    assert (await lianshan.call("POST", f"/staff/api/cases/{case_id}/visit",
                                await paper_consent(server)))[0] == 200  # departments read
    shaoguan = await signed_in(staff_client, "shaoguan")
    assert (await shaoguan.call("GET", f"/staff/api/cases/{case_id}"))[0] == 403
    status, body = await lianshan.call("GET", "/staff/api/audit")
    assert status == 403

    auditor = await signed_in(staff_client, "auditor")
    status, trail = await auditor.call("GET", "/staff/api/audit")
    assert status == 200
    actions = {(a["staff"], a["action"], a["allowed"]) for a in trail["staff_access"]}
    assert {("lianshan", "case.visit", True), ("shaoguan", "case.read", False),
            ("lianshan", "audit.read", False), ("auditor", "audit.read", True)} <= actions
    by_staff = [r for r in trail["department_reads"] if r["actor"] == "staff:lianshan"]
    # One read per member of story A's family of four, each behind its own consent check.
    assert len({r["person_hash"] for r in by_staff}) == 4
    assert any(r["allowed"] for r in by_staff) and all(r["purpose"] == "home visit"
                                                       for r in by_staff)  # fmt: skip
    assert story_ids("A")[0] not in str(trail)

    status, trail = await auditor.call("GET", "/staff/api/audit?staff=shaoguan&allowed=false")
    assert status == 200 and trail["department_reads"] == []
    assert [(a["action"], a["resource"]) for a in trail["staff_access"]] == [
        ("case.read", f"case:{case_id}")
    ]
    status, trail = await auditor.call("GET", "/staff/api/audit?since=2026-12-02")
    assert status == 200 and trail["staff_access"] == [] and trail["department_reads"] == []
    status, trail = await auditor.call("GET", "/staff/api/audit?since=2026-12-01T11:00%2B08:00")
    assert status == 200 and trail["staff_access"]  # noon in Guangdong: after 11:00
    for bad in ("since=yesterday", "allowed=yes"):
        status, body = await auditor.call("GET", f"/staff/api/audit?{bad}")
        assert status == 400 and body["error"].startswith(bad.split("=")[0]), body


async def test_csv_export_of_the_queue(server: Served, staff_client: Any) -> None:
    ids = await open_queue(server)
    async with transaction(server.sessionmaker) as session:
        formula = await open_case(session, kind="complaint", region_code="441825",
                                  summary='=HYPERLINK("http://evil/")')  # fmt: skip
        await session.commit()
    qingyuan = await signed_in(staff_client, "qingyuan")
    async with qingyuan.http.get(qingyuan.base + "/staff/api/cases.csv?kind=complaint") as r:
        assert r.status == 200 and r.content_type == "text/csv" and r.charset == "utf-8"
        assert r.headers["Content-Disposition"] == 'attachment; filename="cases-2026-12-01.csv"'
        raw = await r.read()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["id", "kind", "status", "priority", "region_code", "assignee",
                             "created_at", "first_contact_at", "closed_at", "summary"]  # fmt: skip
    assert {int(r["id"]): r["summary"] for r in rows} == {
        ids["complaint"]: "test case complaint", formula.id: "'=HYPERLINK(\"http://evil/\")"
    }
    shaoguan = await signed_in(staff_client, "shaoguan")
    async with shaoguan.http.get(shaoguan.base + "/staff/api/cases.csv") as r:
        theirs = list(csv.DictReader(io.StringIO((await r.read()).decode("utf-8-sig"))))
    assert [int(r["id"]) for r in theirs] == [ids["shaoguan"]]
    async with server.sessionmaker() as session:
        exports = list(await session.scalars(
            select(StaffAccess).where(StaffAccess.action == "cases.export")))  # fmt: skip
    assert [(e.purpose, e.allowed) for e in exports] == [("export", True), ("export", True)]
