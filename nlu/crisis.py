"""Messages that must never wait for intent classification: danger to life, no food.

A word list (``nlu/crisis_words.yml``, outside the training data) matched on the normalised
text, not a model: it must be predictable, cheap, and err towards answering. The bot checks
it before anything else.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from nlu.lexicons import load
from nlu.normalise import normalise

CRISIS_FILE = Path(__file__).parent / "crisis_words.yml"


@cache
def _lexicon() -> dict[str, tuple[str, ...]]:
    data = load(CRISIS_FILE)
    return {kind: tuple(words) for kind, words in data.items()}


def crisis_kind(text: str) -> str | None:
    """``"self_harm"``, ``"no_food"`` or None for ``text`` (any form; normalised here)."""
    return match_kind(_lexicon(), text)


def match_kind(lexicon: dict[str, tuple[str, ...]], text: str) -> str | None:
    """The first kind of ``lexicon`` (kind → words, plus ``exclude``) with a word in ``text``,
    compared normalised, lower case and without spaces; None when no word is in it."""
    plain = normalise(text).lower().replace(" ", "")  # English entries are lower case
    for phrase in lexicon["exclude"]:
        plain = plain.replace(phrase, "")
    for kind, words in lexicon.items():
        if kind != "exclude" and any(word in plain for word in words):
            return kind
    return None
