"""The statutory clocks of a case (``staff/parameters/clocks.yaml``) on real case rows of
both databases, every due date worked out by hand on the calendar of December 2026:

    Mo Tu We Th Fr Sa Su
        1  2  3  4  5  6
     7  8  9 10 11 12 13
    14 15 16 17 18 19 20
    21 22 23 24 25 26 27
    28 29 30 31 | 2027: Fr 1, Mo 4, Tu 5

Times are Guangdong's (UTC+8); working days are Monday to Friday [A].
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jiuzhu import clock
from staff.cases import open_case
from staff.clocks import breaches, deadlines, figure
from store.models import Case
from store.session import transaction
from tests.conftest import TEST_CLOCK, TEST_TODAY
from tests.staff.conftest import RestResident, Served

Sessions = async_sessionmaker[AsyncSession]


def local(text: str) -> datetime:
    """``"2026-12-03 10:00"`` in Guangdong time."""
    return datetime.fromisoformat(text).replace(tzinfo=clock.LOCAL)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    saved = TEST_CLOCK.at
    TEST_CLOCK.at = moment
    try:
        yield
    finally:
        TEST_CLOCK.at = saved


async def opened(sessionmaker: Sessions, when: str, kind: str, **fields: Any) -> Case:
    """A case opened at local time ``when``, read back from the database."""
    with clock_at(local(when)):
        async with transaction(sessionmaker) as session:
            case = await open_case(session, kind=kind, region_code="441825",
                                   summary=f"clock test: {kind}", **fields)  # fmt: skip
    async with sessionmaker() as session:
        return await session.get(Case, case.id)


def due(case: Case, **kwargs: Any) -> dict[str, datetime]:
    return {d.name: d.due for d in deadlines(case, **kwargs)}


def test_the_figures_are_the_dated_parameters() -> None:
    on = date(2026, 12, 1)
    figures = {name: figure(name, on) for name in ("first_contact", "crisis_contact",
                                                   "decision", "refusal_notice")}  # fmt: skip
    assert figures == {"first_contact": 3, "crisis_contact": 1, "decision": 10,
                       "refusal_notice": 3}  # fmt: skip


async def test_first_contact_is_three_working_days_across_a_weekend(
    sessionmaker: Sessions,
) -> None:
    # Thursday 3rd 10:00 + 3 working days: Fri 4 (1), Sat/Sun skipped, Mon 7 (2), Tue 8 (3).
    thursday = await opened(sessionmaker, "2026-12-03 10:00", "handoff")
    assert due(thursday) == {"first_contact": local("2026-12-08 10:00")}
    # Opened on Saturday 5th 15:00: the clock starts Monday 7th 15:00; Tue 8, Wed 9, Thu 10.
    saturday = await opened(sessionmaker, "2026-12-05 15:00", "complaint")
    assert due(saturday) == {"first_contact": local("2026-12-10 15:00")}
    # Thursday 31st + 3: Fri 1 January (a public holiday the calendar does not know [A]),
    # Mon 4, Tue 5.
    new_year = await opened(sessionmaker, "2026-12-31 09:30", "handoff")
    assert due(new_year) == {"first_contact": local("2027-01-05 09:30")}


async def test_a_crisis_is_one_hour_day_or_night(sessionmaker: Sessions) -> None:
    # Saturday 5th 23:30 + 1 hour = Sunday 6th 00:30: hours, weekends included.
    crisis = await opened(sessionmaker, "2026-12-05 23:30", "crisis")
    assert crisis.priority == "urgent"
    assert due(crisis) == {"first_contact": local("2026-12-06 00:30")}
    # Any case made urgent gets the same hour.
    urgent = await opened(sessionmaker, "2026-12-01 12:00", "handoff", priority="urgent")
    assert due(urgent) == {"first_contact": local("2026-12-01 13:00")}


async def test_decision_and_refusal_notice_clocks(sessionmaker: Sessions) -> None:
    # Tuesday 1st 12:00 + 10 working days: 2 3 4 | 7 8 9 10 11 | 14 15 → Tuesday 15th.
    # + 3 working days: Wed 2, Thu 3, Fri 4.
    visit = await opened(sessionmaker, "2026-12-01 12:00", "home_visit")
    assert due(visit) == {"first_contact": local("2026-12-04 12:00"),
                          "decision": local("2026-12-15 12:00")}  # fmt: skip
    dispute = await opened(sessionmaker, "2026-12-01 12:00", "dispute")
    assert due(dispute) == {"first_contact": local("2026-12-04 12:00"),
                            "decision": local("2026-12-15 12:00"),
                            "refusal_notice": local("2026-12-04 12:00")}  # fmt: skip
    # Friday 11th 16:00 + 10: 14 15 16 17 18 | 21 22 23 24 25 → Friday 25th.
    review = await opened(sessionmaker, "2026-12-11 16:00", "periodic_review")
    assert due(review)["decision"] == local("2026-12-25 16:00")


async def test_breaches_listed_when_late_and_met_when_in_time(sessionmaker: Sessions) -> None:
    case = await opened(sessionmaker, "2026-12-03 10:00", "handoff")  # due Tue 8th 10:00
    assert breaches(case, local("2026-12-08 10:00")) == []  # on the minute: in time
    assert breaches(case, local("2026-12-08 10:01")) == ["first_contact"]
    case.first_contact_at = local("2026-12-07 17:00")  # Monday: in time, met for good
    assert breaches(case, local("2027-03-01 00:00")) == []
    case.first_contact_at = local("2026-12-09 09:00")  # Wednesday: met, but late
    assert breaches(case, local("2026-12-09 09:00")) == ["first_contact"]

    dispute = await opened(sessionmaker, "2026-12-01 12:00", "dispute")
    dispute.first_contact_at = local("2026-12-02 09:00")
    # The refusal notice on Monday 7th: after Friday 4th's deadline, before the decision's.
    notice = local("2026-12-07 11:00")
    assert breaches(dispute, local("2026-12-07 11:00"), decided_at=notice) == [
        "refusal_notice"]  # fmt: skip
    in_time = local("2026-12-04 11:59")
    assert breaches(dispute, local("2026-12-31 00:00"), decided_at=in_time) == []
    # Nothing decided by Wednesday 16th: both decision clocks are breached.
    assert breaches(dispute, local("2026-12-16 00:00")) == ["decision", "refusal_notice"]


@pytest.mark.skipif(date(2026, 12, 1) != TEST_TODAY, reason="counts from Tuesday 2026-12-01")
async def test_a_reply_in_time_keeps_the_case_off_the_breached_list(
    server: Served, staff_client: Any
) -> None:
    """Over HTTP: two residents ask for a person on Tuesday 1st 12:00 (due Friday 4th 12:00);
    the caseworker answers one the same day. On Saturday 5th only the other is breached."""
    residents = [RestResident(server.base, f"clock-{n}") for n in range(2)]
    try:
        for resident in residents:
            await resident.say("我要找人工客服")
        worker = staff_client()
        await worker.login("province")  # residents not signed in: the province's queue
        _, listed = await worker.call("GET", "/staff/api/cases?kind=handoff")
        answered, waiting = sorted(c["id"] for c in listed["cases"])
        reply = {"text": "您好，我们已收到，稍后联系您。"}
        sent, _ = await worker.call("POST", f"/staff/api/cases/{answered}/messages", reply)
        assert sent == 200
        _, none_yet = await worker.call("GET", "/staff/api/cases?breached=true")
        assert none_yet["cases"] == []
        with clock_at(local("2026-12-05 09:00")):
            late = staff_client()  # a new day, a new sign-in (sessions last 8 hours)
            assert await late.login("province") == 200
            _, breached = await late.call("GET", "/staff/api/cases?breached=true")
            _, fine = await late.call("GET", "/staff/api/cases?breached=false")
        assert [c["id"] for c in breached["cases"]] == [waiting]
        assert answered in [c["id"] for c in fine["cases"]]
    finally:
        for resident in residents:
            await resident.close()

