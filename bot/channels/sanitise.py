"""Input cleaned once, at the channel edge, before anything reads or stores it.

What a client sends may hold code points that cannot be stored or encoded (a lone
surrogate such as ``"\\ud800"`` from JSON fails ``str.encode`` deep in a commit), control
characters and NUL (cut strings in C libraries, spoof terminals and logs), or bidirectional
overrides (text that reads differently from what it is). :func:`clean_text` leaves text that
encodes as UTF-8, in NFC, with none of those.
"""

from __future__ import annotations

import unicodedata

_KEEP = frozenset("\n\t\u200d")  # line breaks, tabs, the emoji zero-width joiner


def clean_text(text: str) -> str:
    """``text`` safe to parse, store and log.

    Lone surrogates become U+FFFD (a pair written as two escapes is joined); ``\\r\\n`` and
    ``\\r`` become ``\\n``; other control (Cc) and format (Cf: bidi overrides, zero-width
    spaces) characters are dropped; the result is NFC. Shape: ``str -> str``, never raises.
    """
    joined = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    joined = joined.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        ch for ch in joined if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return unicodedata.normalize("NFC", kept)
