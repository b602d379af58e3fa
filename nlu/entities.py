"""Rule-based entity extraction and value normalisation, shared by both engines.

Works on normalised text (see :func:`nlu.normalise.normalise`): Arabic digits, simplified
characters, compact ID numbers. Lookup tables and synonyms come from the training data, so
adding a surface form to ``nlu/data/lookups/*.yml`` teaches both engines.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from stdnum.cn import ric

from jiuzhu import clock
from nlu.result import Entity
from nlu.training_data import TrainingData

EXTRACTOR = "jiuzhu_rules"

_NUM = r"\d+(?:\.\d+)?"
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
_UNIT = r"(?:块钱|块|元|蚊|rmb|yuan|rmb)"
_AMOUNT_PATTERNS = [
    # 3500元, 2000来块, 1000蚊, 3000多元, 2000 yuan
    re.compile(rf"(?P<n>{_NUM})\s*(?:多|来|左右|几)?\s*{_UNIT}", re.I),
    re.compile(rf"[¥￥]\s*(?P<n>{_NUM})"),
    # 12000的赔偿款, 3000工资
    re.compile(rf"(?P<n>{_NUM})\s*的?(?:赔偿款|赔偿金|工资|收入|退休金|养老金|人工)"),
    # a figure after an income/money word: 收入2000, 工资4000, 月收入从2000变成3000
    re.compile(
        rf"(?:收入|工资|月入|月薪|人工|退休金|养老金|薪水|赚|挣|存款|赔偿款|赔偿|补贴|"
        rf"income|salary|变成|涨到|降到|只有|每个月|每月|一个月|1个月)"
        rf"[^\d\n]{{0,6}}?(?P<n>{_NUM})(?!\s*(?:口|个人|人|位|岁|级|年|月|号|日|个|%|\d))",
        re.I,
    ),
]
_PERSON_PATTERNS = [
    re.compile(r"(?P<n>\d{1,2})\s*口(?:人|之家)?"),
    re.compile(
        r"(?:^|家里|家庭|我家|屋企|一家|全家|一共|总共|共有|我们|我哋|就我|只有我|户|有|得)"
        r"[^\d,.!?。;]{0,4}?(?P<n>\d{1,2})\s*(?:个人|人|位)"
        r"(?!工|民|家|员|生|月|岁|信息|资料|所得|账户)"
    ),
    re.compile(r"(?P<n>\d{1,2})\s*(?:people|persons|family members)", re.I),
]
_PERSON_RANGE = range(1, 21)
# Everyday words holding a life-event form that tell of no event: 发生了 is not a birth
# (生了), 气死了 "furious" is not a death (死了). Matched first and skipped.
_NOT_EVENTS = (
    "发生了", "产生了", "生了气", "生了锈", "气死了", "笑死了", "累死了", "热死了", "冷死了",
    "饿死了", "急死了", "烦死了", "吓死了", "闷死了", "忙死了", "困死了", "痛死了", "想死了",
    "惨死了", "无聊死了", "晒死了", "臭死了", "吵死了", "丑死了", "怕死了",
)
_DELTA = {"多了", "少了", "多咗", "少咗", "添了", "走了"}


class EntityExtractor:
    """Finds entities in normalised text.

    :param data: training data whose lookups (``program``, ``life_event``, ``region``) and
        synonyms name the surface forms and their canonical values.
    """

    def __init__(self, data: TrainingData) -> None:
        self._synonyms = data.synonyms
        forms: dict[str, str] = {}  # lower-cased surface -> entity
        for entity, surfaces in data.lookups.items():
            for s in surfaces:
                if s:
                    forms.setdefault(s.lower(), entity)
        self._form_entity = forms
        # The values each looked-up entity may take (program and life_event codes, regions).
        self._codes: dict[str, set[str]] = {}
        for surface, entity in forms.items():
            if surface in data.synonyms:
                self._codes.setdefault(entity, set()).add(data.synonyms[surface])
        # Longest first, so 残疾人生活补贴 wins over 残疾 and 广州市 over 广州.
        alts = sorted({*forms, *_NOT_EVENTS}, key=len, reverse=True)
        parts = [
            rf"(?<![A-Za-z]){re.escape(a)}(?![A-Za-z])" if a.isascii() else re.escape(a)
            for a in alts
        ]
        self._lookup = re.compile("|".join(parts), re.I) if parts else None

    def extract(self, text: str) -> list[Entity]:
        """Entities in ``text`` (normalised), in text order, spans never overlapping.

        Values: ``id_number`` valid 18-character ID; ``invalid_id_number`` ID-shaped but
        with a wrong check character or date; ``amount`` int or float (yuan);
        ``person_count`` int 1..20; ``program``/``life_event`` codes; ``region`` 6-digit
        code. Never raises on a ``str``.
        """
        found: list[Entity] = []
        taken: list[tuple[int, int]] = []

        def add(entity: str, value: Any, start: int, end: int) -> None:
            if any(s < end and start < e for s, e in taken):
                return
            taken.append((start, end))
            found.append(Entity(entity, value, start, end, EXTRACTOR))

        for m in _ID.finditer(text):
            s = m.group(0)
            add("id_number" if is_valid_id(s) else "invalid_id_number", s, m.start(), m.end())
        if self._lookup is not None:
            for m in self._lookup.finditer(text):
                surface = m.group(0).lower()
                if surface in _NOT_EVENTS:
                    continue
                entity = self._form_entity[surface]
                add(entity, self._synonyms.get(surface, m.group(0)), m.start(), m.end())
        for pat in _PERSON_PATTERNS:
            for m in pat.finditer(text):
                n = int(m.group("n"))
                # 家里多了1个人 is a change in the count, not the count
                if text[max(0, m.start("n") - 2) : m.start("n")] in _DELTA:
                    continue
                if n in _PERSON_RANGE:
                    add("person_count", n, m.start("n"), m.end("n"))
        for pat in _AMOUNT_PATTERNS:
            for m in pat.finditer(text):
                add("amount", to_number(m.group("n")), m.start("n"), m.end("n"))
        found.sort(key=lambda e: e.start)
        return _merge_regions(found)

    def canonical(self, entity: str, surface: str, value: Any = None) -> Any:
        """The normalised value of an entity another extractor (Rasa) found, or an annotation.

        :param surface: the text the entity covers (normalised text).
        :param value: a value already given (Rasa's synonym mapper, an explicit annotation).
        :returns: the value in the form of :meth:`extract`; ``None`` when it has none
            (an amount with no number in it, an invalid ID number, a program or life event
            that is not one of the codes); a region with no known code is the text itself.
        """
        raw = str(value if value is not None else surface)
        if entity in ("amount", "person_count"):
            m = re.search(_NUM, raw) or re.search(_NUM, surface)
            if not m:
                return None
            n = to_number(m.group(0))
            return int(n) if entity == "person_count" else n
        if entity == "id_number":
            s = re.sub(r"[\s\-]", "", raw).upper()
            return s if is_valid_id(s) else None
        raw, surface = raw.strip(), surface.strip()
        if not raw:
            return None
        codes = self._codes.get(entity)
        for key in (raw.lower(), surface.lower()):
            if key in self._synonyms and (codes is None or self._synonyms[key] in codes):
                return self._synonyms[key]
        if codes is not None and raw in codes:
            return raw
        # 广州海珠区: read it as the extractor would
        values = [e.value for e in self.extract(surface) if e.entity == entity]
        if len(values) == 1:
            return values[0]
        # A region may be one we have no code for (a town); a program or life event that is
        # not one of the codes is noise (DIET tagging a space between two English words).
        return raw if entity == "region" else None


def is_valid_id(number: str) -> bool:
    """True for an 18-character resident ID number with a real birth date and check character.

    Checks the format, the province (11..82), the birth date (1900..today) and the ISO 7064
    check character. Unlike ``stdnum.cn.ric.is_valid`` it does not require the county code
    to have existed in the birth year: numbers are issued where the person is registered, so
    someone born in 1978 can hold a 天河区 (1985) number.
    """
    if not re.fullmatch(r"\d{17}[\dX]", number) or not 11 <= int(number[:2]) <= 82:
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not dt.date(1900, 1, 1) <= born <= clock.today():
        return False
    return ric.calc_check_digit(number) == number[-1]


def to_number(s: str) -> int | float:
    """``"3500"`` -> 3500, ``"1.5"`` -> 1.5."""
    f = float(s)
    return int(f) if f.is_integer() else f


def _merge_regions(entities: list[Entity]) -> list[Entity]:
    """广州天河 / 广州市天河区: a prefecture right before one of its counties is one region."""
    out: list[Entity] = []
    for e in entities:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.entity == e.entity == "region"
            and e.start - prev.end <= 1
            and str(prev.value).endswith("00")
            and str(e.value)[:4] == str(prev.value)[:4]
        ):
            out[-1] = Entity("region", e.value, prev.start, e.end, e.extractor)
        else:
            out.append(e)
    return out
