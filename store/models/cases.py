"""Cases staff work on, their timelines, and changes residents report.

A case is work for a caseworker of ``region_code``'s jurisdiction. While a caseworker
``holds`` it, the resident's conversation is theirs: the assistant stays silent for that
sender (``sender_hash``) and relays both ways (``channel`` and ``address`` say where the
resident is reached).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, Encrypted, LookupHash, Timestamped, UTCDateTime, utcnow

CASE_KINDS = (
    "handoff", "complaint", "crisis", "home_visit", "report_change", "dispute",
    "application", "periodic_review", "warning", "temporary_assistance", "deletion_request",
)  # fmt: skip
"""Why a case was opened: a resident asked for a person, complained, wrote of a crisis; a
pre-check needs a home visit; a change was reported; a refusal is disputed; an application
was submitted; the batch's review or warning; an emergency or a request for 临时救助; a
request to delete personal information (PIPL art. 47)."""

CASE_STATUSES = (
    "open", "assigned", "waiting_resident", "home_visit_scheduled", "visited", "resolved",
    "closed",
)  # fmt: skip
"""The status timeline: open → assigned → waiting_resident | home_visit_scheduled → visited →
resolved → closed."""

PRIORITIES = ("urgent", "high", "normal", "low")


class Case(Timestamped, Base):
    """Work for a caseworker in ``region_code``'s jurisdiction. ``summary`` holds no PII."""

    __tablename__ = "case"
    __table_args__ = (Index("ix_case_held_sender", "sender_hash", "held"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(24), default="open")
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    precheck_id: Mapped[int | None] = mapped_column(ForeignKey("precheck_result.id"))
    sender_hash: Mapped[str | None] = mapped_column(LookupHash)
    channel: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(Encrypted)
    """The resident's id on ``channel`` (a REST sender, a Telegram chat id), for pushes."""
    summary: Mapped[str] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"), index=True)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    """A caseworker holds the conversation: the assistant is silent for ``sender_hash``."""
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the case's first decision was made: a visit's result, a notice issued."""
    resolution: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    group_card_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    """The message id of the case's card in the Telegram staff group; 0 while it is posted."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


CASE_EVENT_KINDS = (
    "opened", "status", "assigned", "note", "message_in", "message_out", "visit", "referral",
    "notice", "decision", "joined", "released",
)  # fmt: skip


class CaseEvent(Base):
    """One step of a case's timeline: a status, a note, a message either way, a visit...

    ``actor`` is ``resident``, ``assistant``, ``staff:<username>`` or ``batch:<job>``;
    ``text`` is masked for ID numbers and phones, then encrypted; ``data`` holds structured
    details (``{"mentions": ["li"]}``, ``{"to": "assigned"}``).
    """

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))
    text: Mapped[str | None] = mapped_column(Encrypted)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Outbound(Base):
    """A message for a resident from staff (a reply, a notice, "a person joined").

    Pushed at once where the channel can push (Telegram, a REST callback URL); otherwise
    delivered with the resident's next reply (REST without callback, terminal, web chat).
    ``reset_conversation``: when delivered, the dialogue goes back to the menu (a case
    closed). ``notice_id``: a document comes with it.
    """

    __tablename__ = "outbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    sender_hash: Mapped[str] = mapped_column(LookupHash, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Encrypted)
    text: Mapped[str] = mapped_column(Encrypted)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id"))
    reset_conversation: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


LIFE_EVENTS = (
    "unemployment", "illness", "disability", "death", "school_entry", "birth",
    "income_change", "property_change", "moving",
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
