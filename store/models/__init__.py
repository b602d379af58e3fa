"""Every table of jiuzhu; importing this package registers them all on ``Base.metadata``."""

from store.models.applications import Application, ApplicationEvent, PrecheckResult
from store.models.audit import AuditLog, IdentityAttempt, SmsOutbox, Transcript
from store.models.benefits import Benefit
from store.models.cases import Case, ReportedChange
from store.models.consent import Consent
from store.models.people import Family, FamilyMember, Person
from store.models.records import (
    RECORD_MODELS,
    BusinessRegistration,
    DeathRecord,
    DisabilityCertificate,
    FinancialAsset,
    HouseholdRegistration,
    IncomeRecord,
    MedicalExpense,
    ProvidentFund,
    RealEstate,
    SchoolEnrolment,
    SocialInsurance,
    UnemploymentRegistration,
    Vehicle,
)

__all__ = [
    "RECORD_MODELS",
    "Application",
    "ApplicationEvent",
    "AuditLog",
    "Benefit",
    "BusinessRegistration",
    "Case",
    "Consent",
    "DeathRecord",
    "DisabilityCertificate",
    "Family",
    "FamilyMember",
    "FinancialAsset",
    "HouseholdRegistration",
    "IdentityAttempt",
    "IncomeRecord",
    "MedicalExpense",
    "Person",
    "PrecheckResult",
    "ProvidentFund",
    "RealEstate",
    "ReportedChange",
    "SchoolEnrolment",
    "SmsOutbox",
    "SocialInsurance",
    "Transcript",
    "UnemploymentRegistration",
    "Vehicle",
]
