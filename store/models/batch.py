"""What the province-scale batch remembers: its runs, and residents who opted in to outreach.

A :class:`BatchRun` is one ``jiuzhu review`` or ``jiuzhu monitor`` over one partition: its
parameters, a digest of its output, and the highest record id it saw per table, so the next
run with ``--changed-since`` re-evaluates only the families whose records are newer.
An :class:`OutreachOptIn` is recorded like a consent (text version and hash, channel,
granted, revoked): the resident agreed to be contacted first (政策找人) on that chat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, Encrypted, LookupHash, UTCDateTime, utcnow

BATCH_JOBS = ("review", "monitor")


class BatchRun(Base):
    """One run of a batch job over one partition (``region_prefix``, empty = the province).

    ``watermarks`` maps a record table to the highest id the run read; ``summary`` holds the
    counts it printed (outcomes or colours); ``digest`` is the SHA-256 of its JSON output.
    """

    __tablename__ = "batch_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(16), index=True)
    as_of: Mapped[str] = mapped_column(String(7))
    region_prefix: Mapped[str] = mapped_column(String(6), default="")
    seed: Mapped[int | None] = mapped_column()
    sample_rate: Mapped[float | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    watermarks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest: Mapped[str | None] = mapped_column(String(64))


class OutreachOptIn(Base):
    """A resident's yes to proactive messages (政策找人) on one chat, kept like a consent.

    ``address`` is the resident's id on ``channel`` (a Telegram chat id, a REST sender),
    ``sender_hash`` the conversation's keyed hash; ``text_version`` / ``text_sha256`` pin the
    words agreed to. Valid while ``revoked_at`` is empty.
    """

    __tablename__ = "outreach_opt_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Encrypted)
    sender_hash: Mapped[str] = mapped_column(LookupHash)
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    text_version: Mapped[str] = mapped_column(String(32))
    text_sha256: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
