"""转人工 and complaints: a case for a caseworker of the resident's region.

Until the staff console takes conversations over, the case is stored and the resident is
told what happens next and when (:data:`staff.cases.RESPONSE_WORKING_DAYS`). Asking again
while a case is open points to that case instead of opening another.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.conversation import Turn
from staff.cases import RESPONSE_WORKING_DAYS, open_case
from store.models import Case, Family

UNKNOWN_REGION = "440000"
"""Cases of people not yet identified go to the province's queue."""


async def hand_over(
    turn: Turn, *, kind: str = "handoff", reason: str = "asked for a person"
) -> None:
    """Open a ``handoff`` or ``complaint`` case (or reuse an open one) and give its number.

    :param reason: the case summary, with no personal data; ``urgent: ...`` marks a crisis.
    """
    open_already = await turn.session.scalar(
        select(Case).where(
            Case.sender_hash == turn.sender_hash, Case.kind == kind, Case.status != "closed"
        )
    )
    if open_already is not None:
        if reason.startswith("urgent") and not open_already.summary.startswith("urgent"):
            open_already.summary = f"{reason}; {open_already.summary}"
        await turn.reply(f"{kind}-still-open", number=open_already.id, days=RESPONSE_WORKING_DAYS)
        return
    known = await turn.person()
    region = UNKNOWN_REGION
    if known is not None:
        family = await turn.session.get(Family, known[1])
        region = family.region_code
    case = await open_case(
        turn.session, kind=kind, region_code=region, summary=reason,
        family_id=known[1] if known else None, person_id=known[0] if known else None,
        sender_hash=turn.sender_hash,
    )  # fmt: skip
    await turn.state.update_data(misunderstood=0)
    await turn.reply(f"{kind}-opened", number=case.id, days=RESPONSE_WORKING_DAYS)
