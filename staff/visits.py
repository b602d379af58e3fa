"""Home visits (入户核查): a caseworker records what they found; the pre-check runs again.

A data flag is a reason to visit, never a veto (预警不等于一票否决): the visit's findings
go into the pre-check (:func:`eligibility.precheck.run_precheck` reads the family's latest
visit), the new result is stored, linked to the visit and the case, and explained to the
resident in the chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from eligibility import explain
from eligibility.kinds import INCOME_KINDS
from eligibility.people import member_names
from eligibility.precheck import FamilyPrecheck, load_family, run_precheck
from jiuzhu import clock
from jiuzhu.errors import InvalidInput
from staff import relay
from staff.access import Principal
from staff.cases import add_event, first_contact, get_case
from staff.errors import Conflict
from store.consent import CONSENT_VERSION, consent_text, grant_consent, is_minor
from store.models import HomeVisitRecord
from templates import texts

FLAGS = ("business_confirmed_micro", "income_confirmed", "property_explained")
"""Yes/no findings; ``None`` (or absent) means not checked on this visit."""


@dataclass(frozen=True)
class VisitOutcome:
    """The recorded visit and the pre-check run with it."""

    visit: HomeVisitRecord
    precheck: FamilyPrecheck


def parse_findings(raw: Any, member_ids: set[str]) -> tuple[dict[str, Any], str | None]:
    """Validate a visit's findings; returns ``(findings, living-situation notes)``.

    Accepted keys: :data:`FLAGS` (true/false/null); ``corrected_income``: member id
    (``p12``) → ``{income kind: yuan per month ≥ 0}``; ``living_situation``: free text;
    ``consents_signed``: member ids who signed the paper authorization (授权书) at the visit.
    :raises InvalidInput: naming the first field that is wrong.
    """
    if not isinstance(raw, dict):
        msg = "findings: expected an object"
        raise InvalidInput(msg)
    unknown = set(raw) - {*FLAGS, "corrected_income", "living_situation", "consents_signed"}
    if unknown:
        msg = f"findings: unknown field {sorted(unknown)[0]!r}"
        raise InvalidInput(msg)
    findings: dict[str, Any] = {}
    for name in FLAGS:
        value = raw.get(name)
        if value is not None and not isinstance(value, bool):
            msg = f"findings.{name}: expected true, false or null"
            raise InvalidInput(msg)
        if value is not None:
            findings[name] = value
    corrected = raw.get("corrected_income") or {}
    if not isinstance(corrected, dict):
        msg = "findings.corrected_income: expected {member id: {kind: yuan per month}}"
        raise InvalidInput(msg)
    for member, kinds in corrected.items():
        if member not in member_ids:
            msg = f"findings.corrected_income: {member!r} is not a member of this family"
            raise InvalidInput(msg)
        if not isinstance(kinds, dict) or not all(
            k in INCOME_KINDS and isinstance(v, int | float) and not isinstance(v, bool)
            and 0 <= v < 1_000_000 for k, v in kinds.items()
        ):  # fmt: skip
            msg = (f"findings.corrected_income.{member}: expected {{kind: yuan per month}} "
                   f"with kinds among {', '.join(INCOME_KINDS)}")  # fmt: skip
            raise InvalidInput(msg)
    if corrected:
        findings["corrected_income"] = corrected
    signed = raw.get("consents_signed") or []
    if not (isinstance(signed, list) and all(m in member_ids for m in signed)):
        msg = "findings.consents_signed: expected a list of member ids of this family"
        raise InvalidInput(msg)
    if signed:
        findings["consents_signed"] = sorted(set(signed))
    notes = raw.get("living_situation")
    if notes is not None and not isinstance(notes, str):
        msg = "findings.living_situation: expected text"
        raise InvalidInput(msg)
    return findings, (notes or None)


async def _record_paper_consents(session: AsyncSession, family: Any, members: list[str]) -> None:
    """Adult members who signed the paper authorization at the visit.

    :raises InvalidInput: a minor listed (a parent consents for a child, in the chat).
    """
    _, digest = consent_text(texts("bot"))
    by_key = {f"p{m.person_id}": m for m in family.members}
    for key in members:
        if is_minor(by_key[key].person.birth_date, clock.today()):
            msg = f"findings.consents_signed: {key} is a minor; a parent consents for a child"
            raise InvalidInput(msg)
    for key in members:
        await grant_consent(session, by_key[key].person_id, text_version=CONSENT_VERSION,
                            text_sha256=digest, channel="home_visit")  # fmt: skip


async def record_visit(
    session: AsyncSession, principal: Principal, case_id: int, raw_findings: Any
) -> VisitOutcome:
    """Record a visit on the case, re-run the pre-check with it, tell the resident.

    :returns: the visit and the new pre-check (amounts yuan/month, stored).
    :raises InvalidInput: bad findings, or a case with no family.
    :raises Conflict: the case is closed.
    :raises store.sources.ConsentRequired: the applicant's consent is gone (nothing read).
    """
    case = await get_case(session, principal, case_id, action="case.visit", needs="work",
                          purpose="home visit")  # fmt: skip
    if case.family_id is None:
        msg = "this case has no family: sign the resident in before a visit can be recorded"
        raise InvalidInput(msg)
    if case.status == "closed":
        msg = f"case {case_id} is closed"
        raise Conflict(msg)
    family = await load_family(session, case.family_id)
    findings, notes = parse_findings(raw_findings, {f"p{m.person_id}" for m in family.members})
    visit = HomeVisitRecord(case_id=case.id, family_id=family.id, staff_id=principal.id,
                            visited_at=clock.now(), findings=findings, notes=notes)  # fmt: skip
    session.add(visit)
    await session.flush()
    await _record_paper_consents(session, family, findings.get("consents_signed", []))
    done = await run_precheck(session, family.id, f"{clock.today():%Y-%m}",
                              actor=principal.actor, purpose="home visit")  # fmt: skip
    visit.precheck_id = case.precheck_id = done.record_id
    if case.assignee_id is None:
        case.assignee_id = principal.id
    case.status = "visited"
    case.decided_at = case.decided_at or visit.visited_at
    await add_event(session, case, "visit", principal.actor,
                    data={"visit_id": visit.id, "precheck_id": done.record_id,
                          "dibao": done.result.status("dibao")})  # fmt: skip
    await first_contact(session, case, visit.visited_at)
    locale = await relay.resident_locale(session, case)
    l10n = texts("bot", locale)
    summary = explain.explain_precheck(l10n, done.result, member_names(family, l10n), {})
    text = texts("relay", locale).t("relay-visit-result", summary=summary)
    await relay.queue(session, case, text,
                      actor=principal.actor, event_text="visit result sent")  # fmt: skip
    return VisitOutcome(visit, done)
