"""Applications with their status timeline, and stored pre-check results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, Timestamped, UTCDateTime, utcnow

APPLICATION_STATUSES = (
    "submitted", "accepted", "investigating", "home_visit", "public_notice",
    "approved", "refused", "withdrawn",
)  # fmt: skip
"""Steps of 《最低生活保障审核确认办法》: acceptance, investigation, notice, decision."""


class Application(Timestamped, Base):
    """An application for one program by one family; ``status`` is the latest event's."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    applicant_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    program: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    channel: Mapped[str] = mapped_column(String(16))
    precheck_id: Mapped[int | None] = mapped_column(ForeignKey("precheck_result.id"))

    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id"
    )


class ApplicationEvent(Base):
    """One step of an application's timeline."""

    __tablename__ = "application_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="events")


class PrecheckResult(Timestamped, Base):
    """A pre-check as returned to the person: the result JSON and the rules version it used."""

    __tablename__ = "precheck_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    rules_version: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    data_sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """What was consulted: ``[{"kind", "department", "read_at"}]`` (for the report)."""
