"""Audit log of department reads, conversation transcripts and the SMS outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, Encrypted, LookupHash, UTCDateTime, utcnow


class AuditLog(Base):
    """One read of department data, allowed or denied (PIPL art. 55–56: kept ≥ 3 years).

    ``person_hash`` is the keyed hash of the person's ID number, never the number itself;
    ``record_kinds`` is a comma-separated list of :data:`store.models.records.RECORD_MODELS` keys.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(64))
    person_hash: Mapped[str] = mapped_column(LookupHash, index=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"))
    record_kinds: Mapped[str] = mapped_column(String(400))
    allowed: Mapped[bool] = mapped_column(Boolean)


class Transcript(Base):
    """One chat message, in or out; ``text`` is masked for PII, then encrypted."""

    __tablename__ = "transcript"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_hash: Mapped[str] = mapped_column(LookupHash, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(Encrypted)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SmsOutbox(Base):
    """One text message for the SMS provider, drained by :mod:`sms.worker`.

    ``text`` is the whole message (for the log of the demo sender and free-text gateways),
    ``params`` the provider template's parameters as JSON (``{"code": "123456"}``); both are
    encrypted, and both are blanked once the row is done (sent, failed or expired), so a
    code never lingers. ``status`` goes ``pending`` → ``sent``, ``failed`` (given up, or
    refused for good) or ``expired`` (its code was no longer valid: never sent late).
    ``next_attempt_at`` is when a worker may take it: a claim moves it forward by the lease,
    a failure by the backoff. ``last_error`` holds the provider's error code only, never a
    phone or a text.
    """

    __tablename__ = "sms_outbox"
    __table_args__ = (Index("ix_sms_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(Encrypted)
    text: Mapped[str] = mapped_column(Encrypted)
    params: Mapped[str | None] = mapped_column(Encrypted)
    purpose: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """After this it is not worth sending (a sign-in code's validity); None: no deadline."""
    last_error: Mapped[str | None] = mapped_column(String(120))
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    """The provider's id of the message sent (Alibaba Cloud's ``BizId``), for its records."""


class IdentityAttempt(Base):
    """One try at proving identity in a chat (a code, a contact, an assertion), for rate limits."""

    __tablename__ = "identity_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_hash: Mapped[str] = mapped_column(LookupHash, index=True)
    person_hash: Mapped[str | None] = mapped_column(LookupHash, index=True)
    """Whose identity was tried (keyed hash of the ID number), so limits hold across senders."""
    method: Mapped[str] = mapped_column(String(16))
    """``request`` (an ID number typed), ``code``, ``contact`` or ``assertion``."""
    succeeded: Mapped[bool] = mapped_column(Boolean)
    """For ``request``: a code was sent; otherwise: identity proven."""
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    """Where it came from (``rest``, ``telegram``...): the integrator, for its own limit."""
    code_hash: Mapped[str | None] = mapped_column(LookupHash)
    """For a ``request`` that sent a code: the code's keyed hash, bound to the person."""
