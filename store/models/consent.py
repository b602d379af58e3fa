"""一证一书: the ID number plus the signed authorization for verification (审核确认办法 art. 9).

PIPL arts. 29–31: sensitive data needs separate consent with notice of purpose; a guardian
consents for a child under 14 or anyone without capacity; consent can be withdrawn (art. 15).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, UTCDateTime, utcnow


class Consent(Base):
    """One authorization by (or for) one person.

    ``granted_by`` is ``self`` or ``guardian`` (then ``guardian_person_id`` says who);
    ``text_version`` and ``text_sha256`` pin the exact authorization text agreed to.
    Valid at ``t`` when ``granted_at <= t < expires_at`` and not revoked by ``t``.
    """

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    text_version: Mapped[str] = mapped_column(String(32))
    text_sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[str] = mapped_column(String(8))
    guardian_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def covers(
    granted_at: datetime, expires_at: datetime, revoked_at: datetime | None, at: datetime
) -> bool:
    """True when a consent with these times covers a read at ``at`` (:class:`Consent`)."""
    revoked = revoked_at is not None and revoked_at <= at
    return granted_at <= at < expires_at and not revoked
