"""Synthetic situations for the four acceptance stories of ``shared/domain/STORIES.md``.

Identities are invented; incomes follow the story (or are derived from the local standard where
the story only says where the family stands), never from an expected amount.
"""

from __future__ import annotations

from eligibility.policy import dibao_standard
from eligibility.situation import Situation, parse_situation


def story_a(period: str = "2024-08") -> Situation:
    """连山 441825 rural: mother grade-2 intellectual disability, husband the only earner, two
    young daughters; per-capita income between the standard and 1.5 × (a marginal family)."""
    standard, _ = dibao_standard("441825", "rural", period)
    husband_income = round(4 * standard * 1.2)  # per capita 1.2 × the standard
    return parse_situation(
        {
            "region": "441825",
            "area": "rural",
            "period": period,
            "members": [
                {
                    "id": "a_mother",
                    "relation": "applicant",
                    "birth_date": "1992-03-08",
                    "disability": {"category": "intellectual", "grade": 2},
                    "able_to_work": False,
                },
                {
                    "id": "a_father",
                    "relation": "spouse",
                    "birth_date": "1990-11-20",
                    "monthly_income": husband_income,
                    "income_kinds": {"wage": husband_income},
                },
                {"id": "a_girl1", "relation": "child", "birth_date": "2020-09-01"},
                {"id": "a_girl2", "relation": "child", "birth_date": "2022-05-17"},
            ],
            "assets": {"residential_properties": 1, "financial_assets": 3000},
        }
    )


def story_b(period: str = "2024-06") -> Situation:
    """台山 440781 urban: Ms B earns a little over 2,000, son a student, mother-in-law owns two
    houses (one lived in, one rented out)."""
    return parse_situation(
        {
            "region": "440781",
            "area": "urban",
            "period": period,
            "members": [
                {
                    "id": "b_ms",
                    "relation": "applicant",
                    "birth_date": "1976-04-02",
                    "monthly_income": 2100,
                    "income_kinds": {"wage": 2100},
                },
                {"id": "b_son", "relation": "child", "birth_date": "2006-10-10", "student": True},
                {
                    "id": "b_mil",
                    "relation": "parent",
                    "birth_date": "1950-02-14",
                    "monthly_income": 300,
                    "income_kinds": {"property": 300},
                },
            ],
            "assets": {"residential_properties": 2, "financial_assets": 8000},
        }
    )


def story_c(period: str = "2024-07") -> Situation:
    """韶关武江 440203 urban: Mr C applies alone; two houses in his name."""
    return parse_situation(
        {
            "region": "440203",
            "area": "urban",
            "period": period,
            "members": [
                {
                    "id": "c_mr",
                    "relation": "applicant",
                    "birth_date": "1971-12-30",
                    "monthly_income": 500,
                },
            ],
            "assets": {"residential_properties": 2},
        }
    )


def story_d(period: str = "2025-01", *, visited: bool = False) -> Situation:
    """云安 445303 rural: a breakfast stall registered in Mr D's name; the couple earns about
    4,000 a month and supports eight people. ``visited``: the visit confirmed the micro shop
    and the income."""
    members = [
        {
            "id": "d_mr",
            "relation": "applicant",
            "birth_date": "1982-07-07",
            "monthly_income": 2500,
            "income_kinds": {"business": 2500},
        },
        {
            "id": "d_wife",
            "relation": "spouse",
            "birth_date": "1984-01-15",
            "monthly_income": 1500,
            "income_kinds": {"business": 1500},
        },
        {"id": "d_father", "relation": "parent", "birth_date": "1950-03-03"},
        {"id": "d_mother", "relation": "parent", "birth_date": "1953-08-08"},
        {"id": "d_kid1", "relation": "child", "birth_date": "2008-02-02", "student": True},
        {"id": "d_kid2", "relation": "child", "birth_date": "2011-06-06", "student": True},
        {"id": "d_kid3", "relation": "child", "birth_date": "2014-09-09", "student": True},
        {"id": "d_kid4", "relation": "child", "birth_date": "2018-12-12"},
    ]
    data = {
        "region": "445303",
        "area": "rural",
        "period": period,
        "members": members,
        "assets": {
            "residential_properties": 1,
            "vehicles": ["e_bike"],
            "business_registrations": [
                {"kind": "micro", "employees": 0, "luxury_goods": False, "member": "d_mr"}
            ],
        },
    }
    if visited:
        data["home_visit"] = {"business_confirmed_micro": True, "income_confirmed": True}
    return parse_situation(data)
