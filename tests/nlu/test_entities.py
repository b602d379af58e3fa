"""Rule-based entities: normalised values from free text."""

from __future__ import annotations

import pytest

from nlu.entities import EntityExtractor, is_valid_id
from nlu.normalise import normalise
from nlu.training_data import TrainingData


@pytest.fixture(scope="module")
def extractor(data: TrainingData) -> EntityExtractor:
    return EntityExtractor(data)


def values(extractor: EntityExtractor, text: str) -> list[tuple[str, object]]:
    return [(e.entity, e.value) for e in extractor.extract(normalise(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("月收入三千五", [("amount", 3500)]),
        ("工资4千", [("amount", 4000)]),
        ("每月赚一万二", [("amount", 12000)]),
        ("收入两千来块", [("amount", 2000)]),
        ("一千蚊", [("amount", 1000)]),
        ("赔偿款1.5万元", [("amount", 15000)]),
        ("收入2.5k", [("amount", 2500)]),
        ("存款￥8000", [("amount", 8000)]),
        ("my income is 2000 yuan", [("amount", 2000)]),
        ("家里三口人", [("person_count", 3)]),
        ("屋企有四個人", [("person_count", 4)]),
        ("一家五口", [("person_count", 5)]),
        ("就我一个人", [("person_count", 1)]),
        ("家里多了一个人", []),  # a change, not the count
        ("给我一个人工电话", []),
        ("我想申请低保", [("program", "dibao")]),
        ("五保户", [("program", "tekun")]),
        ("重度残疾人护理补贴", [("program", "disability_care_subsidy")]),
        ("残疾人生活补贴", [("program", "disability_living_subsidy")]),  # not life_event 残疾
        ("我老公失业了", [("life_event", "unemployment")]),
        ("阿爸過身咗", [("life_event", "death")]),
        ("老公上个月死了", [("life_event", "death")]),
        ("气死了，你们太慢", []),  # furious, not a death
        ("我老婆生了个儿子", [("life_event", "birth")]),
        ("这件事发生了很久", []),  # not a birth
        ("我住天河区", [("region", "440106")]),
        ("我喺福田", [("region", "440304")]),
        ("广州市天河区", [("region", "440106")]),  # prefecture + county: the county
        ("清远连山", [("region", "441825")]),
        ("东莞", [("region", "441900")]),
        ("I live in Shenzhen", [("region", "440300")]),
        ("光明的未来", []),  # 光明区 only in full
        ("很高明", []),
    ],
)
def test_values(extractor: EntityExtractor, text: str, expected: list) -> None:
    assert values(extractor, text) == expected


def test_several_entities_in_text_order(extractor: EntityExtractor) -> None:
    text = "點樣攞低保？我屋企三口人，月收入兩千來蚊，住天河區，身份證4401 0619 7803 1533 24"
    assert values(extractor, text) == [
        ("program", "dibao"), ("person_count", 3), ("amount", 2000), ("region", "440106"),
        ("id_number", "440106197803153324"),
    ]  # fmt: skip


def test_offsets_point_into_the_normalised_text(extractor: EntityExtractor) -> None:
    norm = normalise("我住天河區，收入三千五")
    for e in extractor.extract(norm):
        assert norm[e.start : e.end] in ("天河区", "3500")


class TestIdNumber:
    def test_valid_with_lowercase_x_and_spaces(self, extractor: EntityExtractor) -> None:
        assert values(extractor, "身份证 4418 2119 8001 0100 2x") == [
            ("id_number", "44182119800101002X")
        ]

    def test_bad_check_character_is_reported_apart(self, extractor: EntityExtractor) -> None:
        assert values(extractor, "身份证440106197803153325") == [
            ("invalid_id_number", "440106197803153325")
        ]

    @pytest.mark.parametrize(
        ("number", "valid"),
        [
            ("440106197803153324", True),
            ("44182119800101002X", True),
            ("440106197802303324", False),  # 30 February
            ("440106290001013324", False),  # born in the future
            ("990106197803153324", False),  # no such province
            ("44010619780315332", False),
        ],
    )
    def test_is_valid_id(self, number: str, valid: bool) -> None:
        assert is_valid_id(number) is valid


@pytest.mark.parametrize(
    ("entity", "surface", "value", "expected"),
    [
        ("amount", "3500", None, 3500),
        ("amount", "三千五", None, None),  # canonical() takes normalised text only
        ("person_count", "4", "4", 4),
        ("program", "低保", "dibao", "dibao"),
        ("program", "最低生活保障", None, "dibao"),
        ("region", "天河区", "440106", "440106"),
        ("region", "广州海珠区", None, "440105"),
        ("region", "火星", None, "火星"),  # unknown: the text as given
        ("id_number", "440106197803153325", None, None),
        ("program", " ", " ", None),  # DIET tagged a space
        ("life_event", "没有工作", None, None),  # not in the lookup: no code
        ("program", "dibao", "dibao", "dibao"),
        ("region", "太平镇", None, "太平镇"),
    ],
)
def test_canonical(extractor: EntityExtractor, entity: str, surface: str, value: object,
                   expected: object) -> None:  # fmt: skip
    assert extractor.canonical(entity, surface, value) == expected
