"""The months and dates jiuzhu's rules can answer for, shared by every entry point.

The pre-check's input (:mod:`eligibility.situation`) and the policy answers
(:mod:`eligibility.policy`) accept the same months: from :data:`EARLIEST_PERIOD`, the first
month the parameters encode, to December of next year (a resident may ask about a month
ahead; figures for it are the latest encoded). Dates (a birth date) run from
:data:`EARLIEST_DATE` to the end of next year. "Next year" is read from the injected clock
(:func:`jiuzhu.clock.today`), so tests and replays choose it.
"""

from __future__ import annotations

import re
from datetime import date

from jiuzhu import clock

#: earliest month the parameters cover (values before 2021-01 were not encoded)
EARLIEST_PERIOD = "2021-01"

#: earliest birth date accepted [A]: nobody alive today was born earlier (the oldest living
#: people were born after 1900); an earlier year is a typing error (1850 for 1950).
EARLIEST_DATE = date(1900, 1, 1)

# ASCII digits only: ``\d`` would also take full-width "２０２４", and ``$`` a trailing newline.
_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def latest_period() -> str:
    """December of next year by the installed clock, e.g. ``"2027-12"`` in 2026."""
    return f"{clock.today().year + 1}-12"


def latest_date() -> date:
    """The last day of next year by the installed clock, e.g. 2027-12-31 in 2026."""
    return date(clock.today().year + 1, 12, 31)


def period_problem(value: object) -> str | None:
    """What is wrong with ``value`` as a benefit month, or None when it is a valid month.

    A valid month is a string ``YYYY-MM`` (ASCII digits) from :data:`EARLIEST_PERIOD` to
    :func:`latest_period`. The text completes ``"period: "``, e.g.
    ``"expected a month from 2021-01 to 2027-12, got '2099-01'"``.
    """
    if not isinstance(value, str) or not _PERIOD.fullmatch(value):
        return f"expected a month as YYYY-MM, e.g. 2024-07, got {shown(value)}"
    latest = latest_period()
    if not EARLIEST_PERIOD <= value <= latest:
        return (f"expected a month from {EARLIEST_PERIOD} to {latest} (rules before "
                f"{EARLIEST_PERIOD} are not encoded), got {value!r}")  # fmt: skip
    return None


def date_problem(value: date) -> str | None:
    """What is wrong with ``value`` as a date in a situation (a birth date), or None.

    Accepted: :data:`EARLIEST_DATE` to :func:`latest_date`.
    """
    latest = latest_date()
    if not EARLIEST_DATE <= value <= latest:
        return f"expected a date from {EARLIEST_DATE} to {latest}, got {value.isoformat()}"
    return None


#: longest text an error message repeats from the input (a 50 MB string stays one short line)
SHOWN_CHARS = 40


def shown(value: object) -> str:
    """``value`` as an error message repeats it: JSON's spelling for ``true``/``false``/
    ``null``, numbers as Python writes them (``2.0``, ``1e+308``), strings quoted and cut to
    :data:`SHOWN_CHARS` characters."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
