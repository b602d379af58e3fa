"""Proving who is chatting before any personal data is shown.

Three ways, each recorded as an :class:`~store.models.IdentityAttempt`:

- ``code``: a 6-digit one-time code sent to the phone on file for the ID number (queued in
  ``sms_outbox`` with the code as the template parameter, sent by :mod:`sms.worker`);
- ``contact``: on Telegram, the sender's own contact (shared with the "share my phone"
  button: Telegram then vouches that the number is the account's) whose number matches the
  phone on file for the ID number typed: no code needed (:func:`check_contact`);
- ``assertion``: a partner app that already verified the person signs
  ``base64url(json{"id_number", "sender", "exp"}) + "." + hex(HMAC-SHA256)`` with the key
  both sides hold (``JIUZHU_IDENTITY_ASSERTION_KEY``).

Limits, all per rolling hour (the constants below; [A] common practice for SMS codes, not
figures from a policy text), so that nobody can learn who is on file or lock a resident out
by typing their ID number:

- every ID number typed gets the same answer, whether or not the person exists or has a
  phone; a code is sent only to a phone on file;
- a sender may ask for codes :data:`MAX_REQUESTS_PER_SENDER` times; an integrator (channel)
  and the whole service have their own ceilings on codes sent;
- at most :data:`MAX_CODES_PER_PERSON` codes go to one phone; beyond that no new code is
  sent; every code sent stays valid for its :data:`CODE_TTL`, so strangers asking cannot
  stop the resident from signing in with a code already on the phone;
- wrong codes: :data:`MAX_FAILURES_PER_HOUR` per sender, and as many per person on codes
  that were actually sent to that person (a guess for an unknown ID number spends only the
  guesser's budget).

A code is bound to the person it was sent to, not to one conversation: whoever holds the
phone may type it where they asked for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu.errors import JiuzhuError
from store.base import utcnow
from store.consent import grant_with_minors
from store.crypto import vault
from store.families import family_of_person
from store.models import Family, IdentityAttempt, Person, SmsOutbox
from store.pii import normalise_id_number

WINDOW = timedelta(hours=1)
MAX_FAILURES_PER_HOUR = 5
MAX_REQUESTS_PER_SENDER = 5
MAX_CODES_PER_PERSON = 5
MAX_CODES_PER_CHANNEL = 5_000
MAX_CODES_GLOBAL = 20_000
CODE_TTL = timedelta(minutes=10)
CODE_DIGITS = 6


class TooManyAttempts(JiuzhuError):
    """A limit of the last hour is reached; ``retry_after`` says when to try again."""

    def __init__(self, retry_after: datetime) -> None:
        super().__init__("too many identity attempts")
        self.retry_after = retry_after


async def find_person(session: AsyncSession, id_number: str) -> Person | None:
    """The person with this (valid, normalised) ID number, found by its keyed hash."""
    key = vault().lookup_hash("id_number", normalise_id_number(id_number))
    return await session.scalar(select(Person).where(Person.id_number_hash == key))


async def _times(
    session: AsyncSession, now: datetime, *where: ColumnElement[bool]
) -> list[datetime]:
    rows = await session.scalars(
        select(IdentityAttempt.at)
        .where(IdentityAttempt.at > now - WINDOW, *where)
        .order_by(IdentityAttempt.at)
    )
    return list(rows)


def _check(times: list[datetime], limit: int) -> int:
    """What is left of ``limit``; :class:`TooManyAttempts` when nothing is."""
    if len(times) >= limit:
        raise TooManyAttempts(times[-limit] + WINDOW)
    return limit - len(times)


async def failures_left(
    session: AsyncSession,
    sender_hash: str,
    person_hash: str | None = None,
    now: datetime | None = None,
) -> int:
    """Wrong codes left this hour for the sender and, when a code was sent, the person.

    :raises TooManyAttempts: when none are left for either.
    """
    now = now or utcnow()
    failed = (IdentityAttempt.method == "code", IdentityAttempt.succeeded.is_(False))
    left = _check(
        await _times(session, now, IdentityAttempt.sender_hash == sender_hash, *failed),
        MAX_FAILURES_PER_HOUR,
    )
    if person_hash is not None:
        person = IdentityAttempt.person_hash == person_hash
        left = min(left, _check(await _times(session, now, person, *failed),
                                MAX_FAILURES_PER_HOUR))  # fmt: skip
    return left


async def requests_left(
    session: AsyncSession, sender_hash: str, now: datetime | None = None
) -> int:
    """Code requests this sender may still make this hour (wrong codes count too).

    :raises TooManyAttempts: when the sender has no requests or no guesses left.
    """
    now = now or utcnow()
    await failures_left(session, sender_hash, now=now)
    sender = IdentityAttempt.sender_hash == sender_hash
    return _check(
        await _times(session, now, sender, IdentityAttempt.method == "request"),
        MAX_REQUESTS_PER_SENDER,
    )


@dataclass(frozen=True)
class CodeRequest:
    """What :func:`request_code` did; nothing of it may be told apart in a reply.

    :ivar code: the code sent (shown only in demo mode), or None when none was sent.
    :ivar person_hash: who may receive codes (None: not on file, or no phone); a code sent
        to them this hour works.
    """

    code: str | None
    person_hash: str | None


async def request_code(
    session: AsyncSession,
    *,
    sender_hash: str,
    channel: str,
    person: Person | None,
    sms_template: str,
    now: datetime | None = None,
) -> CodeRequest:
    """Send a code to ``person``'s phone on file when every limit allows; record the request.

    :param person: who the typed ID number belongs to, or None (not on file).
    :param sms_template: the SMS text with ``{code}`` in it.
    :raises TooManyAttempts: the sender's own requests or guesses are used up (checked first,
        the same for every ID number).
    """
    now = now or utcnow()
    await requests_left(session, sender_hash, now)
    person_hash = person.id_number_hash if person else None
    code = None
    if person is not None and person.phone and await _may_send(session, person_hash, channel, now):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        session.add(SmsOutbox(
            phone=person.phone, text=sms_template.format(code=code), purpose="otp",
            params=json.dumps({"code": code}), created_at=now, next_attempt_at=now,
            expires_at=now + CODE_TTL,  # a code is never sent after it stopped working
        ))  # fmt: skip
    session.add(
        IdentityAttempt(
            sender_hash=sender_hash, person_hash=person_hash, method="request",
            succeeded=code is not None, channel=channel, at=now,
            code_hash=code_hash(code, person_hash) if code and person_hash else None,
        )
    )  # fmt: skip
    await session.flush()
    # Guesses spend a person's budget only where codes go to them: not without a phone.
    return CodeRequest(code, person_hash if person is not None and person.phone else None)


async def _may_send(
    session: AsyncSession, person_hash: str | None, channel: str, now: datetime
) -> bool:
    sent = (IdentityAttempt.method == "request", IdentityAttempt.succeeded.is_(True))
    limits = (
        (IdentityAttempt.person_hash == person_hash, MAX_CODES_PER_PERSON),
        (IdentityAttempt.channel == channel, MAX_CODES_PER_CHANNEL),
        (IdentityAttempt.id.is_not(None), MAX_CODES_GLOBAL),
    )
    for where, limit in limits:
        count = await session.scalar(
            select(func.count()).select_from(IdentityAttempt)
            .where(IdentityAttempt.at > now - WINDOW, where, *sent)
        )  # fmt: skip
        if (count or 0) >= limit:
            return False
    return True


CodeVerdict = Literal["right", "wrong", "expired"]


async def check_code(
    session: AsyncSession,
    *,
    sender_hash: str,
    channel: str,
    person_hash: str | None,
    code: str,
    now: datetime | None = None,
) -> tuple[CodeVerdict, int]:
    """Compare ``code`` with the codes sent to the person this hour; record the guess.

    Every code still within its :data:`CODE_TTL` works, so a stranger asking for a code
    does not spoil the one the resident already has.

    :param person_hash: the person a code was sent to in this conversation, or None when
        none was (the guess is then wrong, and spends only the sender's budget).
    :returns: the verdict and the wrong guesses left after this one.
    :raises TooManyAttempts: no guesses left for the sender or the person (nothing recorded).
    """
    now = now or utcnow()
    left = await failures_left(session, sender_hash, person_hash, now)
    verdict: CodeVerdict = "wrong"
    if person_hash is not None:
        given = code_hash(code, person_hash)
        sent = await session.execute(
            select(IdentityAttempt.code_hash, IdentityAttempt.at)
            .where(IdentityAttempt.person_hash == person_hash,
                   IdentityAttempt.method == "request", IdentityAttempt.succeeded.is_(True),
                   IdentityAttempt.at > now - WINDOW)
        )  # fmt: skip
        for kept, at in sent:
            if hmac.compare_digest(kept or "", given):
                verdict = "right" if at + CODE_TTL >= now else "expired"
                break
    await record_attempt(session, sender_hash, "code", succeeded=verdict == "right",
                         person_hash=person_hash, channel=channel, now=now)  # fmt: skip
    return verdict, left - (verdict != "right")


async def record_attempt(
    session: AsyncSession,
    sender_hash: str,
    method: str,
    *,
    succeeded: bool,
    person_hash: str | None = None,
    channel: str | None = None,
    now: datetime | None = None,
) -> None:
    """Write one attempt (flushed): ``code``, ``contact`` or ``assertion``."""
    session.add(
        IdentityAttempt(
            sender_hash=sender_hash, person_hash=person_hash, method=method,
            succeeded=succeeded, channel=channel, at=now or utcnow(),
        )
    )  # fmt: skip
    await session.flush()


ContactVerdict = Literal["proven", "not_own", "other_phone"]


async def check_contact(
    session: AsyncSession,
    *,
    sender_hash: str,
    channel: str,
    person: Person | None,
    sender_user_id: int | None,
    contact_user_id: int | None,
    phone: str,
    now: datetime | None = None,
) -> ContactVerdict:
    """A Telegram contact as proof of ``person``'s phone; the attempt is recorded.

    Only the sender's own contact proves anything: Telegram sets a contact's ``user_id`` to
    the account whose number it is, so anyone can forward another person's contact, but only
    the account holder can share one whose ``user_id`` is their own.

    :param person: whom the ID number typed belongs to (None: not on file).
    :param sender_user_id: the Telegram user who sent the message.
    :param contact_user_id: the contact's ``user_id`` (None: not a Telegram account).
    :param phone: the contact's number as Telegram gives it (``+86...``, ``86...``, spaces).
    :returns: ``"proven"``; ``"not_own"``: someone else's contact (or none of an account);
        ``"other_phone"``: the sender's own, but not the phone on file (or none on file).
    """
    own = sender_user_id is not None and contact_user_id == sender_user_id
    proven = own and person is not None and phones_match(person.phone, phone)
    verdict: ContactVerdict = "proven" if proven else ("other_phone" if own else "not_own")
    await record_attempt(
        session, sender_hash, "contact", succeeded=proven, channel=channel, now=now,
        person_hash=person.id_number_hash if person is not None else None,
    )  # fmt: skip
    return verdict


def code_hash(code: str, person_hash: str) -> str:
    """What is kept of a code: a keyed hash bound to the person it was sent to."""
    return vault().lookup_hash("otp", f"{person_hash}:{code}")


def phones_match(on_file: str | None, shared: str) -> bool:
    """True when a shared contact's number is the phone on file (``+86`` and spaces ignored)."""
    digits = "".join(ch for ch in shared if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return bool(on_file) and hmac.compare_digest(digits, on_file or "")


def sign_assertion(id_number: str, sender: str, key: bytes, expires: datetime) -> str:
    """A partner's identity assertion (see the module docstring); used by partners and tests."""
    payload = json.dumps(
        {"id_number": id_number, "sender": sender, "exp": int(expires.timestamp())},
        separators=(",", ":"),
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{hmac.new(key, body.encode(), hashlib.sha256).hexdigest()}"


def verify_assertion(
    token: str, sender: str, key: bytes, now: datetime | None = None
) -> str | None:
    """The asserted ID number, or None when the signature, sender or expiry is wrong."""
    body, _, signature = token.strip().partition(".")
    expected = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    if not signature or not hmac.compare_digest(signature, expected):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    now = now or utcnow()
    if data.get("sender") != sender or int(data.get("exp", 0)) < now.timestamp():
        return None
    return str(data.get("id_number", "")) or None


async def get_person(session: AsyncSession, person_id: int | None) -> Person | None:
    """The person with this row id; None for None or an id not on file."""
    return await session.get(Person, int(person_id)) if person_id else None


async def consent_signed_in(
    session: AsyncSession, person_id: int, consent: tuple[str, str]
) -> Family | None:
    """A person already signed in agrees to the 一证一书 ``(text_version, text_sha256)``:
    recorded as at sign-in (:func:`complete_sign_in`); None when ``person_id`` is not on file
    or belongs to no family (nothing is recorded then)."""
    person = await get_person(session, person_id)
    return await complete_sign_in(session, person, consent=consent) if person else None


async def complete_sign_in(
    session: AsyncSession, person: Person, *, consent: tuple[str, str] | None = None
) -> Family | None:
    """Identity proven for ``person``: their family, and the consent they agreed to recorded.

    :param consent: ``(text_version, text_sha256)`` of the 一证一书 the person agreed to in
        this conversation, or None: then nothing is recorded. Recorded for the person and,
        as guardian, for the minors of the family (:func:`store.consent.grant_with_minors`).
    :returns: the family (members and persons loaded), or None when the person belongs to
        no family on file (nothing is recorded then).
    """
    family = await family_of_person(session, person)
    if family is not None and consent is not None:
        version, digest = consent
        await grant_with_minors(
            session, person, family, text_version=version, text_sha256=digest, channel="chat"
        )
    return family
