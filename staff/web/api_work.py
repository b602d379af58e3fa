"""The JSON API's routes for work with other departments and the four eyes.

Same conventions as :mod:`staff.web.api` (session cookie, ``X-CSRF-Token`` on changes,
``{"error"}`` with 400/401/403/404/409). Amounts are yuan per month; dates ISO.

==============================================  ==========================================
``POST /cases/{id}/referrals``                   ``{"department", "program", "note"?,
                                                 "person_id"?}`` → the referral, ``sent``
``GET  /cases/{id}/referrals``                   ``{"referrals": [...]}`` of the case
``GET  /referrals?status=&breached=``            of families in your jurisdiction
``POST /referrals/{id}``                         ``{"status": "acknowledged" | "granted" |
                                                 "declined", "monthly_amount"?,
                                                 "start_date"?}``: the department's answer
``POST /cases/{id}/decisions``                   ``{"benefit_id", "action": "stop" |
                                                 "reduce", "new_amount"?, "reason"}``
``GET  /decisions?status=``                      proposals in your jurisdiction
``POST /decisions/{id}/approve``                 a supervisor, not the proposer
``POST /decisions/{id}/reject {"reason"}``       the same; the benefit stays
==============================================  ==========================================
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web

from jiuzhu import clock
from staff import cases, decisions, referrals
from staff.web.api import body, case_id, flag, path_id
from staff.web.guard import principal
from staff.web.keys import DB, PUSH
from store.models import Benefit, BenefitDecision, Referral


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def referral_json(r: Referral, *, note: bool = False) -> dict[str, Any]:
    """A referral with its department's and program's names and its clock; ``note`` (the
    caseworker's words, personal) only where the case itself is read."""
    late = referrals.deadline(r).breached(clock.now())
    found = {
        "id": r.id, "case_id": r.case_id, "family_id": r.family_id, "person_id": r.person_id,
        "department": r.department, "department_name": referrals.department_name(r.department),
        "program": r.program, "program_name": referrals.program_name(r.program),
        "status": r.status, "created_at": _iso(r.created_at),
        "acknowledge_by": _iso(r.acknowledge_by), "acknowledged_at": _iso(r.acknowledged_at),
        "decided_at": _iso(r.decided_at), "benefit_id": r.benefit_id,
        "breaches": [referrals.CLOCK] if late else [],
    }  # fmt: skip
    return (found | {"note": r.note}) if note else found


def benefit_json(b: Benefit) -> dict[str, Any]:
    """A benefit row as the happiness list counts it."""
    return {"id": b.id, "family_id": b.family_id, "person_id": b.person_id,
            "program": b.program, "department": b.department,
            "monthly_amount": float(b.monthly_amount), "start_date": _iso(b.start_date),
            "end_date": _iso(b.end_date)}  # fmt: skip


def decision_json(d: BenefitDecision, names: dict[int, str]) -> dict[str, Any]:
    """A proposal and, once decided, who decided it and when."""
    return {
        "id": d.id, "case_id": d.case_id, "benefit_id": d.benefit_id, "action": d.action,
        "new_amount": float(d.new_amount) if d.new_amount is not None else None,
        "reason": d.reason, "visit_id": d.visit_id, "status": d.status,
        "proposed_by": names.get(d.proposed_by), "decided_by": names.get(d.decided_by or 0),
        "created_at": _iso(d.created_at), "decided_at": _iso(d.decided_at),
    }  # fmt: skip


async def _names(request: web.Request, *found: BenefitDecision) -> dict[int, str]:
    ids = {d.proposed_by for d in found} | {d.decided_by for d in found if d.decided_by}
    return await cases.usernames(request[DB], ids)


async def refer(request: web.Request) -> web.Response:
    """Refer the case's family to a department."""
    data = await body(request)
    referral = await referrals.refer(
        request[DB], principal(request), case_id(request), department=data.get("department"),
        program=data.get("program"), note=data.get("note"), person_id=data.get("person_id"),
    )  # fmt: skip
    return web.json_response(referral_json(referral, note=True))


async def case_referrals(request: web.Request) -> web.Response:
    """The case's referrals, with their notes."""
    found = await referrals.case_referrals(request[DB], principal(request), case_id(request))
    return web.json_response({"referrals": [referral_json(r, note=True) for r in found]})


async def list_referrals(request: web.Request) -> web.Response:
    """The jurisdiction's referrals (no notes), filtered."""
    q = request.query
    filters = referrals.ReferralFilter(status=q.get("status") or None,
                                       breached=flag(q, "breached"))  # fmt: skip
    found = await referrals.list_referrals(request[DB], principal(request), filters)
    return web.json_response({"referrals": [referral_json(r) for r in found]})


async def answer_referral(request: web.Request) -> web.Response:
    """Record the department's answer; a grant is pushed to the resident."""
    data = await body(request)
    referral = await referrals.answer(
        request[DB], principal(request), path_id(request, "referral_id"),
        status=data.get("status"), monthly_amount=data.get("monthly_amount"),
        start_date=data.get("start_date"),
    )  # fmt: skip
    request[PUSH] = referral.case_id  # a grant is told to the resident
    return web.json_response(referral_json(referral))


async def propose(request: web.Request) -> web.Response:
    """Propose a stop or a reduction (four eyes: the first pair)."""
    data = await body(request)
    decision = await decisions.propose(
        request[DB], principal(request), case_id(request), benefit_id=data.get("benefit_id"),
        action=data.get("action"), reason=data.get("reason"),
        new_amount=data.get("new_amount"),
    )  # fmt: skip
    return web.json_response(decision_json(decision, await _names(request, decision)))


async def list_decisions(request: web.Request) -> web.Response:
    """The jurisdiction's proposals, filtered by status."""
    found = await decisions.list_decisions(request[DB], principal(request),
                                           request.query.get("status") or None)  # fmt: skip
    names = await _names(request, *found)
    return web.json_response({"decisions": [decision_json(d, names) for d in found]})


async def approve(request: web.Request) -> web.Response:
    """Approve a proposal (the second pair): the benefit rows as changed."""
    done = await decisions.approve(request[DB], principal(request),
                                   path_id(request, "decision_id"))  # fmt: skip
    return web.json_response({
        **decision_json(done.decision, await _names(request, done.decision)),
        "benefit": benefit_json(done.benefit),
        "new_benefit": benefit_json(done.started) if done.started else None,
    })  # fmt: skip


async def reject(request: web.Request) -> web.Response:
    """Reject a proposal with a reason: nothing changes."""
    data = await body(request)
    decision = await decisions.reject(request[DB], principal(request),
                                      path_id(request, "decision_id"), data.get("reason"))
    return web.json_response(decision_json(decision, await _names(request, decision)))


def setup(app: web.Application) -> None:
    """Add these routes (relative to the staff app's ``/staff`` mount)."""
    r = app.router
    r.add_post("/api/cases/{case_id}/referrals", refer)
    r.add_get("/api/cases/{case_id}/referrals", case_referrals)
    r.add_get("/api/referrals", list_referrals)
    r.add_post("/api/referrals/{referral_id}", answer_referral)
    r.add_post("/api/cases/{case_id}/decisions", propose)
    r.add_get("/api/decisions", list_decisions)
    r.add_post("/api/decisions/{decision_id}/approve", approve)
    r.add_post("/api/decisions/{decision_id}/reject", reject)
