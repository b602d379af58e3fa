"""Demo data at any date: the stories' dates move with the clock, whole years at a time.

The fixtures and the generator are written for :data:`WRITTEN_FOR` (records as of
2026-11-01, read in December 2026). For another day every date in them moves by the same
whole number of years (:func:`years_for`), so a story means the same at any date: ages,
how long a benefit has been paid, a consent still valid, a school year under way. Whole
years keep birthdays, months and school years where they were.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from store.pii import id_check_character

WRITTEN_FOR = date(2026, 12, 1)
"""The first day the demo records describe as current (their as-of date is a month before)."""

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MONTH_FIELDS = ("month", "month_from", "month_to")
"""Record fields holding an OpenFisca month (``"2024-01"``)."""


def years_for(today: date) -> int:
    """Whole years to add to the written dates so that they read as of ``today``.

    The shift is the largest that keeps the data's as-of date on or before ``today``: on
    2031-06-01 the records read as of 2030-11-01 (+4), from 2031-12-01 as of 2031-11-01.
    """
    years = today.year - WRITTEN_FOR.year
    return years if (today.month, today.day) >= (WRITTEN_FOR.month, WRITTEN_FOR.day) else years - 1


def shift_date(value: date, years: int) -> date:
    """``value`` ``years`` later (29 February becomes the 28th in a common year)."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def shift_value(key: str, value: Any, years: int) -> Any:
    """A record field moved by ``years``: dates, datetimes and month strings; others as is."""
    if not years:
        return value
    if isinstance(value, datetime | date):
        return shift_date(value, years)
    if key in MONTH_FIELDS and isinstance(value, str) and (m := _MONTH.match(value)):
        return f"{int(m.group(1)) + years:04d}-{m.group(2)}"
    return value


def shift_row(row: dict[str, Any], years: int) -> dict[str, Any]:
    """Every field of ``row`` moved by ``years`` (:func:`shift_value`)."""
    return {key: shift_value(key, value, years) for key, value in row.items()} if years else row


def shift_id_number(id_number: str, years: int) -> str:
    """The same person's ID number born ``years`` later (GB 11643-1999 check recomputed)."""
    if not years:
        return id_number
    born = shift_date(date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
                      years)  # fmt: skip
    first17 = f"{id_number[:6]}{born:%Y%m%d}{id_number[14:17]}"
    return first17 + id_check_character(first17)
