"""The typed result of a pre-check; ``to_json_dict()`` is the issue-3 output JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eligibility.situation import RecordRef

StatusName = Literal["eligible", "ineligible", "needs_home_visit"]

#: program codes in the order results list them
PROGRAMS: tuple[str, ...] = (
    "dibao",
    "low_income_marginal",
    "dibao_single",
    "tekun",
    "disability_living_subsidy",
    "disability_care_subsidy",
    "medical_insurance_subsidy",
)


class Reason(BaseModel):
    """``code`` (see :mod:`eligibility.reasons`) plus the figures that decided it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: str


class ProgramResult(BaseModel):
    """One program: status, family total in yuan/month (None: set elsewhere), members, why."""

    status: StatusName
    monthly_amount: float | None
    members: list[str]
    reasons: list[Reason]


class Flag(BaseModel):
    """Something a person must look at: ``home_visit`` or ``obtain_consent``."""

    code: str
    action: str
    member: str | None = None


class PrecheckResult(BaseModel):
    """Outcome of every program for one family in one month.

    Amounts are yuan per month rounded to 2 decimals. ``complete`` is False when members were
    left out for lack of consent (``unverified_members``). ``records``: the department records
    found, masked (:class:`eligibility.situation.RecordRef`; empty for a what-if without them).
    """

    region: str
    area: Literal["urban", "rural"]
    period: str
    rules_version: str
    household_size: int
    per_capita_income: float
    dibao_standard: float
    dibao_standard_source: Literal["region", "prefecture", "tier_floor"]
    programs: dict[str, ProgramResult]
    flags: list[Flag]
    unverified_members: list[str]
    records: list[RecordRef] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every family member's data could be verified."""
        return not self.unverified_members

    def status(self, program: str) -> StatusName:
        """Shortcut: ``result.status("dibao")``."""
        return self.programs[program].status

    def to_json_dict(self) -> dict[str, Any]:
        """The issue's output JSON as plain Python data (``json.dumps``-able); ``records``
        only when there are some (a what-if keeps the issue-3 shape)."""
        data = self.model_dump(mode="json")
        if not data["records"]:
            del data["records"]
        return data
