"""Proving who is chatting before any personal data is shown.

Three ways, each recorded as an :class:`~store.models.IdentityAttempt`:

- ``code``: a 6-digit one-time code sent to the phone on file for the ID number (through the
  SMS outbox; the embedded default only stores the message);
- ``contact``: on Telegram, the shared contact whose number matches the phone on file;
- ``assertion``: a partner app that already verified the person signs
  ``base64url(json{"id_number", "sender", "exp"}) + "." + hex(HMAC-SHA256)`` with the key
  both sides hold (``JIUZHU_IDENTITY_ASSERTION_KEY``).

[A] At most :data:`MAX_FAILURES_PER_HOUR` failed attempts per hour, per sender and per person
tried, and :data:`MAX_CODES_PER_HOUR` codes sent to one person; codes live :data:`CODE_TTL`
— common practice for SMS codes, not numbers from a policy text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu.errors import JiuzhuError
from store.base import utcnow
from store.crypto import vault
from store.models import IdentityAttempt, Person, SmsOutbox
from store.pii import normalise_id_number

MAX_FAILURES_PER_HOUR = 5
MAX_CODES_PER_HOUR = 5
CODE_TTL = timedelta(minutes=10)
CODE_DIGITS = 6


class TooManyAttempts(JiuzhuError):
    """The sender failed too often in the last hour; ``retry_after`` says when to try again."""

    def __init__(self, retry_after: datetime) -> None:
        super().__init__("too many identity attempts")
        self.retry_after = retry_after


async def find_person(session: AsyncSession, id_number: str) -> Person | None:
    """The person with this (valid, normalised) ID number, found by its keyed hash."""
    key = vault().lookup_hash("id_number", normalise_id_number(id_number))
    return await session.scalar(select(Person).where(Person.id_number_hash == key))


async def failures_left(
    session: AsyncSession,
    sender_hash: str,
    person_hash: str | None = None,
    now: datetime | None = None,
) -> int:
    """How many failed attempts are left this hour, for the sender and for the person tried.

    Counting per person too stops a guesser who opens new conversations (REST senders are
    free to invent) from trying one person's codes without end.

    :raises TooManyAttempts: when none are left for either.
    """
    now = now or utcnow()
    left = MAX_FAILURES_PER_HOUR
    for column, value in ((IdentityAttempt.sender_hash, sender_hash),
                          (IdentityAttempt.person_hash, person_hash)):  # fmt: skip
        if value is None:
            continue
        failed = (
            await session.scalars(
                select(IdentityAttempt.at)
                .where(
                    column == value,
                    IdentityAttempt.succeeded.is_(False),
                    IdentityAttempt.at > now - timedelta(hours=1),
                )
                .order_by(IdentityAttempt.at)
            )
        ).all()
        if len(failed) >= MAX_FAILURES_PER_HOUR:
            raise TooManyAttempts(failed[-MAX_FAILURES_PER_HOUR] + timedelta(hours=1))
        left = min(left, MAX_FAILURES_PER_HOUR - len(failed))
    return left


async def codes_sent_recently(session: AsyncSession, person_hash: str) -> int:
    """Codes sent for this person in the last hour (to cap texts to one phone)."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(IdentityAttempt)
            .where(
                IdentityAttempt.person_hash == person_hash,
                IdentityAttempt.method == "send",
                IdentityAttempt.at > utcnow() - timedelta(hours=1),
            )
        )
        or 0
    )


async def record_attempt(
    session: AsyncSession,
    sender_hash: str,
    method: str,
    *,
    succeeded: bool,
    person_hash: str | None = None,
) -> None:
    """Write one attempt (flushed); ``method`` ``send`` records a code sent."""
    session.add(
        IdentityAttempt(
            sender_hash=sender_hash, person_hash=person_hash, method=method, succeeded=succeeded
        )
    )
    await session.flush()


def code_hash(code: str, sender_hash: str) -> str:
    """What the conversation keeps of a code: a keyed hash bound to the sender."""
    return vault().lookup_hash("otp", f"{sender_hash}:{code}")


async def send_code(session: AsyncSession, person: Person, text_template: str) -> str:
    """Create a one-time code and queue the SMS to the person's phone on file.

    :param text_template: the SMS text with ``{code}`` in it.
    :returns: the code (the caller keeps only :func:`code_hash` of it, or shows it in demo).
    :raises ValueError: when the person has no phone on file.
    """
    if not person.phone:
        msg = "no phone on file"
        raise ValueError(msg)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    session.add(SmsOutbox(phone=person.phone, text=text_template.format(code=code), purpose="otp"))
    await session.flush()
    return code


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
