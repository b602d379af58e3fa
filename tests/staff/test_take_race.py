"""Twenty caseworkers press "take" on one case at once: exactly one gets it (issue 10).

Real HTTP on loopback, twenty signed-in clients, ``asyncio.gather`` over their requests;
on PostgreSQL and on SQLite. The losers leave no trace: one assignee, one "assigned"
event, one "a person joined" message for the resident.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from staff.cases import Resident, open_case
from store.models import Case, CaseEvent, Outbound, StaffAccount
from store.session import transaction
from tests.staff.conftest import Served, StaffClient, add_staff

RACERS = {f"racer{n:02d}": ("caseworker", "4418" if n % 2 else "441825") for n in range(20)}
"""Twenty caseworkers covering 连山 (half of 清远, half of 连山 only)."""
ROUNDS = 3


async def race(served: Served) -> None:
    await add_staff(served, RACERS)
    clients = [StaffClient(served.base) for _ in RACERS]
    try:
        assert await asyncio.gather(*(c.login(u) for c, u in zip(clients, RACERS, strict=True))) \
            == [200] * len(RACERS)
        for n in range(ROUNDS):
            async with transaction(served.sessionmaker) as session:
                resident = Resident(sender_hash=f"race-{n}", channel="rest", address=f"r{n}")
                case = await open_case(session, kind="handoff", region_code="441825",
                                       summary="race", resident=resident)  # fmt: skip
                await session.commit()
            path = f"/staff/api/cases/{case.id}/take"
            started = time.perf_counter()
            answers = await asyncio.gather(*(c.call("POST", path) for c in clients))
            elapsed = time.perf_counter() - started
            statuses = Counter(status for status, _ in answers)
            assert statuses == {200: 1, 409: 19}, answers
            winner = next(body["assignee"] for status, body in answers if status == 200)
            losers = [body["error"] for status, body in answers if status == 409]
            assert set(losers) == {f"case {case.id} is taken already by {winner}"}
            async with served.sessionmaker() as session:
                row = await session.get(Case, case.id)
                assignee = await session.get(StaffAccount, row.assignee_id)
                events = await session.scalar(select(func.count()).select_from(CaseEvent).where(
                    CaseEvent.case_id == case.id, CaseEvent.kind == "assigned"))  # fmt: skip
                joined = await session.scalar(select(func.count()).select_from(Outbound).where(
                    Outbound.case_id == case.id))  # fmt: skip
            assert (assignee.username, row.status, row.held) == (winner, "assigned", True)
            assert (events, joined) == (1, 1)
            print(f"{served.settings.database_url.split(':')[0]} round {n}: 20 takes in "
                  f"{elapsed * 1000:.0f} ms, won by {winner}")
    finally:
        for c in clients:
            await c.close()


@pytest.mark.postgres
async def test_twenty_takes_on_postgres(server_pg: Served) -> None:
    await race(server_pg)


async def test_twenty_takes_on_sqlite(server: Served) -> None:
    await race(server)
