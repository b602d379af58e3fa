"""Family members named in a message: "我老公没工作了", "帮我妈申请特困".

The words are in ``nlu/lexicons.yml`` (``relatives``, ``acting_for``): which relation each
names as seen from the person speaking, and the words that ask on someone's behalf. Read by
rule, not by a model: whose case it is decides whose data is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from nlu.lexicons import load
from nlu.normalise import normalise


@dataclass(frozen=True)
class Relative:
    """A family member named by the speaker.

    :ivar relation: their relation to the speaker (``eligibility.people`` codes).
    :ivar label: how replies name them (template ``relative-<label>``).
    """

    relation: str
    label: str


@cache
def _words() -> dict[str, Relative]:
    return {str(w): Relative(*map(str, v)) for w, v in load()["relatives"].items()}


def _alternatives() -> str:
    return "|".join(map(re.escape, sorted(_words(), key=len, reverse=True)))


@cache
def _named() -> re.Pattern[str]:
    return re.compile(rf"(?:我|my\s+)(?:的|家|屋企)?(?P<word>{_alternatives()})", re.IGNORECASE)


@cache
def _for() -> re.Pattern[str]:
    before = "|".join(map(str, load()["acting_for"]))
    return re.compile(
        rf"(?:{before})\s*(?:我|my\s+)(?:的|家|屋企)?(?P<word>{_alternatives()})", re.IGNORECASE
    )


def _relative(match: re.Match[str] | None) -> Relative | None:
    return _words()[match.group("word").lower()] if match else None


def named_relative(text: str) -> Relative | None:
    """The first family member the speaker names ("我老公…", "my wife…"), or None; the
    text is normalised first (traditional characters: 我媽)."""
    return _relative(_named().search(normalise(text or "")))


def acting_for(text: str) -> Relative | None:
    """Who the speaker asks for, when they ask on someone's behalf ("帮我妈申请特困",
    "apply for my mother"), else None."""
    return _relative(_for().search(normalise(text or "")))
