"""The one-time sign-in code in a message, however it was typed."""

from __future__ import annotations

import re
import unicodedata

from nlu.lexicons import code_digits

_RUNS = re.compile(r"\d[\d ]*\d|\d")


def code_in(text: str, digits: int) -> str | None:
    """The ``digits``-digit code in a message: full-width, spaced (``982 519``), in words
    (``验证码系734167``) or in Chinese digits (``零零三五一二``); None when there is none, or
    when the message holds other numbers too (which one would be a guess)."""
    plain = unicodedata.normalize("NFKC", text).translate(code_digits())
    runs = _RUNS.findall(plain)
    codes = [run.replace(" ", "") for run in runs if len(run.replace(" ", "")) == digits]
    return codes[0] if len(codes) == 1 and len(runs) == 1 else None
