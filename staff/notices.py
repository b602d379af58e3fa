"""Notices issued from a case: the verification report and the refusal notice (不予受理通知书).

The document is rendered from the case's pre-check (or the family's latest), kept as issued
(:class:`~store.models.Notice`), and sent to the resident in the chat as HTML and PDF. A
refusal notice is due within 3 working days with its reasons and the applicant's rights
(最低生活保障审核确认办法; :mod:`staff.clocks`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from eligibility.documents import render_refusal_notice, render_verification_report
from eligibility.people import member_names
from eligibility.precheck import load_family
from eligibility.result import PrecheckResult
from jiuzhu import clock
from jiuzhu.errors import InvalidInput
from staff import relay
from staff.access import Principal, authorize
from staff.cases import add_event, first_contact, get_case
from staff.errors import Conflict, NotFound
from store.models import Case, Notice
from store.models import PrecheckResult as PrecheckRecord
from store.models.staff import NOTICE_KINDS
from store.pii import mask_id_number, mask_name
from templates import texts


async def issue_notice(
    session: AsyncSession, principal: Principal, case_id: int, kind: str
) -> Notice:
    """Render, store and send the ``kind`` notice of the case's pre-check.

    :raises InvalidInput: unknown kind; no pre-check for the family; a refusal notice when
        nothing was refused. :raises Conflict: the case is closed.
    """
    if kind not in NOTICE_KINDS:
        msg = f"kind: expected one of {', '.join(NOTICE_KINDS)}"
        raise InvalidInput(msg)
    case = await get_case(session, principal, case_id, action="notice.issue", needs="work",
                          purpose=kind)  # fmt: skip
    if case.family_id is None:
        msg = "this case has no family: nothing to report on"
        raise InvalidInput(msg)
    if case.status == "closed":  # the resident's answer would reach nobody
        msg = f"case {case_id} is closed: issue the notice from an open case"
        raise Conflict(msg)
    record = await _precheck_of(session, case.precheck_id, case.family_id)
    family = await load_family(session, case.family_id)
    locale = await relay.resident_locale(session, case)  # the notice is written for them
    applicant = next(m.person for m in family.members if m.relation == "applicant")
    context = {
        "applicant_name": mask_name(applicant.name),
        "applicant_id": mask_id_number(applicant.id_number),
        "data_sources": record.data_sources,
        "case_number": f"C{case.id}",
        "member_names": member_names(family, texts("bot", locale)),
        "date": clock.today(),
    }
    result = PrecheckResult.model_validate(record.result)
    try:
        if kind == "refusal_notice":
            html = render_refusal_notice(result, context, locale)
        else:
            html = render_verification_report(result, context, locale)
    except ValueError as e:
        raise InvalidInput(str(e)) from None
    notice = Notice(case_id=case.id, family_id=family.id, precheck_id=record.id, kind=kind,
                    html=html, issued_by=principal.id, issued_at=clock.now())  # fmt: skip
    session.add(notice)
    case.decided_at = case.decided_at or notice.issued_at
    await session.flush()
    title = texts("relay", locale).t(relay.NOTICE_TITLES[kind])
    await add_event(session, case, "notice", principal.actor, text=title,
                    data={"notice_id": notice.id, "kind": kind})  # fmt: skip
    await relay.queue(session, case, texts("relay", locale).t("relay-notice", title=title),
                      actor=principal.actor, notice_id=notice.id, event="notice")  # fmt: skip
    await first_contact(session, case)
    return notice


async def _precheck_of(
    session: AsyncSession, precheck_id: int | None, family_id: int
) -> PrecheckRecord:
    record = await session.get(PrecheckRecord, precheck_id) if precheck_id else None
    if record is None or record.family_id != family_id:
        record = await session.scalar(
            select(PrecheckRecord).where(PrecheckRecord.family_id == family_id)
            .order_by(PrecheckRecord.id.desc()).limit(1)
        )  # fmt: skip
    if record is None:
        msg = "no pre-check for this family yet: record a visit or ask the resident to pre-check"
        raise InvalidInput(msg)
    return record


async def get_notice(session: AsyncSession, principal: Principal, notice_id: int) -> Notice:
    """A notice as issued, for a staff member of its region (audited).

    :raises NotFound: no such notice. :raises Forbidden: outside the jurisdiction.
    """
    notice = await session.get(Notice, notice_id)
    case = await session.get(Case, notice.case_id) if notice else None
    region = case.region_code if case else None
    await authorize(session, principal, action="document.read",
                    resource=f"document:{notice_id}", region_code=region,
                    purpose="document")  # fmt: skip
    if notice is None or case is None:
        msg = f"no document {notice_id}"
        raise NotFound(msg)
    return notice


async def notices_of(session: AsyncSession, case_id: int) -> list[Notice]:
    """The notices issued from a case, oldest first (the caller has authorised the read)."""
    return list(await session.scalars(
        select(Notice).where(Notice.case_id == case_id).order_by(Notice.id)
    ))  # fmt: skip
