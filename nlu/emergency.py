"""Emergencies told in words (fire, flood, accident, sudden illness or death, robbery).

Like :mod:`nlu.crisis`, a word list (``nlu/emergency_words.yml``) matched on the normalised
text, not a model: it is checked in any state, before the NLU, and must be predictable.

Unlike the crisis list, an entry may be a regular expression (written ``/.../``): a fixed
word cannot say "突然 and a death word a few characters on" or "a money word, then 被偷",
and listing every combination would be longer and still miss some. In a regular expression
``~`` stands for one character of the same clause (not a sentence or clause mark), so
``~{0,6}`` keeps the two parts of a pattern in one clause.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from nlu.lexicons import load
from nlu.normalise import normalise

EMERGENCY_FILE = Path(__file__).parent / "emergency_words.yml"

_IN_CLAUSE = r"[^,.!?;:。、]"
# A space next to a Chinese character separates clauses (房子着火了 衣服全没了); between
# English words it goes, as in crisis_words.yml (entries are written without spaces).
_CJK_SPACE = re.compile(r" +(?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) +")


def _pattern(entries: list[object]) -> re.Pattern[str]:
    parts = []
    for entry in map(str, entries):
        if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
            parts.append(entry[1:-1].replace("~", _IN_CLAUSE))
        else:
            parts.append(re.escape(entry))
    return re.compile("|".join(parts))


@cache
def _lexicon() -> tuple[re.Pattern[str], re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    data = load(EMERGENCY_FILE)
    kinds = tuple(
        (kind, _pattern(entries))
        for kind, entries in data.items()
        if kind not in ("exclude", "past")
    )
    return _pattern(data["exclude"]), _pattern(data["past"]), kinds


def plain(text: str) -> str:
    """``text`` as the entries are written: normalised, lower case, English spaces removed,
    a space between Chinese words turned into a comma (it ends a clause there)."""
    return _CJK_SPACE.sub(",", normalise(text).lower()).replace(" ", "")


def emergency_kind(text: str) -> str | None:
    """``fire``, ``flood``, ``accident``, ``illness``, ``death``, ``robbed`` or None for
    ``text`` (any form; normalised here): the first kind, in the file's order, with an entry
    in it once the ``exclude`` entries are removed; None when a ``past`` entry puts it years
    back.
    """
    exclude, past, kinds = _lexicon()
    words = exclude.sub(",", plain(text))  # a comma: no new word across the gap
    if past.search(words):
        return None
    return next((kind for kind, pattern in kinds if pattern.search(words)), None)
