"""Text normalisation applied before either NLU engine sees a message.

Residents type full-width digits, traditional characters (Cantonese), Chinese numerals mixed
with Arabic ones (``三千五``, ``4千``, ``1万2``, ``3k``) and ID numbers with spaces or a
lowercase ``x``. :func:`normalise` maps all of these to one form so that the training data,
the local engine and the Rasa server all see the same text, and entity values can be read
with plain regexes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

__all__ = ["normalise", "normalise_segment", "parse_chinese_number"]

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
    "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6,
    "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_NUM_CHARS = "".join(_DIGITS) + "".join(_SMALL) + "".join(_BIG)
# A numeral run: Chinese digits and magnitudes, possibly mixed with Arabic numbers (4千, 1万2).
_RUN = re.compile(rf"(?:\d+(?:\.\d+)?|[{_NUM_CHARS}])+")
# Counters and units after which a lone Chinese digit is a quantity (一个月, 三口人, 二级).
_UNITS = "块元蚊文人口个位岁月年级间套次天周号楼名胎"
# Slang magnitudes after Arabic digits: 3k = 3000, 1w = 10000 (not inside a word: 5kg, 2wifi).
_SLANG = re.compile(r"(?<![A-Za-z0-9_.])(\d+(?:\.\d+)?)\s?([kKwW])(?![A-Za-z])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# An 18-character resident ID typed with spaces or dashes between groups, or a lowercase x.
_ID_LOOSE = re.compile(r"(?<![0-9A-Za-z])[1-9](?:[ \-]?\d){16}[ \-]?[\dxX](?![0-9A-Za-z])")
_ID_SHAPE = re.compile(
    r"[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]"
)
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalise(text: str) -> str:
    """Return ``text`` in the one form both engines are trained and queried on.

    - control and format characters dropped, whitespace runs collapsed to one space;
    - full-width ASCII and the ideographic space to half-width (``３０００`` → ``3000``,
      ``，`` → ``,``);
    - traditional to simplified characters (OpenCC ``t2s``: ``點樣攞`` → ``点样攞``);
    - Chinese and mixed numerals to Arabic (``三千五`` → ``3500``, ``4千`` → ``4000``,
      ``一万二`` → ``12000``, ``两千来块`` → ``2000来块``, ``3k`` → ``3000``), while words
      that only contain a numeral character (``一起``, ``万一``, ``十分``) are left alone;
    - an ID number's spaces and dashes removed and its check character upper-cased.

    Never raises on a ``str``; anything else is converted with ``str()`` first.

    :param text: the message as the person typed it.
    :returns: the normalised text (may be empty).
    """
    if not isinstance(text, str):
        text = str(text)
    return _normalise(text).strip()


def normalise_segment(text: str, following: str = "") -> str:
    """Normalise one piece of an annotated training example, keeping its edge spaces.

    :param following: the first character after the piece, so that ``[三](person_count)口人``
        converts like ``三口人`` does.
    """
    following = _t2s().convert("".join(_clean_char(c) for c in following[:1]))
    return _normalise(text, following)


def _normalise(text: str, following: str = "") -> str:
    text = _SPACES.sub(" ", "".join(_clean_char(c) for c in text))
    if not text.strip():
        return ""
    text = _t2s().convert(text)
    text = _ID_LOOSE.sub(_compact_id, text)
    text = _THOUSANDS.sub("", text)
    text = _SLANG.sub(_slang, text)
    text = _RUN.sub(lambda m: _numeral_run(m, following), text)
    return _SPACES.sub(" ", text)


def _clean_char(c: str) -> str:
    o = ord(c)
    if 0xFF01 <= o <= 0xFF5E:  # full-width ASCII block
        return chr(o - 0xFEE0)
    if c.isspace():
        return " "
    cat = unicodedata.category(c)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and c != "\u200d":  # keep ZWJ: emoji sequences
        return ""
    return c


def _compact_id(m: re.Match[str]) -> str:
    compact = re.sub(r"[ \-]", "", m.group(0)).upper()
    return compact if _ID_SHAPE.fullmatch(compact) else m.group(0)


def _slang(m: re.Match[str]) -> str:
    factor = 1000 if m.group(2) in "kK" else 10_000
    return _fmt(float(m.group(1)) * factor)


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _numeral_run(m: re.Match[str], after_text: str) -> str:
    run = m.group(0)
    if not any(c in _NUM_CHARS for c in run):
        return run  # plain Arabic number
    following = m.string[m.end() : m.end() + 1] or after_text[:1]
    out = _convert_longest(run, following)
    if out is None:
        return run
    # Keep a converted number from gluing onto an Arabic digit next to it (三千五一个月).
    if m.start() > 0 and m.string[m.start() - 1].isdigit():
        out = " " + out
    if following.isdigit():
        out += " "
    return out


def _convert_longest(run: str, following: str) -> str | None:
    """Convert ``run``, or its longest convertible prefix and then the rest (三千五一个月)."""
    value = _convert_run(run, following)
    if value is not None:
        return value
    for cut in range(len(run) - 1, 1, -1):
        head = _convert_run(run[:cut], run[cut])
        if head is not None and any(c in _SMALL or c in _BIG for c in run[:cut]):
            rest = _convert_longest(run[cut:], following) or run[cut:]
            return head + (" " if rest[:1].isdigit() else "") + rest
    return None


def _convert_run(run: str, following: str) -> str | None:
    has_mag = any(c in _SMALL or c in _BIG for c in run)
    has_digit = any(c in _DIGITS or c.isdigit() for c in run)
    if has_mag:
        first = run[0]
        if not (first in _DIGITS or first.isdigit() or first in "十拾"):
            return None  # 万一, 千万, 百分百: a word, not a number
        if not has_digit and following not in _UNITS:
            return None  # 十分 (very)
        value = parse_chinese_number(run)
        return None if value is None else _fmt(value)
    # Digits only: a year or phone number spelled out (二零二四), or one digit before a unit.
    if all(c in _DIGITS for c in run):
        if len(run) >= 4 or (len(run) >= 2 and ("零" in run or "〇" in run)):
            return "".join(str(_DIGITS[c]) for c in run)
        if len(run) == 1 and following and following in _UNITS:
            return str(_DIGITS[run])
    return None  # 三四个 (three or four) stays as typed


_TOKEN = re.compile(rf"\d+(?:\.\d+)?|[{_NUM_CHARS}]")


def parse_chinese_number(run: str) -> float | None:
    """Value of a Chinese (or mixed Chinese/Arabic) numeral, or ``None`` if it is not one.

    ``三千五`` → 3500, ``一万二`` → 12000, ``二十五`` → 25, ``一千零五`` → 1005,
    ``1.5万`` → 15000, ``4千`` → 4000, ``两三千`` → ``None`` (a range, not a number).

    :param run: digits and magnitude characters only.
    """
    tokens = _TOKEN.findall(run)
    if not tokens or "".join(tokens) != run:
        return None
    total = 0.0  # completed 万/亿 groups
    section = 0.0  # below the current 万
    pending: float | None = None  # a digit waiting for its magnitude
    last_mag = 0  # magnitude of the previous token, for 三千五 = 3000 + 500
    after_zero = False
    for tok in tokens:
        if tok in _DIGITS or tok[0].isdigit():
            if pending is not None:
                return None  # two digits in a row: a range (两三千) or a digit string
            pending = float(_DIGITS[tok]) if tok in _DIGITS else float(tok)
            if tok in ("零", "〇"):
                after_zero, pending = True, None
        elif tok in _SMALL:
            mag = _SMALL[tok]
            if pending is None and mag != 10:
                return None  # 百/千 need a digit before them; 十 alone is 10 (十二, 一百一十)
            section += (pending if pending is not None else 1) * mag
            pending, last_mag, after_zero = None, mag, False
        else:  # 万 / 亿
            mag = _BIG[tok]
            if pending is None and section == 0:
                return None
            group = section + (pending or 0)
            # 亿 multiplies everything before it; 万 only the group since the last 亿/万.
            total = (total + group) * mag if mag > 10_000 else total + group * mag
            section, pending, last_mag, after_zero = 0.0, None, mag, False
    if pending is not None:
        if last_mag >= 100 and not after_zero:
            pending *= last_mag / 10  # abbreviated: 三千五 = 3500, 一万二 = 12000
        section += pending
    return total + section
