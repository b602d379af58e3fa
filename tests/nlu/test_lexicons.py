"""The rule-matched word lists of ``nlu/lexicons.yml``, read through :mod:`nlu.lexicons`."""

from __future__ import annotations

import pytest

from nlu.codes import code_in
from nlu.consent_answer import consent_answer
from nlu.lexicons import common_english, report_phrases


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("982519", "982519"),
        ("９８２５１９", "982519"),  # full-width digits
        ("982 519", "982519"),  # spaced
        ("验证码系734167", "734167"),  # in words
        ("零零三五一二", "003512"),  # Chinese numerals: 零=0 零=0 三=3 五=5 一=1 二=2
        ("〇〇一二三四", "001234"),  # 〇 is a zero too
        ("12345", None),  # five digits
        ("我住3栋 982519", None),  # two numbers: which one is a guess
        ("还没收到", None),
    ],
)
def test_a_code_is_found_however_it_was_typed(text: str, code: str | None) -> None:
    assert code_in(text, 6) == code


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("下载报告", True),
        ("我想攞返份核查报告", True),
        ("预审报告", True),
        ("我要报告变化", False),  # reporting a change, not the report
        ("报告一下情况", False),
    ],
)
def test_report_phrases(text: str, asks: bool) -> None:
    assert bool(report_phrases().search(text)) is asks


def test_yaml_words_stay_strings() -> None:
    # YAML 1.1 reads a bare on/no as booleans; the lists quote them.
    assert "on" in common_english() and True not in common_english()
    assert consent_answer("no") == "decline" and consent_answer("我同意啦") == "agree"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("I do not speak Chinese", "en"),  # not a refusal of the consent (issue 12)
        ("I can't read chinese", "en"),
        ("English please", "en"),
        ("说英文", "en"),
        ("can you speak Chinese", "zh_CN"),
        ("用中文", "zh_CN"),
        ("我不同意", None),  # an answer, not a language
        ("no", None),
    ],
)
def test_language_requests(text: str, locale: str | None) -> None:
    from bot.locale import asked_for

    assert asked_for(text) == locale
