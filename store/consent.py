"""Granting, finding and revoking consents (一证一书).

Consent lasts ``CONSENT_VALID_DAYS`` unless revoked. [A] 365 days is an assumption: the
authorization forms we read cover "the application and its reviews" without a fixed term.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.base import utcnow
from store.models import Consent, Family, IdentityAttempt, Person
from store.models.consent import covers
from templates import Texts

CONSENT_VERSION = "2026-12-v1"
"""Version of the authorization text (``consent-text`` in templates); bump on every change."""
CONSENT_VALID_DAYS = 365
GRANTORS = ("self", "guardian")


def consent_text(l10n: Texts) -> tuple[str, str]:
    """The authorization text (the ``bot`` texts' ``consent-text``) and its SHA-256, stored
    with every consent, so a consent names the exact words agreed to."""
    text = l10n.t("consent-text", version=CONSENT_VERSION)
    return text, hashlib.sha256(text.encode()).hexdigest()


async def grant_consent(
    session: AsyncSession,
    person_id: int,
    *,
    text_version: str,
    text_sha256: str,
    channel: str,
    granted_by: str = "self",
    guardian_person_id: int | None = None,
    at: datetime | None = None,
) -> Consent:
    """Record a consent and flush it.

    :param granted_by: ``self`` or ``guardian`` (then ``guardian_person_id`` is required).
    :raises ValueError: for an unknown grantor or a guardian consent without the guardian.
    """
    if granted_by not in GRANTORS or (granted_by == "guardian") != (
        guardian_person_id is not None
    ):
        msg = f"granted_by must be one of {GRANTORS}, with guardian_person_id for a guardian"
        raise ValueError(msg)
    at = at or utcnow()
    consent = Consent(
        person_id=person_id,
        text_version=text_version,
        text_sha256=text_sha256,
        channel=channel,
        granted_by=granted_by,
        guardian_person_id=guardian_person_id,
        granted_at=at,
        expires_at=at + timedelta(days=CONSENT_VALID_DAYS),
    )
    session.add(consent)
    await session.flush()
    return consent


async def valid_consents(
    session: AsyncSession, person_ids: Collection[int], at: datetime | None = None
) -> dict[int, int]:
    """Person id → id of their newest consent valid at ``at`` (default now), for each of
    ``person_ids`` that has one; one query however many persons."""
    at = at or utcnow()
    if not person_ids:
        return {}
    c = Consent
    rows = await session.execute(
        select(c.id, c.person_id, c.granted_at, c.expires_at, c.revoked_at)
        .where(c.person_id.in_(person_ids), c.revoked_at.is_(None))
        .order_by(c.granted_at.desc(), c.id.desc())
    )
    valid: dict[int, int] = {}
    for r in rows:
        if r.person_id not in valid and covers(r.granted_at, r.expires_at, r.revoked_at, at):
            valid[r.person_id] = r.id
    return valid


async def revoke_consents(
    session: AsyncSession, person_ids: list[int], at: datetime | None = None
) -> int:
    """Revoke every unrevoked consent of these persons; returns how many were revoked."""
    result = await session.execute(
        update(Consent)
        .where(Consent.person_id.in_(person_ids), Consent.revoked_at.is_(None))
        .values(revoked_at=at or utcnow())
    )
    await session.flush()
    return result.rowcount or 0


ADULT_AGE = 18
"""Members under 18 are consented for by a guardian (PIPL art. 31 sets 14 for personal data;
[A] the assistance forms we read have a parent sign for every minor, so we use 18)."""


def is_minor(birth_date: date, on: date) -> bool:
    """True when the person born on ``birth_date`` is under :data:`ADULT_AGE` on ``on``."""
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return years < ADULT_AGE


GUARDIANS: dict[str, frozenset[str]] = {
    "applicant": frozenset({"child"}),
    "spouse": frozenset({"child"}),
    "parent": frozenset({"applicant"}),
}
"""Relation of a signer → relations of the minors they are parent of, so may consent for.

Relations are to the family's registered applicant. Only a parent or legal guardian may
consent for a minor (PIPL art. 31; 民法典 art. 27): a sibling, grandparent or other relative
signing in does not. [A] A child of the applicant is taken to be the spouse's child too;
other guardianships are recorded at the office, not in the chat.
"""


def may_consent_for(signer_relation: str, minor_relation: str) -> bool:
    """True when a member of ``signer_relation`` is a parent of one of ``minor_relation``."""
    return minor_relation in GUARDIANS.get(signer_relation, frozenset())


async def grant_with_minors(
    session: AsyncSession,
    applicant: Person,
    family: Family,
    *,
    text_version: str,
    text_sha256: str,
    channel: str,
    at: datetime | None = None,
) -> list[Consent]:
    """The signer's own consent, plus a guardian consent for each minor they are parent of.

    :param applicant: the member who signed (not necessarily the registered applicant).
    :param family: with ``members`` and their ``person`` loaded.
    :returns: the consents granted, the signer's first.
    """
    at = at or utcnow()
    common = {"text_version": text_version, "text_sha256": text_sha256, "channel": channel}
    common["at"] = at
    granted = [await grant_consent(session, applicant.id, **common)]
    signer = next((m.relation for m in family.members if m.person_id == applicant.id), "")
    for membership in family.members:
        person = membership.person
        if (
            person.id != applicant.id
            and is_minor(person.birth_date, at.date())
            and may_consent_for(signer, membership.relation)
        ):
            granted.append(
                await grant_consent(
                    session,
                    person.id,
                    granted_by="guardian",
                    guardian_person_id=applicant.id,
                    **common,
                )
            )
    return granted


async def revoke_with_wards(
    session: AsyncSession, person_id: int, at: datetime | None = None
) -> int:
    """撤回授权: revoke ``person_id``'s own consents and those they gave as guardian.

    :returns: how many consents were revoked (0 when none was in force).
    """
    wards = await session.scalars(
        select(Consent.person_id).where(Consent.guardian_person_id == person_id)
    )
    return await revoke_consents(session, [person_id, *set(wards)], at)


async def consented_members(session: AsyncSession, family: Family) -> set[int]:
    """Person ids of ``family``'s members (loaded) with a consent valid now."""
    return set(await valid_consents(session, [m.person_id for m in family.members]))


async def consent_on_record(session: AsyncSession, person_id: int) -> Consent | None:
    """``person_id``'s consent valid now and given to the current text
    (:data:`CONSENT_VERSION`), or None: such a consent is not asked for again; a changed
    text is."""
    consent_id = (await valid_consents(session, [person_id])).get(person_id)
    consent = await session.get(Consent, consent_id) if consent_id is not None else None
    return consent if consent is not None and consent.text_version == CONSENT_VERSION else None


async def consent_known(
    session: AsyncSession, person_id: int | None, sender_hash: str
) -> str | None:
    """Whether the authorization need not be shown before sign-in: ``"person"`` when the
    signed-in ``person_id`` has a consent on record (:func:`consent_on_record`), ``"sender"``
    when nobody is signed in but the last person proven from this sender has one
    (:func:`sender_consent_on_record`), else None."""
    if person_id is not None:
        return "person" if await consent_on_record(session, person_id) is not None else None
    return "sender" if await sender_consent_on_record(session, sender_hash) else None


async def sender_consent_on_record(session: AsyncSession, sender_hash: str) -> bool:
    """True when the person who last proved their identity from this sender (a right code)
    has a consent on record (:func:`consent_on_record`): a new conversation of theirs need
    not show the authorization before the ID number (who it is is proven again first)."""
    person_hash = await session.scalar(
        select(IdentityAttempt.person_hash)
        .where(
            IdentityAttempt.sender_hash == sender_hash,
            IdentityAttempt.succeeded.is_(True),
            IdentityAttempt.method == "code",
            IdentityAttempt.person_hash.is_not(None),
        )
        .order_by(IdentityAttempt.at.desc(), IdentityAttempt.id.desc())
        .limit(1)
    )
    if person_hash is None:
        return False
    person_id = await session.scalar(select(Person.id).where(Person.id_number_hash == person_hash))
    return person_id is not None and await consent_on_record(session, person_id) is not None
