"""Residents, families and who belongs to which family (审核确认办法 art. 7)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, Encrypted, LookupHash, Timestamped

RELATIONS = ("applicant", "spouse", "child", "parent", "other")
"""Roles of a family member, as the eligibility entities name them."""

AREAS = ("urban", "rural")


class Person(Timestamped, Base):
    """A resident. ID number, name and phone are encrypted; ``id_number_hash`` finds them."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(Encrypted)
    id_number_hash: Mapped[str] = mapped_column(LookupHash, unique=True)
    name: Mapped[str] = mapped_column(Encrypted)
    phone: Mapped[str | None] = mapped_column(Encrypted)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))

    membership: Mapped[FamilyMember | None] = relationship(back_populates="person", uselist=False)


class Family(Timestamped, Base):
    """A household as social assistance counts it; region and area decide the local standard."""

    __tablename__ = "family"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    area: Mapped[str] = mapped_column(String(5))

    members: Mapped[list[FamilyMember]] = relationship(
        back_populates="family", order_by="FamilyMember.id"
    )


class FamilyMember(Base):
    """Membership of one person in one family, with the relation to the applicant."""

    __tablename__ = "family_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    relation: Mapped[str] = mapped_column(String(16))

    family: Mapped[Family] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(back_populates="membership")
