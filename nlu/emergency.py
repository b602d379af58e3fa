"""Emergencies told in words (fire, flood, accident, sudden illness or death, robbery).

Like :mod:`nlu.crisis`, a word list (``nlu/emergency_words.yml``) matched on the normalised
text, not a model: it is checked in any state, before the NLU, and must be predictable.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from nlu.crisis import match_kind
from nlu.lexicons import load

EMERGENCY_FILE = Path(__file__).parent / "emergency_words.yml"


@cache
def _lexicon() -> dict[str, tuple[str, ...]]:
    return {kind: tuple(words) for kind, words in load(EMERGENCY_FILE).items()}


def emergency_kind(text: str) -> str | None:
    """``fire``, ``flood``, ``accident``, ``illness``, ``death``, ``robbed`` or None for
    ``text`` (any form; normalised here); None too when a word of ``past`` puts it years back.
    """
    words = dict(_lexicon())
    past = words.pop("past")
    if match_kind({"past": past, "exclude": ()}, text):
        return None
    return match_kind(words, text)
