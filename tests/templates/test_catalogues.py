"""Every catalogue says the same things: same domains, keys, documents and variables.

A text only Chinese residents can read, or an English text that needs a value the code
never passes, fails here rather than in a chat. Domains are found on disk, so a catalogue
another change adds (``webchat.yml``...) is covered as soon as it exists.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from jinja2 import meta

from templates import LOCALES, ROOT, _environment, render_document, texts

OTHERS = [locale for locale in LOCALES if locale != "zh_CN"]


def _catalogue_files(locale: str) -> set[Path]:
    return {p.relative_to(ROOT / locale) for p in (ROOT / locale).rglob("*") if p.is_file()}


def _domains() -> list[str]:
    """Every domain of every locale: ``bot`` (bot.yml and bot/*.yml), ``relay``..."""
    found = set()
    for locale in LOCALES:
        for path in (ROOT / locale).rglob("*.yml"):
            rel = path.relative_to(ROOT / locale)
            found.add(rel.parts[0] if len(rel.parts) > 1 else rel.stem)
    return sorted(found)


def _variables(source: str, locale: str) -> set[str]:
    env = _environment(locale)
    return meta.find_undeclared_variables(env.parse(source))


def _sources(domain: str, locale: str) -> dict[str, str]:
    return dict(texts(domain, locale)._sources)


def test_the_catalogues_are_found() -> None:
    assert set(LOCALES) == {"zh_CN", "en"}
    assert {"bot", "cases", "eligibility", "relay", "staff", "staff_group"} <= set(_domains())


@pytest.mark.parametrize("locale", OTHERS)
def test_same_files_in_every_locale(locale: str) -> None:
    assert _catalogue_files(locale) == _catalogue_files("zh_CN")


@pytest.mark.parametrize("locale", OTHERS)
@pytest.mark.parametrize("domain", _domains())
def test_same_keys_in_every_locale(domain: str, locale: str) -> None:
    chinese, other = _sources(domain, "zh_CN"), _sources(domain, locale)
    assert chinese, f"templates/zh_CN has no {domain} texts"
    assert sorted(set(chinese) - set(other)) == [], f"missing in templates/{locale}"
    assert sorted(set(other) - set(chinese)) == [], f"only in templates/{locale}"


@pytest.mark.parametrize("locale", OTHERS)
@pytest.mark.parametrize("domain", _domains())
def test_same_variables_in_every_locale(domain: str, locale: str) -> None:
    """A translation uses exactly the values the Chinese text is given."""
    chinese, other = _sources(domain, "zh_CN"), _sources(domain, locale)
    different = {
        key: (sorted(_variables(chinese[key], "zh_CN")), sorted(_variables(other[key], locale)))
        for key in chinese.keys() & other.keys()
        if _variables(chinese[key], "zh_CN") != _variables(other[key], locale)
    }
    assert different == {}


@pytest.mark.parametrize("locale", OTHERS)
def test_same_variables_in_every_document(locale: str) -> None:
    documents = sorted(p.name for p in (ROOT / "zh_CN" / "documents").glob("*.html.j2"))
    assert "verification_report.html.j2" in documents
    for name in documents:
        chinese = (ROOT / "zh_CN" / "documents" / name).read_text(encoding="utf-8")
        other = (ROOT / locale / "documents" / name).read_text(encoding="utf-8")
        assert _variables(other, locale) == _variables(chinese, "zh_CN"), name


@pytest.mark.parametrize("locale", LOCALES)
def test_every_catalogue_file_is_valid_yaml_of_strings(locale: str) -> None:
    for path in (ROOT / locale).rglob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert all(isinstance(v, str) and v.strip() for v in data.values()), path


def test_english_is_english() -> None:
    """The English catalogue is not a copy: its welcome has no Chinese sentence."""
    assert "Hello" in texts("bot", "en").t("welcome")
    assert texts("bot", "en").t("welcome") != texts("bot", "zh_CN").t("welcome")


def test_the_happiness_list_renders_in_both_locales_from_one_context() -> None:
    line = {"program": "低保", "amount": 600, "since": "2026-08-01", "department": "民政",
            "next_review": "2027-08-01"}  # fmt: skip
    context = {
        "region": "清远市连山壮族瑶族自治县", "on": "2026-12-02", "total": 600,
        "groups": [{"who": "覃**", "relation": "本人", "lines": [line]}],
        "suggestions": [{"program": "低保边缘家庭", "status": "符合条件"}],
    }  # fmt: skip
    chinese = render_document("happiness_list", "zh_CN", **context)
    english = render_document("happiness_list", "en", **context)
    assert 'lang="zh-CN"' in chinese and "每月合计" in chinese
    assert 'lang="en"' in english and "Total per month" in english and "600" in english


@pytest.mark.parametrize("locale", LOCALES)
def test_a_list_item_ending_in_a_tag_keeps_its_line_break(locale: str) -> None:
    # trim_blocks eats the newline after a tag at the end of a line, so an item like
    # "• {{ x }}{% endif %}" right before "{% endfor %}" would run into the next item.
    glued = []
    for path in sorted((ROOT / locale).rglob("*.yml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, (line, following) in enumerate(pairwise(lines), 1):
            text = line.strip()
            if text.endswith("%}") and not text.startswith("{%") and following.strip() in (
                "{% endfor %}", "{%- endfor %}"
            ):
                glued.append(f"{path.relative_to(ROOT)}:{number}")
    assert glued == []


def test_the_review_answer_puts_each_benefit_on_its_own_line() -> None:
    reviews = [{"program": "低保", "next_review": "2027-08-01"},
               {"program": "医疗救助", "next_review": None}]  # fmt: skip
    review = {"stable_months": 12, "unstable_months": 6, "tekun_months": 12,
              "gradual_exit_months": 6, "job_refusals": 3, "death_recheck_months": 3}  # fmt: skip
    text = texts("bot").t("policy-review", name="低保", reviews=reviews, program="dibao",
                          f={"review": review})  # fmt: skip
    expected = "• 您家的低保：下次复核 2027-08-01\n• 您家的医疗救助：复核日期以工作人员通知为准\n"
    assert expected in text
