"""The one clock every "now" in jiuzhu reads, so that tests and replays can set the date.

Code asks :func:`now` (tz-aware UTC) or :func:`today` (the calendar date in Guangdong,
UTC+8: a benefit month or a consent's expiry turns at local midnight). The process runs on
:class:`SystemClock`; a test installs a :class:`FrozenClock` with :func:`use_clock`.
Monotonic intervals (rate limits) keep ``time.monotonic``: they measure, they do not date.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

LOCAL = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Guangdong's time zone (China Standard Time, no daylight saving)."""


class Clock(Protocol):
    """Something that tells the time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """``datetime.now(UTC)``."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to (tests, replays of a given day).

    :param at: the instant it shows; a naive datetime is taken as UTC.
    """

    def __init__(self, at: datetime) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        """The frozen instant."""
        return self.at

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)`` (``minutes=11``, ``days=400``...)."""
        self.at += timedelta(**delta)


class ShiftedClock:
    """The machine's clock moved by whole days so that :func:`today` starts as ``today``;
    time goes on (a code still expires), only the date is another (demos, replays).

    :param today: the Guangdong date it should be now.
    """

    def __init__(self, today: date) -> None:
        self.delta = timedelta(days=(today - datetime.now(LOCAL).date()).days)

    def now(self) -> datetime:
        """The machine's time, moved."""
        return datetime.now(UTC) + self.delta


_clock: Clock = SystemClock()


def now() -> datetime:
    """The current instant of the installed clock, timezone-aware UTC."""
    return _clock.now()


def timestamp() -> float:
    """The installed clock's now as POSIX seconds (for code that stores seconds)."""
    return _clock.now().timestamp()


def today() -> date:
    """Today's date in Guangdong (UTC+8) by the installed clock."""
    return _clock.now().astimezone(LOCAL).date()


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` for the whole process; returns the one it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Install ``clock`` for the duration of a ``with`` block."""
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)
