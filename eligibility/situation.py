"""The family a pre-check evaluates, as validated input (the what-if JSON of issue 3).

Built by the what-if CLI from a JSON file, by the chat from what a resident said, and by the
database path (``eligibility/precheck.py``) from department records. Amounts are yuan; monthly
amounts are the average of the 6 months before applying (广东 省政府令第262号 [3P]).

:func:`parse_situation` turns any validation failure into :class:`jiuzhu.errors.InvalidInput`
with one line naming the field and what was expected, e.g.
``members[0].monthly_income: expected a number ≥ 0, got -5``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from eligibility.kinds import BUSINESS_KINDS, DEDUCTION_KINDS, INCOME_KINDS, VEHICLE_KINDS
from eligibility.regions import PREFECTURES, is_guangdong_code
from jiuzhu.errors import InvalidInput

Relation = Literal["applicant", "spouse", "child", "parent", "other"]
DisabilityCategoryName = Literal[
    "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"
]
VehicleKind = Literal["car", "truck", "van", "motorcycle", "e_bike", "disabled_mobility"]
BusinessKind = Literal["micro", "individual", "company", "cooperative"]

#: earliest month the parameters cover (values before 2021-01 were not encoded)
EARLIEST_PERIOD = "2021-01"
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

assert set(VehicleKind.__args__) == set(VEHICLE_KINDS)
assert set(BusinessKind.__args__) == set(BUSINESS_KINDS)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Disability(_Model):
    """残疾人证: category and grade 1 (most severe) to 4."""

    category: DisabilityCategoryName
    grade: int = Field(ge=1, le=4)


class Deductions(_Model):
    """Costs deducted from the member's income (审核确认办法 art. 13 [V]), yuan/month."""

    disability_costs: float = Field(default=0.0, ge=0)
    illness_costs: float = Field(default=0.0, ge=0)
    employment_costs: float = Field(default=0.0, ge=0)


assert set(Deductions.model_fields) == set(DEDUCTION_KINDS)


class Member(_Model):
    """One family member (审核确认办法 art. 7 [V]).

    ``monthly_income`` is the person's total monthly income (6-month average, yuan/month);
    ``income_kinds`` optionally splits it by kind (:data:`eligibility.kinds.INCOME_KINDS`) so
    exempt kinds are excluded; the kinds may not add up to more than ``monthly_income``.
    """

    id: str = Field(min_length=1)
    relation: Relation
    birth_date: date
    monthly_income: float = Field(default=0.0, ge=0)
    income_kinds: dict[str, float] = Field(default_factory=dict)
    disability: Disability | None = None
    serious_illness: bool = False
    able_to_work: bool = True
    student: bool = False
    has_supporter: bool = True
    #: a caseworker found this able member refuses work without good reason ([3P])
    refuses_work: bool = False
    #: declared or found in work (a job without wage income on record still counts)
    employed: bool = False
    deductions: Deductions = Field(default_factory=Deductions)
    orphan: bool = False
    child_without_carer: bool = False

    @field_validator("income_kinds")
    @classmethod
    def _known_kinds(cls, kinds: dict[str, float]) -> dict[str, float]:
        for kind, amount in kinds.items():
            if kind not in INCOME_KINDS:
                msg = f"unknown income kind {kind!r}: expected one of {', '.join(INCOME_KINDS)}"
                raise ValueError(msg)
            if amount < 0:
                msg = f"{kind}: expected a number ≥ 0, got {amount:g}"
                raise ValueError(msg)
        return kinds

    @model_validator(mode="after")
    def _kinds_within_total(self) -> Member:
        total = sum(self.income_kinds.values())
        if total > self.monthly_income + 0.005:
            msg = (f"income_kinds: add up to {total:g}, more than monthly_income "
                   f"{self.monthly_income:g}: expected kinds that split monthly_income")
            raise ValueError(msg)
        return self


class BusinessRegistration(_Model):
    """A market-entity registration (市场主体登记) found by verification."""

    kind: BusinessKind
    employees: int = Field(default=0, ge=0)
    luxury_goods: bool = False
    member: str | None = None


class Assets(_Model):
    """Family property (审核确认办法 art. 14 [V]); counts and yuan."""

    residential_properties: int = Field(default=0, ge=0)
    nonresidential_properties: int = Field(default=0, ge=0)
    exempt_residential_properties: int = Field(default=0, ge=0)
    vehicles: list[VehicleKind] = Field(default_factory=list)
    business_registrations: list[BusinessRegistration] = Field(default_factory=list)
    financial_assets: float = Field(default=0.0, ge=0)
    #: how many of ``vehicles`` are used to earn a living (from 2026-01 one such car → visit)
    livelihood_vehicles: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _exempt_within_total(self) -> Assets:
        if self.exempt_residential_properties > self.residential_properties:
            msg = ("exempt_residential_properties: expected at most residential_properties "
                   f"({self.residential_properties})")
            raise ValueError(msg)
        if self.livelihood_vehicles > len(self.vehicles):
            msg = ("livelihood_vehicles: expected at most the number of vehicles "
                   f"({len(self.vehicles)})")
            raise ValueError(msg)
        return self


class HomeVisit(_Model):
    """Recorded findings of a home visit (入户核查); None = not checked on the visit."""

    business_confirmed_micro: bool | None = None
    income_confirmed: bool | None = None


class Situation(_Model):
    """A family in one month: where it lives, who counts, what it earns and owns.

    ``unverified_members`` lists members left out because they gave no consent; the result
    then says the pre-check is incomplete.
    """

    region: str
    area: Literal["urban", "rural"]
    period: str
    members: list[Member] = Field(min_length=1)
    assets: Assets
    home_visit: HomeVisit | None = None
    unverified_members: list[str] = Field(default_factory=list)

    @field_validator("region")
    @classmethod
    def _region(cls, code: str) -> str:
        if not re.fullmatch(r"\d{6}", code):
            msg = f"expected a 6-digit region code like 440106, got {code!r}"
            raise ValueError(msg)
        if not is_guangdong_code(code):
            msg = (f"expected a Guangdong code (44xxxx) of one of the 21 prefectures "
                   f"({', '.join(PREFECTURES)}), got {code!r}")
            raise ValueError(msg)
        return code

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if not _PERIOD.match(value):
            msg = f"expected a month as YYYY-MM, e.g. 2024-07, got {value!r}"
            raise ValueError(msg)
        if value < EARLIEST_PERIOD:
            msg = f"expected a month from {EARLIEST_PERIOD} (rules before that are not encoded)"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _members(self) -> Situation:
        ids = [m.id for m in self.members]
        if len(set(ids)) != len(ids):
            msg = "members: expected distinct ids"
            raise ValueError(msg)
        relations = [m.relation for m in self.members]
        if relations.count("applicant") != 1:
            msg = "members: expected exactly one member with relation 'applicant'"
            raise ValueError(msg)
        if relations.count("spouse") > 1:
            msg = "members: expected at most one spouse"
            raise ValueError(msg)
        last_day = f"{self.period}-31"
        for i, member in enumerate(self.members):
            if member.birth_date.isoformat() > last_day:
                msg = f"members[{i}].birth_date: expected a date before the end of {self.period}"
                raise ValueError(msg)
        for i, business in enumerate(self.assets.business_registrations):
            if business.member is not None and business.member not in ids:
                msg = (f"assets.business_registrations[{i}].member: expected a member id "
                       f"({', '.join(ids)}), got {business.member!r}")
                raise ValueError(msg)
        return self

    @property
    def applicant(self) -> Member:
        """The member whose relation is ``applicant``."""
        return next(m for m in self.members if m.relation == "applicant")


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in {"function-after", "literal", "list"} or str(part).startswith(
            ("function-", "literal[")
        ):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text or "situation"


_NAMES_FIELD = re.compile(r"^[a-z_][\w\[\].]*: ")


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    where = _location(first["loc"])
    kind = first["type"]
    got = first.get("input")
    ctx = first.get("ctx") or {}
    if kind == "missing":
        return f"{where}: missing field"
    if kind == "literal_error":
        return f"{where}: expected one of {ctx.get('expected')}, got {got!r}"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"{where}: expected a number ≥ {ctx.get('ge', ctx.get('gt')):g}, got {got!r}"
    if kind in {"less_than_equal", "less_than"}:
        return f"{where}: expected a number ≤ {ctx.get('le', ctx.get('lt')):g}, got {got!r}"
    if kind == "extra_forbidden":
        return f"{where}: unknown field"
    if kind == "value_error":
        message = str(ctx.get("error", first["msg"]))
        if _NAMES_FIELD.match(message):  # the validator named a field inside ``where``
            return message if where == "situation" else f"{where}.{message}"
        return f"{where}: {message}"
    return f"{where}: {first['msg'].lower()}, got {got!r}"


def parse_situation(data: Any) -> Situation:
    """Validate a what-if situation given as plain Python data (the issue's JSON shape).

    :raises InvalidInput: one line naming the field and what was expected (exit status 2).
    """
    try:
        return Situation.model_validate(data)
    except ValidationError as e:
        raise InvalidInput(_one_line(e)) from None


def parse_situation_json(text: str) -> Situation:
    """:func:`parse_situation` for JSON text.

    :raises InvalidInput: when the text is not JSON, or not a valid situation.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        msg = f"situation: expected a JSON object ({e.msg} at line {e.lineno})"
        raise InvalidInput(msg) from None
    if not isinstance(data, dict):
        msg = "situation: expected a JSON object"
        raise InvalidInput(msg)
    return parse_situation(data)
