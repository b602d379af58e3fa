"""The family a pre-check evaluates, as validated input (the what-if JSON of issue 3).

Built by the what-if CLI from a JSON file, by the chat from what a resident said, and by the
database path (``eligibility/precheck.py``) from department records. Amounts are yuan; a
member's income is either the average of the 6 months before applying (广东 省政府令第262号
[3P]) or the amounts of each month (:class:`Member`).

:func:`parse_situation` turns any validation failure into :class:`jiuzhu.errors.InvalidInput`
with one line naming the field and what was expected, e.g.
``members[0].monthly_income: expected a number ≥ 0, got -5``. What is accepted:

- amounts (:data:`Yuan`): JSON numbers, finite, 0 to :data:`MAX_YUAN`; ``NaN``,
  ``Infinity`` and numbers that overflow (``1e400``) are refused, so are ``true``/``false``
  and numeric strings (``"2000"``): a producer that quotes numbers or sends booleans has a
  bug the pre-check should not guess around;
- counts and grades (:data:`Count`): whole JSON numbers (``2.5`` or ``2.0`` houses refused);
- flags: ``true``/``false`` only (not ``1`` or ``"yes"``); every field is strict (pydantic
  strict mode), except dates, given as ``YYYY-MM-DD`` text or :class:`datetime.date`;
- dates from 1900-01-01 to the end of next year, months from 2021-01 to next December
  (:mod:`eligibility.bounds`, next year by the injected clock);
- at most :data:`MAX_HOUSEHOLD_SIZE` members with distinct ids; ``unverified_members``
  distinct non-empty ids that are not among ``members``;
- region codes of six ASCII digits (not full-width ``４４０１０６``).

:func:`parse_situation_json` also refuses JSON with duplicate keys, nesting deeper than
:data:`MAX_JSON_DEPTH`, and text longer than :data:`MAX_JSON_CHARS`.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from eligibility.bounds import date_problem, period_problem, shown
from eligibility.kinds import BUSINESS_KINDS, DEDUCTION_KINDS, INCOME_KINDS, VEHICLE_KINDS
from eligibility.regions import PREFECTURES, is_guangdong_code
from jiuzhu.errors import InvalidInput

Relation = Literal["applicant", "spouse", "child", "parent", "other"]
DisabilityCategoryName = Literal[
    "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"
]
VehicleKind = Literal["car", "truck", "van", "motorcycle", "e_bike", "disabled_mobility"]
BusinessKind = Literal["micro", "individual", "company", "cooperative"]

assert set(VehicleKind.__args__) == set(VEHICLE_KINDS)
assert set(BusinessKind.__args__) == set(BUSINESS_KINDS)

MAX_HOUSEHOLD_SIZE = 20
"""Most members a situation may list [A]. The largest households in Guangdong's census
tables of family households by size (第七次全国人口普查, grouped up to "10 persons and
more", a tiny share; not re-read for this figure) are far below; 20 is above any real
family and stops a typing or generator error (200 members gave a 227,600 元/月 dibao)
before it reaches the rules. The database path builds the same model, so it is bound too."""

MAX_YUAN = 100_000_000
"""Largest amount (yuan) accepted for an income or a financial asset [A]: 1亿, orders of
magnitude above every limit of the rules (at most a few hundred thousand yuan), and small
enough that OpenFisca's float32 sums over :data:`MAX_HOUSEHOLD_SIZE` members stay finite
(``1e308`` overflowed to ``inf``)."""

MAX_COUNT = 1_000_000
"""Largest count accepted (properties, employees) [A]: far above any family's, far below
OpenFisca's int32 limit."""


class _OutOfRangeNumber:
    """A JSON number no field accepts, kept as written so the error can say what was typed:
    ``NaN``, ``Infinity`` (not JSON, but Python's json reads them), a float that overflows
    (``1e400``) or an integer of more than 18 digits (Python refuses 4,300)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.finite = text.lstrip("-").isdigit()

    def __repr__(self) -> str:
        return self.text


def _number(value: Any) -> Any:
    """Amounts: a JSON number (int or float, not bool), finite."""
    if isinstance(value, _OutOfRangeNumber) and value.finite:
        msg = f"expected a number ≤ {MAX_YUAN}, got {shown(value)}"
        raise ValueError(msg)
    if isinstance(value, _OutOfRangeNumber) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        msg = f"expected a finite number ≥ 0, got {shown(value)}"
        raise ValueError(msg)
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"expected a number ≥ 0, got {shown(value)}"
        raise ValueError(msg)
    return float(value)


def _whole(value: Any) -> Any:
    """Counts and grades: a whole JSON number (int, not bool; ``2.0`` is refused too)."""
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"expected a whole number, got {shown(value)}"
        raise ValueError(msg)
    return value


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(value: Any) -> Any:
    """Dates: ``YYYY-MM-DD`` text (ASCII digits) or a :class:`date`, within
    :func:`eligibility.bounds.date_problem`'s range."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            msg = f"expected a date as YYYY-MM-DD, got {shown(value)} (no such day)"
            raise ValueError(msg) from None
    if not isinstance(value, date) or hasattr(value, "hour"):  # datetime is a date too
        msg = f"expected a date as YYYY-MM-DD, e.g. 1985-06-12, got {shown(value)}"
        raise ValueError(msg)
    problem = date_problem(value)
    if problem:
        raise ValueError(problem)
    return value


#: an amount in yuan: finite JSON number from 0 to :data:`MAX_YUAN` (see the module docstring)
Yuan = Annotated[float, BeforeValidator(_number), Field(ge=0, le=MAX_YUAN)]
#: a count: whole JSON number from 0 to :data:`MAX_COUNT`
Count = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=MAX_COUNT)]
#: a calendar date from 1900-01-01 to the end of next year
Day = Annotated[date, BeforeValidator(_day)]


class _Model(BaseModel):
    # strict: no true-as-1, "2000"-as-2000 or 1-as-true (lax mode's coercions)
    model_config = ConfigDict(extra="forbid", frozen=False, strict=True)


class Disability(_Model):
    """残疾人证: category and grade 1 (most severe) to 4."""

    category: DisabilityCategoryName
    grade: Annotated[int, BeforeValidator(_whole)] = Field(ge=1, le=4)


def _check_kinds(kinds: dict[str, float]) -> dict[str, float]:
    for kind, amount in kinds.items():
        if kind not in INCOME_KINDS:
            msg = (f"unknown income kind {shown(kind)}: expected one of "
                   f"{', '.join(INCOME_KINDS)}")  # fmt: skip
            raise ValueError(msg)
        if amount < 0:
            msg = f"{kind}: expected a number ≥ 0, got {amount:g}"
            raise ValueError(msg)
    return kinds


class Deductions(_Model):
    """Costs deducted from the member's income (审核确认办法 art. 13 [V]), yuan/month."""

    disability_costs: Yuan = 0.0
    illness_costs: Yuan = 0.0
    employment_costs: Yuan = 0.0


assert set(Deductions.model_fields) == set(DEDUCTION_KINDS)


class Member(_Model):
    """One family member (审核确认办法 art. 7 [V]).

    Income, one of two forms:

    - ``monthly_income``: the person's average monthly income over the months before the
      period (``dibao.income.averaging_months``, 6; yuan/month), taken as the income of each
      of those months; ``income_kinds`` optionally splits it by kind
      (:data:`eligibility.kinds.INCOME_KINDS`) so exempt kinds are excluded; the kinds may not
      add up to more than ``monthly_income``;
    - ``income_months``: month (``"YYYY-MM"``) → kind → yuan received in that month (the
      database path's records); months without an entry had no income.

    ``able_to_work`` and ``has_supporter`` are optional caseworker findings; ``None`` (the
    default) lets the rules decide (``unable_to_work``: 特困人员认定办法 art. 7; ``has_supporter``:
    another household member able to support). ``able_to_work: false`` is a finding of
    inability (e.g. a serious illness); ``true`` changes nothing, art. 7's age and certificate
    tests still apply. ``has_supporter: true``: a supporter lives outside the household;
    ``false``: nobody can in fact support. ``student`` feeds the supporter rule.
    """

    id: str = Field(min_length=1)
    relation: Relation
    birth_date: Day
    monthly_income: Yuan = 0.0
    income_kinds: dict[str, Yuan] = Field(default_factory=dict)
    income_months: dict[str, dict[str, Yuan]] = Field(default_factory=dict)
    disability: Disability | None = None
    serious_illness: bool = False
    able_to_work: bool | None = None
    student: bool = False
    has_supporter: bool | None = None
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
        return _check_kinds(kinds)

    @field_validator("income_months")
    @classmethod
    def _months(cls, months: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for month, kinds in months.items():
            if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month):
                msg = f"expected months as YYYY-MM, got {shown(month)}"
                raise ValueError(msg)
            _check_kinds(kinds)
        return months

    @model_validator(mode="after")
    def _kinds_within_total(self) -> Member:
        total = sum(self.income_kinds.values())
        if total > self.monthly_income + 0.005:
            msg = (f"income_kinds: add up to {total:g}, more than monthly_income "
                   f"{self.monthly_income:g}: expected kinds that split monthly_income")
            raise ValueError(msg)
        if self.income_months and (self.monthly_income or self.income_kinds):
            msg = ("income_months: expected either income_months or monthly_income/"
                   "income_kinds (an average), not both")
            raise ValueError(msg)
        return self


class BusinessRegistration(_Model):
    """A market-entity registration (市场主体登记) found by verification.

    ``credit_code``: the unified social credit code, already masked (``9144************12``,
    :func:`store.pii.mask_credit_code`); only shown in reasons, the rules ignore it.
    """

    kind: BusinessKind
    employees: Count = 0
    luxury_goods: bool = False
    member: str | None = None
    credit_code: str | None = Field(default=None, max_length=18)


RecordKind = Literal[
    "income", "real_estate", "vehicle", "business_registration", "financial_asset", "disability"
]
RecordValue = str | int | float | bool | None


class RecordRef(_Model):
    """One department record the verification found, masked, for a resident to check.

    Shown in the verification report and named by reasons; the rules ignore it (the counts
    in :class:`Assets` and the members' figures decide). ``fields`` by ``kind``:
    ``real_estate``: ``use`` (residential/nonresidential), ``area_m2``, ``rented_out``,
    ``exemption`` (``uninhabited_mud_brick``/``inherited_ancestral``/None); ``vehicle``:
    ``vehicle_kind``; ``business_registration``: ``credit_code`` (masked), ``business_kind``,
    ``employees``, ``luxury_goods``; ``financial_asset``: ``asset_kind``, ``amount`` (yuan);
    ``income``: ``income_kind``, ``monthly_amount`` (yuan/month), ``month_from``, ``month_to``;
    ``disability``: ``category``, ``grade``.
    """

    kind: RecordKind
    member: str | None = None
    fields: dict[str, RecordValue] = Field(default_factory=dict)


class Assets(_Model):
    """Family property (审核确认办法 art. 14 [V]); counts and yuan."""

    residential_properties: Count = 0
    nonresidential_properties: Count = 0
    exempt_residential_properties: Count = 0
    vehicles: list[VehicleKind] = Field(default_factory=list)
    business_registrations: list[BusinessRegistration] = Field(default_factory=list)
    financial_assets: Yuan = 0.0
    records: list[RecordRef] = Field(default_factory=list)
    #: how many of ``vehicles`` are used to earn a living (from 2026-01 one such car → visit)
    livelihood_vehicles: Count = 0

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
    members: list[Member] = Field(min_length=1, max_length=MAX_HOUSEHOLD_SIZE)
    assets: Assets
    home_visit: HomeVisit | None = None
    unverified_members: list[str] = Field(default_factory=list)

    @field_validator("region")
    @classmethod
    def _region(cls, code: str) -> str:
        if not re.fullmatch(r"[0-9]{6}", code):
            msg = f"expected a 6-digit region code like 440106, got {shown(code)}"
            raise ValueError(msg)
        if not is_guangdong_code(code):
            msg = (f"expected a Guangdong code (44xxxx) of one of the 21 prefectures "
                   f"({', '.join(PREFECTURES)}), got {shown(code)}")
            raise ValueError(msg)
        return code

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        problem = period_problem(value)
        if problem:
            raise ValueError(problem)
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
        for i, record in enumerate(self.assets.records):
            if record.member is not None and record.member not in ids:
                msg = (f"assets.records[{i}].member: expected a member id "
                       f"({', '.join(ids)}), got {record.member!r}")
                raise ValueError(msg)
        self._check_unverified(ids)
        return self

    def _check_unverified(self, ids: list[str]) -> None:
        # An unverified member is by definition left out of ``members``.
        seen: set[str] = set()
        for i, other in enumerate(self.unverified_members):
            where = f"unverified_members[{i}]"
            if not other:
                msg = f"{where}: expected a member id, got an empty string"
                raise ValueError(msg)
            if other in ids:
                msg = (f"{where}: expected an id not in members (an unverified member is "
                       f"not counted), got {shown(other)}")  # fmt: skip
                raise ValueError(msg)
            if other in seen:
                msg = f"{where}: expected distinct ids, got {shown(other)} twice"
                raise ValueError(msg)
            seen.add(other)

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
        elif not (str(part).isascii() and str(part).isidentifier()) or len(str(part)) > 40:
            # a key as typed: quoted, cut, one line
            text = (text or "situation") + f"[{shown(str(part))}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "situation"


_NAMES_FIELD = re.compile(r"^[a-z_][\w\[\].]*: ")


#: what a strict-mode type error expected, in the words of the other messages
_EXPECTED = {
    "bool_type": "true or false",
    "string_type": "a string",
    "int_type": "a whole number",
    "float_type": "a number",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "date_type": "a date as YYYY-MM-DD",
    "none_required": "null",
}


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    where = _location(first["loc"])
    kind = first["type"]
    got = shown(first.get("input"))
    ctx = first.get("ctx") or {}
    if kind == "missing":
        return f"{where}: missing field"
    if kind == "literal_error":
        return f"{where}: expected one of {ctx.get('expected')}, got {got}"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"{where}: expected a number ≥ {ctx.get('ge', ctx.get('gt')):g}, got {got}"
    if kind in {"less_than_equal", "less_than"}:
        return f"{where}: expected a number ≤ {ctx.get('le', ctx.get('lt')):.15g}, got {got}"
    if kind in {"too_long", "too_short"}:
        most = "at most" if kind == "too_long" else "at least"
        limit = ctx.get("max_length", ctx.get("min_length"))
        items = "members" if where == "members" else "items"
        items = items[:-1] if limit == 1 else items
        return f"{where}: expected {most} {limit} {items}, got {ctx.get('actual_length')}"
    if kind == "extra_forbidden":
        return f"{where}: unknown field"
    if kind in _EXPECTED:
        return f"{where}: expected {_EXPECTED[kind]}, got {got}"
    if kind == "value_error":
        message = str(ctx.get("error", first["msg"]))
        if _NAMES_FIELD.match(message):  # the validator named a field inside ``where``
            return message if where == "situation" else f"{where}.{message}"
        return f"{where}: {message}"
    return f"{where}: {first['msg'].lower()}, got {got}"


def parse_situation(data: Any) -> Situation:
    """Validate a what-if situation given as plain Python data (the issue's JSON shape).

    :raises InvalidInput: one line naming the field and what was expected (exit status 2).
    """
    try:
        return Situation.model_validate(data)
    except ValidationError as e:
        raise InvalidInput(_one_line(e)) from None


MAX_JSON_CHARS = 1_000_000
"""Longest situation text read [A]: a family of :data:`MAX_HOUSEHOLD_SIZE` members is a few
kilobytes; a 50 MB file is not a situation (and would be echoed, parsed, kept in memory)."""

MAX_JSON_DEPTH = 10
"""Deepest nesting of objects and lists accepted; a situation nests 4 deep
(``assets.business_registrations[0].kind``). Deeper text is refused before Python's parser
would run out of stack."""


def _duplicate_keys_refused(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys: "period" twice is ambiguous, not valid.
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            msg = f"situation: expected each key once in an object, got {shown(key)} twice"
            raise InvalidInput(msg)
        data[key] = value
    return data


def _json_float(text: str) -> float | _OutOfRangeNumber:
    value = float(text)
    return value if math.isfinite(value) else _OutOfRangeNumber(text)


def _json_int(text: str) -> int | _OutOfRangeNumber:
    return int(text) if len(text.lstrip("-")) <= 18 else _OutOfRangeNumber(text)


def _depth(text: str) -> int:
    """Deepest nesting of ``[`` and ``{`` outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_situation_json(text: str) -> Situation:
    """:func:`parse_situation` for JSON text.

    ``NaN``, ``Infinity`` and numbers too large for a float (``1e400``) are read as values no
    field accepts, so the error names the field.

    :raises InvalidInput: when the text is not JSON (or longer than :data:`MAX_JSON_CHARS`,
        deeper than :data:`MAX_JSON_DEPTH`, with a key twice in one object), or not a valid
        situation.
    """
    if len(text) > MAX_JSON_CHARS:
        msg = f"situation: expected at most {MAX_JSON_CHARS} characters, got {len(text)}"
        raise InvalidInput(msg)
    if _depth(text) > MAX_JSON_DEPTH:
        msg = f"situation: expected JSON nested at most {MAX_JSON_DEPTH} deep"
        raise InvalidInput(msg)
    try:
        data = json.loads(
            text,
            object_pairs_hook=_duplicate_keys_refused,
            parse_constant=_OutOfRangeNumber,
            parse_float=_json_float,
            parse_int=_json_int,
        )
    except json.JSONDecodeError as e:
        msg = f"situation: expected a JSON object ({e.msg} at line {e.lineno})"
        raise InvalidInput(msg) from None
    if not isinstance(data, dict):
        msg = "situation: expected a JSON object"
        raise InvalidInput(msg)
    return parse_situation(data)
