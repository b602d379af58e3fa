"""The Rasa project's training data: the intents the issue names, enough varied examples,
annotations that resolve to known values, and a region table of all of Guangdong."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest
import yaml

from nlu import INTENTS, training_data
from nlu.entities import EntityExtractor
from nlu.exceptions import TrainingDataError
from nlu.result import ENTITIES
from nlu.training_data import TrainingData

PROGRAMS = {
    "dibao", "low_income_marginal", "tekun", "temporary_assistance",
    "disability_living_subsidy", "disability_care_subsidy", "medical_insurance_subsidy",
    "education_assistance", "housing_assistance",
}  # fmt: skip
LIFE_EVENTS = {
    "unemployment", "illness", "disability", "death", "school_entry", "birth",
    "income_change", "property_change", "moving",
}  # fmt: skip


def test_exactly_the_issue_intents(data: TrainingData) -> None:
    assert set(data.intents) == set(INTENTS)
    assert len(INTENTS) == 17


def test_at_least_40_distinct_examples_per_intent(data: TrainingData) -> None:
    per_intent = collections.defaultdict(set)
    for ex in data.examples:
        per_intent[ex.intent].add(ex.text)
    assert {i: len(t) for i, t in per_intent.items() if len(t) < 40} == {}


def test_no_text_is_labelled_with_two_intents(data: TrainingData) -> None:
    seen: dict[str, set[str]] = collections.defaultdict(set)
    for ex in data.normalised_examples():
        seen[ex.text.lower()].add(ex.intent)
    assert {t: i for t, i in seen.items() if len(i) > 1} == {}


def test_data_is_varied(data: TrainingData) -> None:
    texts = [ex.text for ex in data.examples]
    cantonese = [t for t in texts if re.search("[攞唔冇係嘅咗啲喺嚟哋搵揾]|點樣", t)]
    english = [t for t in texts if re.fullmatch(r"[A-Za-z0-9 ,.!?'\[\]()]+", t)]
    traditional = [t for t in texts if re.search("[們個點該裡請審證報還時區]", t)]
    assert len(cantonese) >= 60
    assert len(english) >= 40
    assert len(traditional) >= 20
    assert min(map(len, texts)) <= 2 and max(map(len, texts)) >= 25


def test_domain_lists_the_intents_and_entities() -> None:
    domain = yaml.safe_load(training_data.DOMAIN_FILE.read_text("utf-8"))
    assert domain["intents"] == list(INTENTS)
    assert domain["entities"] == list(ENTITIES)


def test_config_is_the_issue_pipeline() -> None:
    config = yaml.safe_load(training_data.CONFIG_FILE.read_text("utf-8"))
    assert config["language"] == "zh"
    names = [c["name"] for c in config["pipeline"]]
    assert names[0] == "JiebaTokenizer" and names[-1] == "FallbackClassifier"
    assert {"RegexFeaturizer", "CountVectorsFeaturizer", "DIETClassifier"} <= set(names)
    assert any(c.get("analyzer") == "char_wb" for c in config["pipeline"])


def test_every_annotation_resolves_to_a_known_value(data: TrainingData) -> None:
    x = EntityExtractor(data)
    regions = set(data.synonyms.values()) - PROGRAMS - LIFE_EVENTS
    bad = []
    for ex in data.normalised_examples():
        for a in ex.entities:
            value = x.canonical(a.entity, ex.surface(a), a.value)
            ok = {
                "program": lambda v: v in PROGRAMS,
                "life_event": lambda v: v in LIFE_EVENTS,
                "region": lambda v: v in regions,
                "amount": lambda v: isinstance(v, int | float) and v >= 0,
                "person_count": lambda v: isinstance(v, int) and 1 <= v <= 20,
                "id_number": lambda v: v is not None,
            }[a.entity](value)
            if not ok:
                bad.append((ex.text, a.entity, ex.surface(a), value))
    assert bad == []


def test_every_entity_type_is_annotated(data: TrainingData) -> None:
    counts = collections.Counter(a.entity for ex in data.examples for a in ex.entities)
    assert set(counts) == set(ENTITIES)
    assert min(counts.values()) >= 10


def test_program_and_life_event_codes_are_complete(data: TrainingData) -> None:
    values = set(data.synonyms.values())
    assert values >= PROGRAMS | LIFE_EVENTS


class TestRegionTable:
    def codes(self, data: TrainingData) -> set[str]:
        return {v for v in data.synonyms.values() if re.fullmatch(r"44\d{4}", v)}

    def test_all_prefectures_and_counties(self, data: TrainingData) -> None:
        codes = self.codes(data)
        prefectures = {c for c in codes if c.endswith("00") and c != "440000"}
        counties = codes - prefectures - {"440000"}
        assert len(prefectures) == 21
        assert len(counties) == 122
        assert {c[:4] + "00" for c in counties} <= prefectures

    def test_the_rules_name_every_region_the_nlu_knows(self, data: TrainingData) -> None:
        # A region read from a message is shown back by name, never as a bare code.
        from eligibility.regions import region_name

        codes = self.codes(data) - {"440000"}
        assert [c for c in codes if "（" in region_name(c)] == []

    def test_everyday_words_are_not_region_names(self, data: TrainingData) -> None:
        surfaces = set(data.lookups["region"])
        assert {"光明", "高明", "和平", "清新", "新兴", "城区"} & surfaces == set()
        assert {"光明区", "和平县", "汕尾城区"} <= surfaces


class TestReader:
    def test_inline_annotations(self) -> None:
        ex = training_data.parse_example(
            '我住[天河区](region)，收入[三千五](amount)，[低保]{"entity": "program", '
            '"value": "dibao"}',
            "inform",
        )
        assert ex.text == "我住天河区，收入三千五，低保"
        assert [(ex.surface(a), a.entity, a.value) for a in ex.entities] == [
            ("天河区", "region", None), ("三千五", "amount", None), ("低保", "program", "dibao"),
        ]  # fmt: skip

    def test_normalised_offsets_follow_the_text(self) -> None:
        raw = "屋企[三](person_count)個人，[兩千五](amount)蚊"
        ex = training_data.parse_example(raw, "inform")
        n = training_data.normalise_example(ex)
        assert n.text == "屋企3个人,2500蚊"
        assert [n.surface(a) for a in n.entities] == ["3", "2500"]

    @pytest.mark.parametrize(
        "content",
        ["nlu: 3", "version: '3.1'\nnlu:\n- intent: x\n  examples: |\n    not a list line\n",
         "nlu:\n- intent: x\n  examples: |\n    - [a]{bad json}\n", ": : :"],
    )  # fmt: skip
    def test_malformed_files_are_clear_errors(self, tmp_path: Path, content: str) -> None:
        p = tmp_path / "nlu.yml"
        p.write_text(content, "utf-8")
        with pytest.raises(TrainingDataError, match=str(p)):
            training_data.load(p)

    def test_rasa_copy_round_trips(self, tmp_path: Path, data: TrainingData) -> None:
        out = training_data.write_rasa_data(data, tmp_path / "nlu.yml")
        again = training_data.load(out)
        assert len(again.examples) == len(data.examples)
        assert [e.text for e in again.examples[:5]] == [
            e.text for e in sorted(data.normalised_examples(), key=lambda e: e.intent)[:5]
        ]
        assert again.synonyms == data.synonyms
