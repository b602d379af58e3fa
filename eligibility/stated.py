"""What the resident says about the family, compared with the register.

"我想申请低保，屋企三个人，住番禺": the household size and the place typed with a request
are compared with the family on file, and each difference is said plainly ("您说住番禺区，
但登记在台山市"). The pre-check always runs on the register and department data; a
difference is something for the resident to correct or a caseworker to look at, never an
input to a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from eligibility.regions import COUNTIES, is_guangdong_code, region_name
from store.models import Family

FACTS = ("household_size", "region")
"""The facts compared: the NLU's ``person_count`` and ``region`` entities."""


@dataclass(frozen=True)
class Difference:
    """One fact as said and as registered: people (``household_size``) or a place name
    (``region``, the county's own name when known: ``番禺区``)."""

    fact: str
    said: int | str
    on_record: int | str

    def as_dict(self) -> dict[str, Any]:
        """The fields, for templates and the FSM data."""
        return asdict(self)


def place_name(code: str) -> str:
    """``440113`` → ``番禺区``; a prefecture, or a county not listed, by its full name.

    :raises KeyError: when ``code`` is not a Guangdong region code.
    """
    return COUNTIES.get(code) or region_name(code)


def _same_place(said: str, registered: str) -> bool:
    # A prefecture named ("住广州") matches every county in it.
    return said == registered or (said.endswith("00") and said[:4] == registered[:4])


def differences(family: Family, said: Mapping[str, Any]) -> list[Difference]:
    """The facts in ``said`` that differ from ``family`` (members loaded).

    :param said: ``household_size`` (int, people) and/or ``region`` (a 6-digit code; a
        place the NLU could not map to a code is not compared).
    """
    found: list[Difference] = []
    size = said.get("household_size")
    if isinstance(size, int) and size != len(family.members):
        found.append(Difference("household_size", size, len(family.members)))
    region = said.get("region")
    registered = family.region_code
    known = isinstance(region, str) and is_guangdong_code(region)
    if known and not _same_place(region, registered):
        found.append(Difference("region", place_name(region), place_name(registered)))
    return found
