"""A Mandarin reading of Cantonese and misspelt messages, for the local classifier.

``to_mandarin("我哋屋企冇收入")`` -> ``"我们家里没有收入"``. The classifier sees this reading
beside the message itself, so an example written in Mandarin also teaches its Cantonese form
and the reverse. Only the classifier's features use it: entities, the text shown to staff and the
resident's own words stay as typed. The word list is ``nlu/dialect.yml``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from nlu.lexicons import load

WORDS_FILE = Path(__file__).resolve().parent / "dialect.yml"


@lru_cache(maxsize=1)
def _table() -> tuple[re.Pattern[str], dict[str, str]]:
    doc = load(WORDS_FILE)
    words = {str(k): str(v) for section in doc.values() for k, v in section.items()}
    # Longest first, so 系唔系 wins over 系 and a protected 联系 over its 系.
    pattern = re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))
    return pattern, words


def to_mandarin(text: str) -> str:
    """``text`` (normalised: simplified, lower-case) with Cantonese words and known typos
    replaced by their Mandarin words; unchanged when it has none."""
    pattern, words = _table()
    return pattern.sub(lambda m: words[m.group(0)], text)
