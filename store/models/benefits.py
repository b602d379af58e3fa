"""幸福清单: every benefit a family or one of its members receives, from every department."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, Timestamped
from store.models.records import Money


class Benefit(Timestamped, Base):
    """One benefit being paid.

    ``person_id`` is set for a person-level benefit (e.g. a disability subsidy) and empty for
    one paid to the family (e.g. dibao). ``monthly_amount`` is yuan per month; a benefit paid
    once a year (medical insurance premium) is stored per month too and labelled by program.
    Active on ``d`` when ``start_date <= d`` and (``end_date`` is empty or ``d <= end_date``).
    """

    __tablename__ = "benefit"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    program: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(32))
    monthly_amount: Mapped[Decimal] = mapped_column(Money)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    next_review: Mapped[date | None] = mapped_column(Date)
