"""Staff reads of a resident's personal data: the person card and the chat transcript.

Both are audited with their purpose through :func:`staff.access.authorize` and limited to
the jurisdiction: a person belongs to their family's region (审核确认办法 art. 7: the
household is where one applies); a transcript to its case's region. Names and ID numbers
are shown masked; the phone number in full only for a call-back, a purpose of its own in
the audit row (PIPL art. 6: no more than the purpose needs).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu.errors import InvalidInput
from staff.access import Principal, authorize, in_jurisdiction
from staff.cases import UNKNOWN_REGION, get_case
from staff.clocks import ENDED
from staff.errors import NotFound
from store.models import Case, Family, FamilyMember, Person, Transcript
from store.pii import mask_id_number, mask_name, mask_phone

PURPOSES: dict[str, str] = {"case_work": "read", "callback": "work"}
"""Why a person is read → the role permission it needs. Only ``callback`` (a caseworker
phoning the resident back) shows the phone number in full."""

TRANSCRIPT_LIMIT = 1000
"""[A] The most recent messages a transcript read returns (a long chat is weeks of turns)."""


@dataclass(frozen=True)
class PersonCard:
    """What a staff member sees of a resident.

    :ivar name: masked (``林*``). :ivar id_number: masked (``4418**********002X``).
    :ivar phone: masked (``138****5678``) unless read for a call-back; None when unknown.
    :ivar relation: to the family's applicant (``applicant``, ``spouse``...); None without
        a family. :ivar region_code: the family's, or :data:`~staff.cases.UNKNOWN_REGION`.
    :ivar open_cases: the person's or family's cases not yet resolved, in this jurisdiction.
    """

    id: int
    name: str
    id_number: str
    phone: str | None
    phone_in_full: bool
    relation: str | None
    family_id: int | None
    region_code: str
    open_cases: list[Case]


async def get_person(
    session: AsyncSession, principal: Principal, person_id: int, *, purpose: str = "case_work"
) -> PersonCard:
    """One person's card, after the jurisdiction check and its audit row (``person.read``).

    :param purpose: a key of :data:`PURPOSES`.
    :raises InvalidInput: an unknown purpose. :raises NotFound: no such person.
    :raises Forbidden: outside the jurisdiction (the family's region) or the role.
    """
    if purpose not in PURPOSES:
        msg = f"purpose: expected one of {', '.join(PURPOSES)}"
        raise InvalidInput(msg)
    resource, needs = f"person:{person_id}", PURPOSES[purpose]
    found = (await session.execute(
        select(Person, FamilyMember, Family)
        .outerjoin(FamilyMember, FamilyMember.person_id == Person.id)
        .outerjoin(Family, Family.id == FamilyMember.family_id)
        .where(Person.id == person_id)
    )).first()  # fmt: skip
    if found is None:
        await authorize(session, principal, action="person.read", resource=resource,
                        region_code=None, purpose=purpose, needs=needs)  # fmt: skip
        msg = f"no person {person_id}"
        raise NotFound(msg)
    person, member, family = found
    region = family.region_code if family is not None else UNKNOWN_REGION
    await authorize(session, principal, action="person.read", resource=resource,
                    region_code=region, purpose=purpose, needs=needs,
                    person_hash=person.id_number_hash)  # fmt: skip
    mine = Case.person_id == person.id
    query = select(Case).where(Case.status.not_in(ENDED),
                               in_jurisdiction(principal, Case.region_code))  # fmt: skip
    query = query.where(or_(mine, Case.family_id == family.id) if family is not None else mine)
    full = purpose == "callback"
    return PersonCard(
        id=person.id, name=mask_name(person.name), id_number=mask_id_number(person.id_number),
        phone=(person.phone if full else mask_phone(person.phone)) if person.phone else None,
        phone_in_full=full and person.phone is not None,
        relation=member.relation if member is not None else None,
        family_id=family.id if family is not None else None, region_code=region,
        open_cases=list(await session.scalars(query.order_by(Case.id))),
    )  # fmt: skip


async def transcript(
    session: AsyncSession, principal: Principal, case_id: int, *, limit: int = TRANSCRIPT_LIMIT
) -> list[Transcript]:
    """The case's resident's chat, oldest first (masked at rest; audited ``transcript.read``).

    Empty for a case with no chat (opened by the batch or a visit).
    :raises NotFound: no such case. :raises Forbidden: outside the jurisdiction or role.
    """
    case = await get_case(session, principal, case_id, action="transcript.read",
                          purpose="transcript")  # fmt: skip
    if not case.sender_hash:
        return []
    rows = await session.scalars(
        select(Transcript).where(Transcript.sender_hash == case.sender_hash)
        .order_by(Transcript.id.desc()).limit(limit)
    )  # fmt: skip
    return list(reversed(list(rows)))
