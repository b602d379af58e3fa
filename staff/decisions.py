"""Four eyes (双人复核): stopping or reducing a benefit takes two people and a visit.

A warning is not a veto (预警不等于一票否决; 应退尽退 only after verification): a caseworker
proposes a stop or a reduction, with the reason, on a case with a recorded home visit; a
supervisor of the region who is not the proposer approves or rejects it. Only an approval
ends a :class:`~store.models.Benefit`: this module is the one place on the staff side that
sets ``end_date`` (a test holds it to that).

- stop: the benefit is paid to the end of this month (by the injected clock), then ends;
- reduce: the current row ends with this month and a row at the new amount starts on the
  1st of next month, so the happiness list shows each amount for its months.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu import clock
from jiuzhu.errors import InvalidInput
from staff import relay
from staff.access import Principal, authorize, in_jurisdiction
from staff.cases import add_event, get_case
from staff.errors import Conflict, Forbidden, NotFound
from staff.referrals import parse_monthly_amount, program_name
from store.models import Benefit, BenefitDecision, Case, HomeVisitRecord, StaffAccess
from store.pii import mask_text
from templates import texts, yuan

ACTIONS = ("stop", "reduce")
STATUSES = ("proposed", "approved", "rejected")
REASON_LIMIT = 2000
"""[A] Characters of a proposal's or a rejection's reason."""
PURPOSE = "four eyes"


@dataclass(frozen=True)
class Outcome:
    """An approved proposal: the benefit it changed and, for a reduction, the new row."""

    decision: BenefitDecision
    benefit: Benefit
    started: Benefit | None = None


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=monthrange(day.year, day.month)[1])


def _reason(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > REASON_LIMIT:
        msg = f"reason: say why, in at most {REASON_LIMIT} characters"
        raise InvalidInput(msg)
    return mask_text(value.strip())


async def propose(
    session: AsyncSession,
    principal: Principal,
    case_id: int,
    *,
    benefit_id: Any,
    action: Any,
    reason: Any,
    new_amount: Any = None,
) -> BenefitDecision:
    """Propose to stop or reduce one of the case family's benefits (flushed).

    :param new_amount: for ``reduce``, yuan per month, below the current amount.
    :raises InvalidInput: an unknown action, no reason, a benefit not of the case's family,
        a reduction without a lower amount (or an amount with a stop).
    :raises Conflict: no home visit recorded on the case, the case is closed, the benefit
        has ended or has a proposal waiting already.
    """
    case = await get_case(session, principal, case_id, action="decision.propose",
                          needs="work", purpose=PURPOSE)  # fmt: skip
    if action not in ACTIONS:
        msg = f"action: expected one of {', '.join(ACTIONS)}"
        raise InvalidInput(msg)
    text = _reason(reason)
    benefit = None
    if isinstance(benefit_id, int) and not isinstance(benefit_id, bool):
        benefit = await session.get(Benefit, benefit_id)
    if benefit is None or case.family_id is None or benefit.family_id != case.family_id:
        msg = "benefit_id: expected the id of a benefit of the case's family"
        raise InvalidInput(msg)
    amount = None
    if action == "reduce":
        amount = parse_monthly_amount(new_amount, "new_amount")
        if not 0 < amount < benefit.monthly_amount:
            msg = (f"new_amount: above 0 and below the current {benefit.monthly_amount} yuan "
                   "per month (to end the benefit, propose a stop)")  # fmt: skip
            raise InvalidInput(msg)
    elif new_amount is not None:
        msg = "new_amount: only a reduction has a new amount"
        raise InvalidInput(msg)
    if case.status == "closed":
        msg = f"case {case_id} is closed"
        raise Conflict(msg)
    visit = await session.scalar(
        select(HomeVisitRecord.id).where(HomeVisitRecord.case_id == case.id)
        .order_by(HomeVisitRecord.id.desc()).limit(1)
    )  # fmt: skip
    if visit is None:
        msg = "no home visit recorded on this case: a benefit changes only after one"
        raise Conflict(msg)
    if benefit.end_date is not None:
        msg = f"benefit {benefit.id} ends on {benefit.end_date} already"
        raise Conflict(msg)
    pending = BenefitDecision.benefit_id == benefit.id, BenefitDecision.status == "proposed"
    waiting = await session.scalar(select(BenefitDecision.id).where(*pending))
    if waiting is not None:
        msg = f"benefit {benefit.id} has a proposal waiting for approval (decision {waiting})"
        raise Conflict(msg)
    decision = BenefitDecision(
        case_id=case.id, benefit_id=benefit.id, action=action, new_amount=amount,
        reason=text, visit_id=visit, proposed_by=principal.id, status="proposed",
    )  # fmt: skip
    session.add(decision)
    await session.flush()
    await add_event(session, case, "decision", principal.actor, text=text,
                    data=_event(decision))  # fmt: skip
    return decision


async def list_decisions(
    session: AsyncSession, principal: Principal, status: str | None = None
) -> list[BenefitDecision]:
    """Proposals on cases of the principal's jurisdiction, oldest first (audited).

    :raises InvalidInput: an unknown status.
    """
    if status is not None and status not in STATUSES:
        msg = f"status: expected one of {', '.join(STATUSES)}"
        raise InvalidInput(msg)
    await authorize(session, principal, action="decisions.list", resource="decisions",
                    region_code=None, purpose=PURPOSE)  # fmt: skip
    query = (
        select(BenefitDecision).join(Case, Case.id == BenefitDecision.case_id)
        .where(in_jurisdiction(principal, Case.region_code))
    )  # fmt: skip
    if status:
        query = query.where(BenefitDecision.status == status)
    return list(await session.scalars(query.order_by(BenefitDecision.id).limit(500)))


async def approve(session: AsyncSession, principal: Principal, decision_id: int) -> Outcome:
    """A second person, a supervisor of the region, approves: the benefit changes.

    :raises Forbidden: the proposer, or not a supervisor of the region (audited either way).
    :raises NotFound: no such decision. :raises Conflict: decided already, or the benefit
        ended meanwhile.
    """
    decision = await _authorized(session, principal, decision_id, "decision.approve")
    benefit = await session.get(Benefit, decision.benefit_id)
    if benefit is None or benefit.end_date is not None:
        msg = f"benefit {decision.benefit_id} has ended already"
        raise Conflict(msg)
    await _claim(session, principal, decision, "approved")
    last = month_end(clock.today())
    started = None
    if benefit.start_date > last:  # not paid yet: change it before it starts
        if decision.action == "stop":
            benefit.end_date = benefit.start_date - timedelta(days=1)
        else:
            benefit.monthly_amount = decision.new_amount
    else:
        benefit.end_date = last
        if decision.action == "reduce":
            started = Benefit(
                family_id=benefit.family_id, person_id=benefit.person_id,
                program=benefit.program, department=benefit.department,
                monthly_amount=decision.new_amount, start_date=last + timedelta(days=1),
                next_review=benefit.next_review,
            )  # fmt: skip
            session.add(started)
    await session.flush()
    case = await session.get(Case, decision.case_id)
    data = _event(decision) | {"end_date": str(benefit.end_date) if benefit.end_date else None,
                               "new_benefit_id": started.id if started else None}
    await add_event(session, case, "decision", principal.actor, data=data)
    # The family hears it from the case, with the reason and the way to a review.
    locale = await relay.resident_locale(session, case)
    text = texts("relay", locale).t(
        f"relay-benefit-{decision.action}", program=program_name(benefit.program, locale),
        end_date=benefit.end_date, amount=yuan(decision.new_amount),
        start_date=started.start_date if started else None, reason=decision.reason,
    )  # fmt: skip
    await relay.queue(session, case, text, actor=principal.actor)
    return Outcome(decision, benefit, started)


async def reject(
    session: AsyncSession, principal: Principal, decision_id: int, reason: Any
) -> BenefitDecision:
    """A supervisor of the region, not the proposer, rejects: the benefit stays as it is.

    :raises InvalidInput: no reason. Otherwise as :func:`approve`.
    """
    decision = await _authorized(session, principal, decision_id, "decision.reject")
    text = _reason(reason)
    await _claim(session, principal, decision, "rejected")
    case = await session.get(Case, decision.case_id)
    await add_event(session, case, "decision", principal.actor, text=text,
                    data=_event(decision))  # fmt: skip
    return decision


async def _authorized(
    session: AsyncSession, principal: Principal, decision_id: int, action: str
) -> BenefitDecision:
    """The proposal, once the four eyes and the supervisor's region are checked (audited)."""
    decision = await session.get(BenefitDecision, decision_id)
    if decision is None:
        await authorize(session, principal, action=action, resource=f"decision:{decision_id}",
                        region_code=None, purpose=PURPOSE, needs="supervise")  # fmt: skip
        msg = f"no decision {decision_id}"
        raise NotFound(msg)
    if decision.proposed_by == principal.id:
        await _refuse_own(session, principal, decision, action)
    await get_case(session, principal, decision.case_id, action=action, needs="supervise",
                   purpose=PURPOSE)  # fmt: skip
    return decision


async def _claim(
    session: AsyncSession, principal: Principal, decision: BenefitDecision, to: str
) -> None:
    """Decide with one conditional UPDATE: of two supervisors deciding at once, one wins.

    :raises Conflict: decided already.
    """
    claimed = await session.execute(
        update(BenefitDecision)
        .where(BenefitDecision.id == decision.id, BenefitDecision.status == "proposed")
        .values(status=to, decided_by=principal.id, decided_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    await session.refresh(decision)
    if claimed.rowcount != 1:
        msg = f"decision {decision.id} is {decision.status} already"
        raise Conflict(msg)


async def _refuse_own(
    session: AsyncSession, principal: Principal, decision: BenefitDecision, action: str
) -> None:
    # Role and region may allow it; the four eyes do not. Audited like authorize's refusals.
    case = await session.get(Case, decision.case_id)
    session.add(StaffAccess(
        staff_id=principal.id, action=action, resource=f"case:{decision.case_id}",
        region_code=case.region_code if case else None, purpose=PURPOSE, allowed=False,
    ))  # fmt: skip
    await session.flush()
    msg = f"decision {decision.id} is yours: another supervisor decides it (four eyes)"
    raise Forbidden(msg)


def _event(decision: BenefitDecision) -> dict[str, Any]:
    amount = decision.new_amount
    return {"decision_id": decision.id, "benefit_id": decision.benefit_id,
            "action": decision.action, "status": decision.status,
            "new_amount": None if amount is None else str(amount)}  # fmt: skip
