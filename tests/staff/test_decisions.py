"""Four eyes over loopback HTTP: a benefit is stopped or reduced only after a recorded home
visit and a second person's approval, a supervisor of the region who did not propose it.

Story A (连山 441825) receives 单独纳入低保 600 yuan/month and 困难残疾人生活补贴 217 for the
mother, and 低保边缘 (0, in kind) for the family, since 2026-08-01. The suite's day is
Tuesday 2026-12-01: this month ends on Thursday 2026-12-31.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from eligibility.precheck import load_family
from store.benefits import happiness_list
from store.models import Benefit, Family, StaffAccess
from tests.conftest import TEST_TODAY
from tests.staff.conftest import RestResident, Served, StaffClient, add_staff
from tests.staff.test_referrals import resident_case

pytestmark = pytest.mark.skipif(
    date(2026, 12, 1) != TEST_TODAY, reason="dates worked out by hand for 2026-12-01"
)
ROOT = Path(__file__).parents[2]
MORE_STAFF = {"qy-super2": ("supervisor", "4418"), "qy-super3": ("supervisor", "4418"),
              "sg-super": ("supervisor", "4402")}  # fmt: skip


@pytest.fixture(params=["server", pytest.param("server_pg", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Served:
    """The served app on SQLite, then on PostgreSQL."""
    return request.getfixturevalue(request.param)


@pytest.fixture
async def served(backend: Served) -> Served:
    """The same with :data:`MORE_STAFF`."""
    await add_staff(backend, MORE_STAFF)
    return backend


@pytest.fixture
async def signed_in(served: Served) -> AsyncIterator[Callable[..., object]]:
    """``await signed_in("lianshan")`` → a signed-in :class:`StaffClient`."""
    made: list[StaffClient] = []

    async def sign_in(username: str) -> StaffClient:
        client = StaffClient(served.base)
        made.append(client)
        assert await client.login(username) == 200
        return client

    yield sign_in
    for client in made:
        await client.close()


async def benefits_of(served: Served, family_id: int) -> dict[str, list[Benefit]]:
    async with served.sessionmaker() as session:
        rows = await session.scalars(
            select(Benefit).where(Benefit.family_id == family_id).order_by(Benefit.id))
    found: dict[str, list[Benefit]] = {}
    for row in rows:
        found.setdefault(row.program, []).append(row)
    return found


async def lines_on(served: Served, family_id: int, on: date) -> dict[str, float]:
    """Program → yuan/month on the family's happiness list of day ``on``."""
    async with served.sessionmaker() as session:
        listed = await happiness_list(session, await load_family(session, family_id), on)
    return {line.program: line.monthly_amount for g in listed.groups for line in g.lines}


async def test_stop_and_reduce_take_a_visit_and_a_second_supervisor(
    served: Served, signed_in: Callable[..., object]
) -> None:
    resident, case_id = await resident_case(served, "four-eyes", "A")
    await resident.close()
    worker = await signed_in("lianshan")
    _, case = await worker.call("GET", f"/staff/api/cases/{case_id}")
    assert case["precheck"]["region"] == "441825"  # the handoff shows the family's pre-check
    family_id = case["family_id"]
    held = await benefits_of(served, family_id)
    dibao, disability = held["dibao_single"][0], held["disability_living_subsidy"][0]
    marginal = held["low_income_marginal"][0]
    assert (dibao.monthly_amount, disability.monthly_amount) == (600, 217)
    async with served.sessionmaker() as session:
        taishan = await session.scalar(
            select(Benefit.id).join(Family, Family.id == Benefit.family_id)
            .where(Family.region_code == "440781", Benefit.program == "dibao"))  # fmt: skip
    path = f"/staff/api/cases/{case_id}/decisions"
    reduce = {"benefit_id": dibao.id, "action": "reduce", "new_amount": 450,
              "reason": "入户核实：丈夫务工收入每月增加，按新收入重算差额"}  # fmt: skip

    status, error = await worker.call("POST", path, reduce)
    assert status == 409 and "home visit" in error["error"]  # no visit yet: no proposal
    status, visit = await worker.call("POST", f"/staff/api/cases/{case_id}/visit",
                                      {"findings": {"income_confirmed": True}})  # fmt: skip
    assert status == 200, visit

    for wrong, field in [
        (reduce | {"benefit_id": taishan}, "benefit_id"),  # 台山's, not this family's
        (reduce | {"benefit_id": "1"}, "benefit_id"),
        (reduce | {"action": "pause"}, "action"),
        (reduce | {"new_amount": None}, "new_amount"),
        (reduce | {"new_amount": 600}, "new_amount"),  # not lower
        (reduce | {"new_amount": 0}, "new_amount"),  # that is a stop
        (reduce | {"action": "stop"}, "new_amount"),  # a stop has no new amount
        (reduce | {"reason": "  "}, "reason"),
        ({k: v for k, v in reduce.items() if k != "reason"}, "reason"),
    ]:
        status, error = await worker.call("POST", path, wrong)
        assert status == 400 and error["error"].startswith(f"{field}:"), (wrong, error)
    outsider = await signed_in("shaoguan")
    assert (await outsider.call("POST", path, reduce))[0] == 403

    status, proposed = await worker.call("POST", path, reduce)
    assert status == 200, proposed
    assert (proposed["status"], proposed["proposed_by"], proposed["new_amount"]) == (
        "proposed", "lianshan", 450)  # fmt: skip
    assert proposed["visit_id"] == visit["visit_id"]
    status, error = await worker.call("POST", path, reduce | {"new_amount": 500})
    assert status == 409  # one proposal per benefit at a time

    super1, super2 = await signed_in("qy-super"), await signed_in("qy-super2")
    stop = {"benefit_id": disability.id, "action": "stop",
            "reason": "残疾证已注销（入户核实）"}  # fmt: skip
    status, stopping = await super1.call("POST", path, stop)  # a supervisor may propose
    assert status == 200, stopping
    _, waiting = await super2.call("GET", "/staff/api/decisions?status=proposed")
    assert [d["id"] for d in waiting["decisions"]] == [proposed["id"], stopping["id"]]
    _, none_there = await (await signed_in("sg-super")).call("GET", "/staff/api/decisions")
    assert none_there["decisions"] == []

    # Refused, and audited: the caseworker, the proposer, a supervisor of another region.
    refusals = [(worker, proposed), (super1, stopping), (await signed_in("sg-super"), stopping)]
    for who, decision in refusals:
        status, error = await who.call("POST", f"/staff/api/decisions/{decision['id']}/approve")
        assert status == 403, error
    assert await lines_on(served, family_id, date(2027, 1, 1)) == {
        "dibao_single": 600, "disability_living_subsidy": 217, "low_income_marginal": 0}

    status, reduced = await super1.call("POST", f"/staff/api/decisions/{proposed['id']}/approve")
    assert status == 200, reduced
    assert reduced["status"] == "approved" and reduced["decided_by"] == "qy-super"
    assert reduced["benefit"]["end_date"] == "2026-12-31"  # paid in full to the month's end
    assert reduced["new_benefit"]["start_date"] == "2027-01-01"
    assert reduced["new_benefit"]["monthly_amount"] == 450
    status, stopped = await super2.call("POST", f"/staff/api/decisions/{stopping['id']}/approve")
    assert status == 200 and stopped["benefit"]["end_date"] == "2026-12-31"
    assert stopped["new_benefit"] is None
    again = await super2.call("POST", f"/staff/api/decisions/{stopping['id']}/approve")
    assert again[0] == 409
    again_there = RestResident(served.base, resident.sender)
    again_there._n = 1000  # new message ids: the first ones were answered already
    try:  # the family hears each decision, with its reason
        told = await again_there.say("你好")
    finally:
        await again_there.close()
    assert "「单独纳入低保（单人户）」从 2027-01-01 起调整为每月 450 元" in told
    assert "按新收入重算差额" in told and "残疾证已注销" in told and "2026-12-31 为止" in told

    # The happiness list: December as before, January with the decisions.
    assert await lines_on(served, family_id, date(2026, 12, 31)) == {
        "dibao_single": 600, "disability_living_subsidy": 217, "low_income_marginal": 0}
    assert await lines_on(served, family_id, date(2027, 1, 1)) == {
        "dibao_single": 450, "low_income_marginal": 0}
    after = await benefits_of(served, family_id)
    assert [(b.monthly_amount, b.start_date, b.end_date) for b in after["dibao_single"]] == [
        (Decimal(600), dibao.start_date, date(2026, 12, 31)),
        (Decimal(450), date(2027, 1, 1), None)]  # fmt: skip

    # A rejection needs its reason and leaves the benefit alone.
    status, keep = await worker.call("POST", path, {"benefit_id": marginal.id, "action": "stop",
                                                    "reason": "数据预警：名下有车辆"})
    assert status == 200
    reject = f"/staff/api/decisions/{keep['id']}/reject"
    assert (await super1.call("POST", reject, {"reason": ""}))[0] == 400
    status, rejected = await super1.call("POST", reject, {"reason": "核实为电动自行车，不影响"})
    assert status == 200 and rejected["status"] == "rejected"
    assert (await super2.call("POST", f"/staff/api/decisions/{keep['id']}/approve"))[0] == 409
    assert "low_income_marginal" in await lines_on(served, family_id, date(2027, 6, 1))

    _, detail = await worker.call("GET", f"/staff/api/cases/{case_id}")
    steps = [(e["actor"], e["data"]["status"]) for e in detail["events"]
             if e["kind"] == "decision"]  # fmt: skip
    assert steps == [("staff:lianshan", "proposed"), ("staff:qy-super", "proposed"),
                     ("staff:qy-super", "approved"), ("staff:qy-super2", "approved"),
                     ("staff:lianshan", "proposed"), ("staff:qy-super", "rejected")]
    async with served.sessionmaker() as session:
        denied = list(await session.execute(
            select(StaffAccess.staff_id, StaffAccess.action, StaffAccess.resource)
            .where(StaffAccess.allowed.is_(False), StaffAccess.action == "decision.approve")
            .order_by(StaffAccess.id)
        ))  # fmt: skip
    assert [(action, resource) for _, action, resource in denied] == [
        ("decision.approve", f"case:{case_id}")] * 3
    assert len({staff_id for staff_id, _, _ in denied}) == 3  # each refusal under its name


async def test_supervisors_approving_at_once_decide_once(
    served: Served, signed_in: Callable[..., object]
) -> None:
    resident, case_id = await resident_case(served, "four-eyes-race", "A")
    await resident.close()
    worker = await signed_in("lianshan")
    _, case = await worker.call("GET", f"/staff/api/cases/{case_id}")
    dibao = (await benefits_of(served, case["family_id"]))["dibao_single"][0]
    await worker.call("POST", f"/staff/api/cases/{case_id}/visit", {"findings": {}})
    _, proposed = await worker.call("POST", f"/staff/api/cases/{case_id}/decisions", {
        "benefit_id": dibao.id, "action": "reduce", "new_amount": 300, "reason": "入户核实"})
    supervisors = [await signed_in(name) for name in ("qy-super", "qy-super2", "qy-super3")]
    answers = await asyncio.gather(*[
        s.call("POST", f"/staff/api/decisions/{proposed['id']}/approve") for s in supervisors])
    assert sorted(status for status, _ in answers) == [200, 409, 409], answers
    rows = (await benefits_of(served, case["family_id"]))["dibao_single"]
    assert [b.monthly_amount for b in rows] == [600, 300]  # reduced once, not twice


def _benefit_writes(path: Path) -> list[str]:
    """Where ``path`` ends or deletes a benefit: ``.end_date = ...``, ``end_date=...``,
    ``{Benefit.end_date: ...}``, ``setattr(x, "end_date", ...)``, ``delete(Benefit)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        hits = [t for t in targets if isinstance(t, ast.Attribute) and t.attr == "end_date"]
        if isinstance(node, ast.keyword) and node.arg == "end_date":
            hits.append(node)
        if isinstance(node, ast.Dict):
            hits += [k for k in node.keys
                     if isinstance(k, ast.Attribute) and k.attr == "end_date"]  # fmt: skip
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [a for a in node.args if isinstance(a, ast.Name | ast.Constant)]
            if node.func.id == "setattr" and any(getattr(a, "value", None) == "end_date"
                                                 for a in args):  # fmt: skip
                hits.append(node)
            if node.func.id == "delete" and any(getattr(a, "id", None) == "Benefit"
                                                for a in args):  # fmt: skip
                hits.append(node)
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        found += [f"{where}:{h.lineno}" for h in hits]  # type: ignore[attr-defined]
    return found


def test_only_an_approved_decision_ends_a_benefit(tmp_path: Path) -> None:
    """A warning is not a veto: no other code of the dialogue or the staff side can end one."""
    sources = [p for package in ("bot", "staff", "eligibility", "nlu", "jiuzhu", "batch")
               for p in sorted((ROOT / package).rglob("*.py"))]  # fmt: skip
    writes = [w for p in sources for w in _benefit_writes(p)]
    assert writes, "the scan finds the approval's own writes"
    assert {w.split(":")[0] for w in writes} == {"staff/decisions.py"}, writes
    planted = tmp_path / "planted.py"  # the scan is not blind to the other forms
    planted.write_text("b.end_date = x\nupdate(B).values(end_date=x)\n"
                       "update(B).values({Benefit.end_date: x})\n"
                       "setattr(b, 'end_date', x)\ndelete(Benefit)\n")  # fmt: skip
    assert sorted(int(w.split(":")[-1]) for w in _benefit_writes(planted)) == [1, 2, 3, 4, 5]
