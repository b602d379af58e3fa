"""The four families of the acceptance stories (shared/domain/STORIES.md), fixed identities.

All names, ID numbers and phone numbers are synthetic (valid GB 11643-1999 check
characters, sequence numbers 9xx which the generator never uses). ``jiuzhu demo-data
--list-fixtures`` prints them. Adult members other than the applicant signed the
authorization at the office (``office_consent``); the applicant consents in the chat and,
as guardian, for the children.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from jiuzhu import clock
from store.demo.timeline import shift_id_number, shift_row, years_for

OFFICE_CONSENT_GRANTED = date(2026, 11, 1)
OFFICE_CONSENT_EXPIRES = date(2030, 1, 1)
"""The office consents of the written fixtures (moved with them, see :func:`fixtures_as_of`)."""


@dataclass(frozen=True)
class FixtureMember:
    """One person of a story family; ``records`` maps a record kind to its rows' fields."""

    name: str
    id_number: str
    phone: str | None
    relation: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    office_consent: bool = False
    outreach_chat: int | None = None
    """A Telegram chat id on which this person opted in to proactive messages (政策找人)."""


OUTREACH_TEXT_VERSION = "outreach-2026-12"
"""The version of the outreach opt-in words the fixtures agreed to."""


@dataclass(frozen=True)
class FixtureFamily:
    """One story family; ``benefits`` rows name their member by index (None = family)."""

    story: str
    summary: str
    region_code: str
    area: str
    members: tuple[FixtureMember, ...]
    benefits: tuple[dict[str, Any], ...] = ()


def _wage(amount: float, since: str = "2024-01", kind: str = "wage") -> dict[str, Any]:
    return {"kind": kind, "monthly_amount": amount, "month_from": since, "month_to": None}


def _house(**extra: Any) -> dict[str, Any]:
    return {"kind": "residential", "exemption": None, "area_m2": 80, "rented_out": False} | extra


def _deposit(amount: float) -> dict[str, Any]:
    return {"kind": "deposit", "amount": amount}


FIXTURES: tuple[FixtureFamily, ...] = (
    FixtureFamily(
        story="A",
        summary="连山 rural family of four; the mother has a grade-2 intellectual disability",
        region_code="441825",
        area="rural",
        members=(
            FixtureMember(
                "覃秀梅", "44182519900305902X", "13800441825", "applicant",
                {"disability": [{"category": "intellectual", "grade": 2, "issued_on": date(2015, 5, 4)}],
                 "financial_asset": [_deposit(6000)]},
                outreach_chat=4418250001,
            ),
            FixtureMember(
                "韦志强", "441825198708149119", "13900441825", "spouse",
                {"income": [_wage(3000)], "real_estate": [_house()], "vehicle": [{"kind": "e_bike", "registered_on": None}]},
                office_consent=True,
            ),
            FixtureMember(
                "韦思琪", "441825202209019220", None, "child",
                {"school_enrolment": [{"level": "kindergarten", "start_date": date(2026, 6, 1), "end_date": None}]},
            ),
            FixtureMember("韦思雨", "441825202411209247", None, "child"),
        ),
        benefits=(
            {"member": 0, "program": "dibao_single", "department": "民政", "monthly_amount": 600,
             "start_date": date(2026, 8, 1), "next_review": date(2027, 8, 1)},
            {"member": 0, "program": "disability_living_subsidy", "department": "残联",
             "monthly_amount": 217, "start_date": date(2026, 8, 1), "next_review": date(2027, 8, 1)},
            {"member": None, "program": "low_income_marginal", "department": "民政",
             "monthly_amount": 0, "start_date": date(2026, 8, 1), "next_review": date(2027, 8, 1)},
        ),
    ),
    FixtureFamily(
        story="B",
        summary="台山 urban family of three on dibao since 2017; the mother-in-law owns two houses",
        region_code="440781",
        area="urban",
        members=(
            FixtureMember(
                "黄丽萍", "440781198204169022", "13700440781", "applicant",
                {"income": [_wage(2050, "2023-01")], "financial_asset": [_deposit(9000)]},
            ),
            FixtureMember(
                "陈俊杰", "440781200709029113", "13600440781", "child",
                {"school_enrolment": [{"level": "college", "start_date": date(2025, 9, 1), "end_date": None}]},
                office_consent=True,
            ),
            FixtureMember(
                "李桂英", "440781195501209023", None, "parent",
                {"income": [_wage(200, "2015-01", "pension_basic_resident")],
                 "real_estate": [_house(), _house(rented_out=True, area_m2=60)]},
                office_consent=True,
            ),
        ),
        benefits=(
            {"member": None, "program": "dibao", "department": "民政", "monthly_amount": 692,
             "start_date": date(2017, 6, 1), "next_review": date(2026, 12, 1)},
            {"member": None, "program": "medical_insurance_subsidy", "department": "医保",
             "monthly_amount": 33.5, "start_date": date(2018, 1, 1), "next_review": date(2026, 12, 1)},
        ),
    ),
    FixtureFamily(
        story="C",
        summary="韶关武江 urban, single applicant with two houses in his name",
        region_code="440203",
        area="urban",
        members=(
            FixtureMember(
                "刘建国", "440203197507089133", "13500440203", "applicant",
                {"income": [_wage(700, "2025-03")], "real_estate": [_house(), _house(area_m2=45)],
                 "unemployment": [{"registered_on": date(2025, 2, 10), "ended_on": None}],
                 "financial_asset": [_deposit(3000)]},
            ),
        ),
    ),
    FixtureFamily(
        story="D",
        summary="云安 rural family of eight; a breakfast stall registered as a micro business",
        region_code="445303",
        area="rural",
        members=(
            FixtureMember(
                "梁永福", "445303198002119151", "13400445303", "applicant",
                {"income": [_wage(2500, "2024-06", "business")],
                 "business_registration": [{"credit_code": "92445303MA4W9XXX1K", "kind": "micro", "employees": 0,
                                            "luxury_goods": False, "registered_on": date(2024, 5, 20)}],
                 "real_estate": [_house(area_m2=110)], "vehicle": [{"kind": "motorcycle", "registered_on": None}],
                 "financial_asset": [_deposit(5000)]},
            ),
            FixtureMember("黄美玲", "445303198306309026", "13300445303", "spouse",
                          {"income": [_wage(1500, "2024-06")]}, office_consent=True),
            FixtureMember("梁德胜", "445303194803059170", None, "parent",
                          {"income": [_wage(180, "2013-03", "pension_basic_resident")]}, office_consent=True),
            FixtureMember("陈桂芳", "445303195004189061", None, "parent",
                          {"income": [_wage(180, "2015-04", "pension_basic_resident")]}, office_consent=True),
            FixtureMember("梁志豪", "445303201005129114", None, "child",
                          {"school_enrolment": [{"level": "junior", "start_date": date(2022, 9, 1), "end_date": None}]}),
            FixtureMember("梁晓彤", "445303201303229025", None, "child",
                          {"school_enrolment": [{"level": "primary", "start_date": date(2019, 9, 1), "end_date": None}]}),
            FixtureMember("梁志伟", "445303201609089133", None, "child",
                          {"school_enrolment": [{"level": "primary", "start_date": date(2022, 9, 1), "end_date": None}]}),
            FixtureMember("梁晓琳", "445303201901159047", None, "child",
                          {"school_enrolment": [{"level": "kindergarten", "start_date": date(2022, 9, 1), "end_date": None}]}),
        ),
        benefits=(
            {"member": 2, "program": "resident_basic_pension", "department": "人社",
             "monthly_amount": 180, "start_date": date(2013, 3, 1), "next_review": None},
            {"member": 3, "program": "resident_basic_pension", "department": "人社",
             "monthly_amount": 180, "start_date": date(2015, 4, 1), "next_review": None},
        ),
    ),
)  # fmt: skip


def fixtures_as_of(today: date | None = None) -> tuple[FixtureFamily, ...]:
    """The story families with every date moved to read as of ``today`` (default: the
    injected clock's today; :mod:`store.demo.timeline`). ID numbers move with birth dates."""
    years = years_for(today or clock.today())
    if not years:
        return FIXTURES
    return tuple(
        replace(
            family,
            members=tuple(
                replace(
                    m,
                    id_number=shift_id_number(m.id_number, years),
                    records={k: [shift_row(r, years) for r in rows] for k, rows in m.records.items()},
                )
                for m in family.members
            ),
            benefits=tuple(shift_row(b, years) for b in family.benefits),
        )
        for family in FIXTURES
    )


def fixture_by_story(story: str, today: date | None = None) -> FixtureFamily:
    """The fixture family of story ``A``–``D`` as of ``today`` (default: the clock's).

    :raises KeyError: for another letter.
    """
    for family in fixtures_as_of(today):
        if family.story == story.upper():
            return family
    raise KeyError(story)
