"""Every table of jiuzhu; importing this package registers them all on ``Base.metadata``."""

from store.models.applications import Application, ApplicationEvent, PrecheckResult
from store.models.audit import AuditLog, IdentityAttempt, SmsOutbox, Transcript
from store.models.batch import BatchRun, OutreachOptIn
from store.models.benefits import Benefit
from store.models.cases import Case, CaseEvent, Outbound, ReportedChange
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
from store.models.staff import (
    BenefitDecision,
    CaseView,
    HomeVisitRecord,
    LoginAttempt,
    Notice,
    Referral,
    StaffAccess,
    StaffAccount,
    StaffSession,
)

__all__ = [
    "RECORD_MODELS",
    "Application",
    "ApplicationEvent",
    "AuditLog",
    "BatchRun",
    "Benefit",
    "BenefitDecision",
    "BusinessRegistration",
    "Case",
    "CaseEvent",
    "CaseView",
    "Consent",
    "DeathRecord",
    "DisabilityCertificate",
    "Family",
    "FamilyMember",
    "FinancialAsset",
    "HomeVisitRecord",
    "HouseholdRegistration",
    "IdentityAttempt",
    "IncomeRecord",
    "LoginAttempt",
    "MedicalExpense",
    "Notice",
    "Outbound",
    "OutreachOptIn",
    "Person",
    "PrecheckResult",
    "ProvidentFund",
    "RealEstate",
    "Referral",
    "ReportedChange",
    "SchoolEnrolment",
    "SmsOutbox",
    "SocialInsurance",
    "StaffAccess",
    "StaffAccount",
    "StaffSession",
    "Transcript",
    "UnemploymentRegistration",
    "Vehicle",
]
