"""Personal identifiers: validation of resident ID numbers and masking for display and logs.

ID numbers follow GB 11643-1999: 6-digit region code, 8-digit birth date, 3-digit sequence
(odd = male), ISO 7064 MOD 11-2 check character. Validation uses python-stdnum
(``stdnum.cn.ric``); a region code it does not know for the birth year is only a warning,
because real people still carry codes of regions that were later renamed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from jiuzhu.errors import InvalidInput


class InvalidIdNumber(InvalidInput):
    """A resident ID number that cannot be right; the message says why and what is expected."""


@dataclass(frozen=True)
class IdNumber:
    """A checksum-valid resident ID number.

    :ivar value: 18 characters, upper-case ``X`` check character.
    :ivar birth_date: from digits 7–14.
    :ivar sex: ``"M"`` (odd sequence) or ``"F"``.
    :ivar region_code: the 6-digit administrative code it opens with.
    :ivar warning: set when the region code is unknown for the birth year (still accepted).
    """

    value: str
    birth_date: date
    sex: str
    region_code: str
    warning: str | None = None

    @property
    def masked(self) -> str:
        """``4418**********002X``: the first 4 and last 4 characters."""
        return mask_id_number(self.value)


def normalise_id_number(raw: str) -> str:
    """Full-width to half-width (NFKC), spaces and dashes removed, ``x`` upper-cased."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if ch not in " \t-_").upper()


def parse_id_number(raw: str) -> IdNumber:
    """Validate a resident ID number.

    :param raw: what the person typed; full-width digits, spaces and a lowercase ``x`` are fine.
    :raises InvalidIdNumber: wrong length, characters, birth date or check character.
    """
    number = normalise_id_number(raw)
    expected = "应为18位：17位数字，最后一位是数字或X。"
    if len(number) != 18:
        raise InvalidIdNumber(f"您输入了{len(number)}位，身份证号码{expected}")
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise InvalidIdNumber(f"身份证号码里有不该出现的字符，{expected}")
    try:
        birth = ric.get_birth_date(number)
    except stdnum_errors.ValidationError as e:
        raise InvalidIdNumber("身份证号码中的出生日期（第7–14位）不是有效日期。") from e
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidIdNumber("身份证号码最后一位校验码不对，请逐位核对。")
    if number[:2] not in _PROVINCES:
        raise InvalidIdNumber("身份证号码前两位不是有效的省份代码。")
    warning = None
    try:
        ric.validate(number)
    except Exception:  # stdnum raises InvalidComponent, or KeyError for some codes
        warning = "region code unknown for the birth year"
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number, birth, sex, number[:6], warning)


def id_check_character(first17: str) -> str:
    """The GB 11643-1999 check character for 17 digits (used by the demo-data generator)."""
    return ric.calc_check_digit(first17 + "0")  # stdnum expects a placeholder check character


def mask_id_number(value: str) -> str:
    """``4418**********002X``; short or odd input is masked whole."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_credit_code(value: str) -> str:
    """``9144************12``: a unified social credit code (GB 32100-2015, 18 characters)
    keeps its first 4 (registration office and region) and last 2; short input is masked
    whole."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_phone(value: str) -> str:
    """``138****5678`` for an 11-digit mobile number; anything else keeps only its last 2."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_name(value: str) -> str:
    """``林*`` / ``欧阳**``: the surname (1 character, 2 for known compound surnames) and stars."""
    if not value:
        return ""
    keep = 2 if value[:2] in _COMPOUND_SURNAMES and len(value) > 2 else 1
    return value[:keep] + "*" * (len(value) - keep)


# Province-level codes of GB/T 2260 (the first two digits of every ID number).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)

_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 南宫".split()
)


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_SEP = r"[ \-.\u3000\u00a0]?"  # what people type between digit groups: a space, a dash, a dot
_ID_LOOSE = re.compile(rf"(?<![0-9A-Za-z])[1-9](?:{_SEP}\d){{16}}{_SEP}[\dXx](?![0-9A-Za-z])")
_PHONE_LOOSE = re.compile(rf"(?<!\d)(?:\+?86{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}(?!\d)")
_CODE_LOOSE = re.compile(r"(?<!\d)\d{3}[ \-]\d{3}(?!\d)|(?<!\d)\d{6}(?!\d)")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ－＋．", "0123456789Xx-+.")


def find_id_number(text: str) -> str | None:
    """The one ID-shaped token (17 digits and a digit or X) in free text, normalised, or None.

    Lets ``我嘅身份证係4402…`` and ``<b>4453…</b>`` be read as the number they contain.
    """
    plain = normalise_id_number(text.translate(_FULL_WIDTH_DIGITS))
    found = _ID_IN_TEXT.findall(plain)
    return "".join(found[0]).upper() if len(found) == 1 else None


def mask_text(text: str) -> str:
    """Free text with ID numbers, mobile numbers and 6-digit codes masked (for transcripts).

    Caught however they are typed: full-width (``４４１８…``), spaced or dashed
    (``4418 2519 9003 0590 2X``, ``138-0044-1825``, ``+86 138 0044 1825``, ``982 519``),
    since sign-in accepts all of these.
    """
    text = text.translate(_FULL_WIDTH_DIGITS)
    text = _ID_LOOSE.sub(lambda m: mask_id_number(_digits(m.group(0))), text)
    text = _PHONE_LOOSE.sub(lambda m: mask_phone(_digits(m.group(0))[-11:]), text)
    return _CODE_LOOSE.sub("******", text)


def _digits(run: str) -> str:
    return "".join(ch for ch in run if ch.isdigit() or ch in "Xx").upper()
