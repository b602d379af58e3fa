"""Cases staff work on (handoff, complaint, home visit, review), and changes residents report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, Encrypted, Timestamped, UTCDateTime, utcnow

CASE_KINDS = ("handoff", "complaint", "home_visit", "periodic_review", "warning", "report_change")
CASE_STATUSES = ("open", "assigned", "closed")


class Case(Timestamped, Base):
    """Work for a caseworker in ``region_code``'s jurisdiction. ``summary`` holds no PII."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="open")
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    sender_hash: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    findings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Recorded results of a home visit, e.g. ``{"business_confirmed_micro": true}``."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


LIFE_EVENTS = (
    "unemployment", "illness", "disability", "death", "school_entry", "birth",
    "income_change", "property_change",
)  # fmt: skip


class ReportedChange(Timestamped, Base):
    """A life event a resident reported in the chat (a reason to re-check, not a decision)."""

    __tablename__ = "reported_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    event: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Encrypted)
    """What the resident wrote about it (masked for ID and phone numbers, then encrypted)."""
    channel: Mapped[str] = mapped_column(String(16))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
