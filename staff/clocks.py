"""Statutory clocks of a case: when each step is due, and which are breached.

The figures are dated parameters in ``staff/parameters/clocks.yaml`` (read with OpenFisca's
parameter loader, so they carry references and change on a date like the rules do):

- first contact ≤ 3 working days after the case opened; a ``crisis`` (or ``urgent``) case
  ≤ 1 hour [A];
- a decision ≤ 10 working days (cases that decide: home visit, dispute, application,
  periodic review);
- a refusal notice ≤ 3 working days after the pre-check that refused (dispute cases).

Working days are Monday to Friday [A]: the State Council's yearly holiday calendar (调休)
is not encoded, so a clock near a public holiday is stricter than the law.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from openfisca_core.parameters import ParameterNode, load_parameter_file

from jiuzhu import clock
from store.models import Case

PARAMETERS = Path(__file__).parent / "parameters" / "clocks.yaml"
DECIDING_KINDS = frozenset({"home_visit", "dispute", "application", "periodic_review"})
ENDED = frozenset({"resolved", "closed"})


@cache
def _parameters() -> ParameterNode:
    return load_parameter_file(str(PARAMETERS), name="clocks")


def figure(name: str, on: date) -> float:
    """The clock ``name`` (working days, or hours for ``crisis_contact``) in force ``on``."""
    return float(_parameters()(on.isoformat())[name])


def add_working_days(start: datetime, days: float) -> datetime:
    """``start`` plus ``days`` working days (Monday–Friday [A]), in Guangdong time.

    A clock that starts on a weekend starts on the next Monday morning's time of day; the
    deadline is the same time of day on the last working day.
    """
    local = start.astimezone(clock.LOCAL)
    while local.weekday() >= 5:
        local += timedelta(days=1)
    left = int(days)
    while left > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            left -= 1
    return local


@dataclass(frozen=True)
class Deadline:
    """One clock of one case: ``name`` (a parameter name), when due, when met (or None)."""

    name: str
    due: datetime
    met_at: datetime | None

    def breached(self, now: datetime) -> bool:
        """Met late, or not met and past due."""
        return (self.met_at or now) > self.due


def deadlines(case: Case, *, decided_at: datetime | None = None) -> list[Deadline]:
    """The clocks that apply to ``case`` (opened ``case.created_at``).

    :param decided_at: when the case's decision was made (default ``case.decided_at``: a
        visit's result or a notice).
    """
    decided_at = decided_at or case.decided_at
    opened = case.created_at
    on = opened.astimezone(clock.LOCAL).date()
    if case.kind == "crisis" or case.priority == "urgent":
        first = opened + timedelta(hours=figure("crisis_contact", on))
    else:
        first = add_working_days(opened, figure("first_contact", on))
    found = [Deadline("first_contact", first, case.first_contact_at)]
    if case.kind in DECIDING_KINDS:
        due = add_working_days(opened, figure("decision", on))
        met = decided_at or (case.closed_at if case.status in ENDED else None)
        found.append(Deadline("decision", due, met))
    if case.kind == "dispute":
        due = add_working_days(opened, figure("refusal_notice", on))
        found.append(Deadline("refusal_notice", due, decided_at))
    return found


def breaches(case: Case, now: datetime | None = None, **kwargs: datetime | None) -> list[str]:
    """Names of the clocks of ``case`` that are breached at ``now`` (default: the clock)."""
    now = now or clock.now()
    return [d.name for d in deadlines(case, **kwargs) if d.breached(now)]
