"""Guangdong region codes and names: the 21 prefectures and the counties jiuzhu's stories name.

Codes are the 6-digit administrative division codes (GB/T 2260) that open a resident ID
number. A county code ``44xxyy`` belongs to prefecture ``44xx00``. The table is reference data
for people (chat, documents, NLU); which standard applies where is a rule and lives in
``eligibility/parameters/dibao/standard/`` (tier map and local figures).

Source of the names and codes: 民政部《中华人民共和国行政区划代码》(GB/T 2260, 2023 edition);
tier membership: ``../shared/domain/RULES.md`` § "Dibao standard floors".
"""

from __future__ import annotations

import re

#: prefecture code (4 digits) -> Chinese name
PREFECTURES: dict[str, str] = {
    "4401": "广州市",
    "4402": "韶关市",
    "4403": "深圳市",
    "4404": "珠海市",
    "4405": "汕头市",
    "4406": "佛山市",
    "4407": "江门市",
    "4408": "湛江市",
    "4409": "茂名市",
    "4412": "肇庆市",
    "4413": "惠州市",
    "4414": "梅州市",
    "4415": "汕尾市",
    "4416": "河源市",
    "4417": "阳江市",
    "4418": "清远市",
    "4419": "东莞市",
    "4420": "中山市",
    "4451": "潮州市",
    "4452": "揭阳市",
    "4453": "云浮市",
}

#: county-level code (6 digits) -> Chinese name; the ones STORIES.md and the demo data use
COUNTIES: dict[str, str] = {
    "440103": "荔湾区",
    "440104": "越秀区",
    "440105": "海珠区",
    "440106": "天河区",
    "440111": "白云区",
    "440203": "武江区",
    "440204": "浈江区",
    "440304": "福田区",
    "440705": "新会区",
    "440781": "台山市",
    "441802": "清城区",
    "441825": "连山壮族瑶族自治县",
    "445302": "云城区",
    "445303": "云安区",
    "445381": "罗定市",
}

_CODE = re.compile(r"^44\d{4}$")


def is_guangdong_code(code: str) -> bool:
    """True when ``code`` is six digits, starts 44 and names one of the 21 prefectures."""
    return bool(_CODE.match(code)) and code[:4] in PREFECTURES


def prefecture_code(code: str) -> str:
    """The 6-digit prefecture code of a county code: ``"441825"`` -> ``"441800"``."""
    return code[:4] + "00"


def region_name(code: str) -> str:
    """A person-readable name: ``"441825"`` -> ``"清远市连山壮族瑶族自治县"``.

    A county missing from :data:`COUNTIES` is shown as its prefecture plus the code.

    :raises KeyError: when the code is not a Guangdong prefecture or county code.
    """
    if not is_guangdong_code(code):
        msg = f"not a Guangdong region code: {code!r}"
        raise KeyError(msg)
    prefecture = PREFECTURES[code[:4]]
    if code.endswith("00"):
        return prefecture
    county = COUNTIES.get(code)
    return prefecture + county if county else f"{prefecture}（{code}）"
