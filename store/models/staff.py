"""Staff accounts, what they read, and the work they record: visits, referrals, notices.

A staff account has a role and a jurisdiction, a region-code prefix: ``4418`` is all of
清远, ``441825`` only 连山, ``44`` the province. Every staff read of personal data and every
denied access writes a :class:`StaffAccess` row (PIPL art. 55; 暂行办法 art. 61).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, Encrypted, LookupHash, Timestamped, UTCDateTime, utcnow
from store.models.records import Money

STAFF_ROLES = ("caseworker", "supervisor", "auditor")


class StaffAccount(Timestamped, Base):
    """A caseworker, supervisor or auditor of one jurisdiction (``region_prefix``).

    ``password_hash`` is argon2id (argon2-cffi). ``disabled_at`` set: no access, at once.
    ``session_version`` grows when sessions must end (disabled, password changed).
    """

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    region_prefix: Mapped[str] = mapped_column(String(6))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    session_version: Mapped[int] = mapped_column(default=1)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffAccess(Base):
    """One staff read of personal data, or one refused access, with its purpose.

    ``resource`` names what was asked for (``case:12``, ``person:3``, ``document:5``,
    ``cases``); ``region_code`` is the resource's region (None for a list).
    """

    __tablename__ = "staff_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    resource: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(6))
    purpose: Mapped[str] = mapped_column(String(64))
    allowed: Mapped[bool] = mapped_column(Boolean)
    person_hash: Mapped[str | None] = mapped_column(LookupHash)


class LoginAttempt(Base):
    """One staff login try, for throttling: keyed hashes of the username and of the client."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username_hash: Mapped[str] = mapped_column(LookupHash, index=True)
    client_hash: Mapped[str] = mapped_column(LookupHash, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class CaseView(Base):
    """Who has a case page open (the page polls), so colleagues see it."""

    __tablename__ = "case_view"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HomeVisitRecord(Base):
    """What a caseworker found at a home visit (入户核查).

    ``findings`` holds the pre-check's :class:`eligibility.situation.HomeVisit` fields
    (``business_confirmed_micro``, ``income_confirmed``), ``corrected_income`` (member key →
    yuan/month) and ``property_explained``; ``notes`` the living situation (encrypted).
    """

    __tablename__ = "home_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    findings: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Encrypted)
    precheck_id: Mapped[int | None] = mapped_column(ForeignKey("precheck_result.id"))


REFERRAL_STATUSES = ("sent", "acknowledged", "granted", "declined")


class Referral(Timestamped, Base):
    """A case passed to another department (转介) for one of its programs."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    department: Mapped[str] = mapped_column(String(32))
    program: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Encrypted)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    created_by: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    acknowledge_by: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    benefit_id: Mapped[int | None] = mapped_column(ForeignKey("benefit.id"))


NOTICE_KINDS = ("verification_report", "refusal_notice")


class Notice(Base):
    """A document issued to a family from a case, kept as issued (HTML, encrypted)."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"))
    precheck_id: Mapped[int] = mapped_column(ForeignKey("precheck_result.id"))
    kind: Mapped[str] = mapped_column(String(24))
    html: Mapped[str] = mapped_column(Encrypted)
    issued_by: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BenefitDecision(Timestamped, Base):
    """Stopping or reducing a benefit: proposed after a recorded visit, approved by a
    supervisor who is not the proposer (four eyes). Never automatic (应退尽退, verify first).
    """

    __tablename__ = "benefit_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id"))
    action: Mapped[str] = mapped_column(String(8))
    """``stop`` or ``reduce``."""
    new_amount: Mapped[Decimal | None] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    visit_id: Mapped[int] = mapped_column(ForeignKey("home_visit.id"))
    proposed_by: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffSession(Base):
    """A signed-in console or API session; the cookie holds only a random token.

    ``token_hash`` is the keyed hash of that token, so a database reader cannot sign in.
    Deleted at logout and when the account is disabled; rotated at login.
    """

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(LookupHash, primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
