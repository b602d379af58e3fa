"""Department records checked in verification (审核确认办法 art. 17; 暂行办法 art. 58).

One table per kind of record, each keyed by person. They are read only through the
consent-checked adapters of :mod:`store.sources`. Amounts are yuan; ``monthly_amount`` is
yuan per month. Vocabularies are listed beside each table.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base

Money = Numeric(14, 2)


class _PersonRecord:
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)


class HouseholdRegistration(_PersonRecord, Base):
    """户籍 (公安): where a person's hukou is and whether it is urban or rural."""

    __tablename__ = "household_registration"
    department = "公安"
    region_code: Mapped[str] = mapped_column(String(6))
    area: Mapped[str] = mapped_column(String(5))
    registered_on: Mapped[date | None] = mapped_column(Date)


INCOME_KINDS = (
    "wage", "business", "property", "transfer", "pension", "pension_basic_resident",
    "insurance_benefit", "special_care", "family_planning_award", "scholarship",
    "bravery_award", "social_assistance", "old_age_allowance",
)  # fmt: skip
"""Income kinds as departments report them; ``pension`` is an employee pension (a transfer
income). Which kinds are exempt (审核确认办法 art. 13) is decided by the eligibility rules."""


class IncomeRecord(_PersonRecord, Base):
    """Income (税务/人社) as spells: ``monthly_amount`` from ``month_from`` to ``month_to``."""

    __tablename__ = "income_record"
    department = "税务"
    kind: Mapped[str] = mapped_column(String(24))
    monthly_amount: Mapped[Decimal] = mapped_column(Money)
    month_from: Mapped[str] = mapped_column(String(7))
    month_to: Mapped[str | None] = mapped_column(String(7))


class SocialInsurance(_PersonRecord, Base):
    """Social insurance / employment (人社): contributing employer and base."""

    __tablename__ = "social_insurance"
    department = "人社"
    employer: Mapped[str | None] = mapped_column(String(64))
    contribution_base: Mapped[Decimal | None] = mapped_column(Money)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


PROPERTY_EXEMPTIONS = ("uninhabited_mud_brick", "inherited_ancestral")
"""Houses that do not count (粤府办〔2022〕3号)."""


class RealEstate(_PersonRecord, Base):
    """不动产 (自然资源): ``kind`` residential / nonresidential; ``exemption`` one of above."""

    __tablename__ = "real_estate"
    department = "自然资源"
    kind: Mapped[str] = mapped_column(String(16))
    exemption: Mapped[str | None] = mapped_column(String(24))
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    rented_out: Mapped[bool] = mapped_column(Boolean, default=False)


VEHICLE_KINDS = ("car", "truck", "van", "motorcycle", "e_bike", "disabled_mobility")


class Vehicle(_PersonRecord, Base):
    """车辆 (公安交管): one of :data:`VEHICLE_KINDS`."""

    __tablename__ = "vehicle"
    department = "公安交管"
    kind: Mapped[str] = mapped_column(String(20))
    registered_on: Mapped[date | None] = mapped_column(Date)


class BusinessRegistration(_PersonRecord, Base):
    """市场主体登记 (市场监管): ``kind`` micro / company; luxury = high-end tobacco/alcohol."""

    __tablename__ = "business_registration"
    department = "市场监管"
    credit_code: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(8))
    employees: Mapped[int] = mapped_column(Integer, default=0)
    luxury_goods: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_on: Mapped[date | None] = mapped_column(Date)


FINANCIAL_KINDS = (
    "deposit", "securities", "fund", "commercial_insurance", "debt_owed", "internet_finance",
)  # fmt: skip


class FinancialAsset(_PersonRecord, Base):
    """金融资产 (银行/证券): balance in yuan of one of :data:`FINANCIAL_KINDS`."""

    __tablename__ = "financial_asset"
    department = "金融机构"
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)


class ProvidentFund(_PersonRecord, Base):
    """住房公积金: balance (yuan) and monthly contribution (yuan/month)."""

    __tablename__ = "provident_fund"
    department = "住房公积金中心"
    balance: Mapped[Decimal] = mapped_column(Money)
    monthly_contribution: Mapped[Decimal] = mapped_column(Money)


DISABILITY_CATEGORIES = (
    "physical",
    "visual",
    "hearing",
    "speech",
    "intellectual",
    "mental",
    "multiple",
)


class DisabilityCertificate(_PersonRecord, Base):
    """残疾人证 (残联): category and grade 1 (most severe) – 4."""

    __tablename__ = "disability_certificate"
    department = "残联"
    category: Mapped[str] = mapped_column(String(16))
    grade: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date | None] = mapped_column(Date)


SCHOOL_LEVELS = (
    "kindergarten",
    "primary",
    "junior",
    "senior",
    "vocational",
    "college",
    "bachelor",
)


class SchoolEnrolment(_PersonRecord, Base):
    """学籍 (教育): level and start date."""

    __tablename__ = "school_enrolment"
    department = "教育"
    level: Mapped[str] = mapped_column(String(12))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class MedicalExpense(_PersonRecord, Base):
    """医保: out-of-pocket medical spending in a month (yuan), and whether it is a 重特大疾病."""

    __tablename__ = "medical_expense"
    department = "医保"
    month: Mapped[str] = mapped_column(String(7))
    amount: Mapped[Decimal] = mapped_column(Money)
    serious_illness: Mapped[bool] = mapped_column(Boolean, default=False)
    diagnosis: Mapped[str | None] = mapped_column(String(64))


class DeathRecord(_PersonRecord, Base):
    """死亡登记 (公安/卫健)."""

    __tablename__ = "death_record"
    department = "公安"
    died_on: Mapped[date] = mapped_column(Date)


class UnemploymentRegistration(_PersonRecord, Base):
    """失业登记 (人社)."""

    __tablename__ = "unemployment_registration"
    department = "人社"
    registered_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)


RECORD_MODELS: dict[str, type[_PersonRecord]] = {
    "household_registration": HouseholdRegistration,
    "income": IncomeRecord,
    "social_insurance": SocialInsurance,
    "real_estate": RealEstate,
    "vehicle": Vehicle,
    "business_registration": BusinessRegistration,
    "financial_asset": FinancialAsset,
    "provident_fund": ProvidentFund,
    "disability": DisabilityCertificate,
    "school_enrolment": SchoolEnrolment,
    "medical_expense": MedicalExpense,
    "death": DeathRecord,
    "unemployment": UnemploymentRegistration,
}
"""Every kind of department record by its name in audit rows and source adapters."""
