"""Referral (转介) over loopback HTTP: a caseworker of 连山 refers story A's mother to 残联,
records the department's answers, the grant lands on the happiness list and in the chat;
an acknowledgement that does not come in time is listed as a breach.

Every date here is worked out by hand for the suite's day, Tuesday 2026-12-01, 12:00 in
Guangdong (04:00 UTC).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.routers.benefits import program_title
from eligibility.precheck import load_family
from staff.referrals import PROGRAMS, department_name, program_name
from store.benefits import happiness_list
from store.models import Benefit, FamilyMember, Outbound, StaffAccess
from templates import texts
from tests.conftest import TEST_CLOCK, TEST_TODAY
from tests.journeys.conftest import story_ids
from tests.staff.conftest import RestResident, Served, StaffClient

pytestmark = pytest.mark.skipif(
    date(2026, 12, 1) != TEST_TODAY, reason="dates worked out by hand for 2026-12-01"
)


async def resident_case(served: Served, sender: str, story: str) -> tuple[RestResident, int]:
    """A resident of ``story`` who consented, pre-checked and asked for a person: the case."""
    resident = RestResident(served.base, sender)
    await resident.say("我想申请低保")
    await resident.press("同意授权")
    await resident.sign_in(story_ids(story)[0])
    opened = await resident.say("我要找人工客服")
    number = re.search(r"服务编号：(\d+)", opened)
    assert number, opened
    return resident, int(number.group(1))


async def members(served: Served, family_id: int) -> dict[str, int]:
    """Relation → person id (the first of each relation)."""
    async with served.sessionmaker() as session:
        rows = await session.execute(
            select(FamilyMember.relation, FamilyMember.person_id)
            .where(FamilyMember.family_id == family_id).order_by(FamilyMember.id)
        )  # fmt: skip
    found: dict[str, int] = {}
    for relation, person_id in rows:
        found.setdefault(relation, person_id)
    return found


@pytest.fixture(params=["server", pytest.param("server_pg", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest) -> Served:
    """The served app on SQLite, then on PostgreSQL."""
    return request.getfixturevalue(request.param)


@pytest.fixture
async def clients(served: Served) -> AsyncIterator[Callable[[], StaffClient]]:
    """A factory of :class:`StaffClient` for ``served``, closed after the test."""
    made: list[StaffClient] = []

    def make() -> StaffClient:
        made.append(StaffClient(served.base))
        return made[-1]

    yield make
    for client in made:
        await client.close()


def test_every_department_and_program_has_the_name_the_happiness_list_shows() -> None:
    l10n = texts("bot")
    assert set(PROGRAMS) == {"medical_insurance", "education", "housing",
                             "disability_federation", "human_resources"}  # fmt: skip
    shown = {code: department_name(code) for code in PROGRAMS}
    assert shown == {"medical_insurance": "医保", "education": "教育", "housing": "住建",
                     "disability_federation": "残联", "human_resources": "人社"}  # fmt: skip
    for programs in PROGRAMS.values():
        for program in programs:
            assert program_name(program) == program_title(l10n, program)
            assert not re.search(r"[a-z_]", program_name(program))  # a name, not the code


async def test_referral_granted_reaches_the_happiness_list_and_the_chat(
    served: Served, clients: Callable[[], StaffClient]
) -> None:
    server = served
    resident, case_id = await resident_case(server, "ref-a", "A")
    try:
        worker, outsider = clients(), clients()
        assert await worker.login("lianshan") == 200
        assert await outsider.login("shaoguan") == 200
        _, case = await worker.call("GET", f"/staff/api/cases/{case_id}")
        family_id = case["family_id"]
        mother = (await members(server, family_id))["applicant"]
        path = f"/staff/api/cases/{case_id}/referrals"

        for wrong, field in [
            ({"department": "police", "program": "x"}, "department"),
            ({"department": "education", "program": "dibao"}, "program"),
            ({"department": "disability_federation", "program": "disability_care_subsidy",
              "person_id": 10**6}, "person_id"),
            ({"department": "housing", "program": "housing_assistance", "note": 5}, "note"),
            ({"program": "housing_assistance"}, "department"),
        ]:  # fmt: skip
            status, error = await worker.call("POST", path, wrong)
            assert status == 400 and error["error"].startswith(f"{field}:"), (wrong, error)

        asked = {"department": "disability_federation", "program": "disability_care_subsidy",
                 "note": "二级智力残疾，日常需要人照顾", "person_id": mother}  # fmt: skip
        status, _ = await outsider.call("POST", path, asked)
        assert status == 403
        status, sent = await worker.call("POST", path, asked)
        assert status == 200, sent
        assert sent["status"] == "sent" and sent["department_name"] == "残联"
        assert sent["program_name"] == "重度残疾人护理补贴" and sent["person_id"] == mother
        # Tuesday 12-01 12:00 + 5 working days: Wed 2, Thu 3, Fri 4, (weekend), Mon 7, Tue 8.
        assert datetime.fromisoformat(sent["acknowledge_by"]) == datetime.fromisoformat(
            "2026-12-08T12:00:00+08:00"
        )
        assert sent["breaches"] == [] and sent["benefit_id"] is None
        referral = f"/staff/api/referrals/{sent['id']}"

        _, listed = await worker.call("GET", "/staff/api/referrals?status=sent")
        assert [r["id"] for r in listed["referrals"]] == [sent["id"]]
        assert "note" not in listed["referrals"][0]  # the region's list holds no one's words
        _, theirs = await outsider.call("GET", "/staff/api/referrals")
        assert theirs["referrals"] == []
        status, error = await worker.call("GET", "/staff/api/referrals?status=lost")
        assert status == 400 and error["error"].startswith("status:")
        _, of_case = await worker.call("GET", path)
        assert of_case["referrals"][0]["note"] == asked["note"]

        status, _ = await outsider.call("POST", referral, {"status": "acknowledged"})
        assert status == 403
        status, acked = await worker.call("POST", referral, {"status": "acknowledged"})
        assert status == 200 and acked["status"] == "acknowledged"
        assert datetime.fromisoformat(acked["acknowledged_at"]) == TEST_CLOCK.now()
        status, _ = await worker.call("POST", referral, {"status": "acknowledged"})
        assert status == 409
        for wrong, field in [
            ({"status": "lost"}, "status"),
            ({"status": "granted", "start_date": "2026-12-01"}, "monthly_amount"),
            ({"status": "granted", "monthly_amount": -5, "start_date": "2026-12-01"},
             "monthly_amount"),
            ({"status": "granted", "monthly_amount": "150", "start_date": "2026-12-01"},
             "monthly_amount"),
            ({"status": "granted", "monthly_amount": 150}, "start_date"),
            ({"status": "granted", "monthly_amount": 150, "start_date": "2026-13-01"},
             "start_date"),
            ({"status": "granted", "monthly_amount": 150, "start_date": "2036-12-01"},
             "start_date"),
        ]:  # fmt: skip
            status, error = await worker.call("POST", referral, wrong)
            assert status == 400 and error["error"].startswith(f"{field}:"), (wrong, error)

        grant = {"status": "granted", "monthly_amount": 150, "start_date": "2026-12-01"}
        status, granted = await worker.call("POST", referral, grant)
        assert status == 200 and granted["status"] == "granted", granted
        assert granted["benefit_id"] is not None and granted["decided_at"] is not None
        status, _ = await worker.call("POST", referral, {"status": "declined"})
        assert status == 409  # the answer is final

        async with server.sessionmaker() as session:
            benefit = await session.get(Benefit, granted["benefit_id"])
            family = await load_family(session, family_id)
            on_list = await happiness_list(session, family, date(2026, 12, 1))
            before = await happiness_list(session, family, date(2026, 11, 30))
        assert (benefit.family_id, benefit.person_id, benefit.program, benefit.department,
                benefit.monthly_amount, benefit.start_date, benefit.end_date) == (
            family_id, mother, "disability_care_subsidy", "残联", Decimal("150.00"),
            date(2026, 12, 1), None)  # fmt: skip
        assert "disability_care_subsidy" in on_list.programs
        assert "disability_care_subsidy" not in before.programs
        assert on_list.monthly_total == pytest.approx(before.monthly_total + 150)

        told = await resident.say("好的")
        assert ("好消息：残疾人联合会已经为您家办理了「重度残疾人护理补贴」，已加入您的幸福清单。"
                in told)  # fmt: skip
        shown = await resident.say("我想看看我的待遇")
        assert "重度残疾人护理补贴：每月 150 元，2026-12-01 起，残联发放" in shown
    finally:
        await resident.close()

    async with server.sessionmaker() as session:
        denied = {tuple(row) for row in await session.execute(
            select(StaffAccess.action, StaffAccess.resource).where(
                StaffAccess.allowed.is_(False))
        )}  # fmt: skip
    assert denied == {("referral.create", f"case:{case_id}"),
                      ("referral.answer", f"referral:{sent['id']}")}  # fmt: skip


async def test_a_declined_referral_adds_nothing(server: Served, staff_client: Any) -> None:
    resident, case_id = await resident_case(server, "ref-b", "A")
    await resident.close()
    worker: StaffClient = staff_client()
    await worker.login("qingyuan")
    asked = {"department": "education", "program": "education_assistance"}
    _, sent = await worker.call("POST", f"/staff/api/cases/{case_id}/referrals", asked)
    status, declined = await worker.call("POST", f"/staff/api/referrals/{sent['id']}",
                                         {"status": "declined"})  # fmt: skip
    assert status == 200 and declined["status"] == "declined"
    assert declined["benefit_id"] is None
    # Declining without a separate acknowledgement is also the acknowledgement.
    assert declined["acknowledged_at"] == declined["decided_at"] is not None
    async with server.sessionmaker() as session:
        programs = set(await session.scalars(
            select(Benefit.program).where(Benefit.family_id == sent["family_id"])))  # fmt: skip
        told = await session.scalar(select(Outbound.id).where(Outbound.case_id == case_id))
    assert "education_assistance" not in programs
    assert told is None  # nothing to tell the resident


async def test_an_acknowledgement_not_in_time_is_a_breach(
    server: Served, staff_client: Any
) -> None:
    resident, case_id = await resident_case(server, "ref-c", "A")
    await resident.close()
    asked = {"department": "medical_insurance", "program": "medical_insurance_subsidy"}
    worker: StaffClient = staff_client()
    await worker.login("lianshan")
    _, sent = await worker.call("POST", f"/staff/api/cases/{case_id}/referrals", asked)
    started = TEST_CLOCK.at
    try:
        # Due Tuesday 2026-12-08 12:00 in Guangdong = 04:00 UTC, 7 days after the suite's noon.
        for later, breached in [(timedelta(days=7), False),
                                (timedelta(days=7, minutes=1), True)]:  # fmt: skip
            TEST_CLOCK.at = started + later
            late = staff_client()  # sessions last 8 hours by the same clock: sign in again
            assert await late.login("lianshan") == 200
            _, overdue = await late.call("GET", "/staff/api/referrals?breached=true")
            _, on_time = await late.call("GET", "/staff/api/referrals?breached=false")
            ids = [r["id"] for r in overdue["referrals"]]
            assert (sent["id"] in ids) is breached
            assert (sent["id"] in [r["id"] for r in on_time["referrals"]]) is not breached
        assert overdue["referrals"][0]["breaches"] == ["referral_acknowledgement"]
        _, acked = await late.call("POST", f"/staff/api/referrals/{sent['id']}",
                                   {"status": "acknowledged"})  # fmt: skip
        assert acked["breaches"] == ["referral_acknowledgement"]  # met, but late
        status, error = await late.call("GET", "/staff/api/referrals?breached=maybe")
        assert status == 400 and error["error"].startswith("breached:")
    finally:
        TEST_CLOCK.at = started
