"""The normaliser: every form the issue names, and hostile input."""

from __future__ import annotations

import pytest

from nlu.normalise import normalise, parse_chinese_number


class TestForms:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("３０００元", "3000元"),  # full-width digits
            ("ＡＢＣ１２３", "ABC123"),
            ("你好，在吗？", "你好,在吗?"),  # full-width punctuation
            ("你好\u3000世界", "你好 世界"),  # ideographic space
        ],
    )
    def test_full_width_to_half_width(self, text: str, expected: str) -> None:
        assert normalise(text) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("點樣攞低保", "点样攞低保"),
            ("唔該晒", "唔该晒"),
            ("我屋企係天河區", "我屋企系天河区"),
            ("撤銷授權", "撤销授权"),
        ],
    )
    def test_traditional_to_simplified(self, text: str, expected: str) -> None:
        assert normalise(text) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("三千五", "3500"),
            ("4千", "4000"),
            ("一万二", "12000"),
            ("两千来块", "2000来块"),
            ("月入一千零五十元", "月入1050元"),
            ("二十五岁", "25岁"),
            ("十个人", "10个人"),
            ("1.5万", "15000"),
            ("3千5", "3500"),
            ("1万2", "12000"),
            ("3k", "3000"),
            ("工资2,500元", "工资2500元"),
            ("家里三口人", "家里3口人"),
            ("二零二四年", "2024年"),
            ("兩萬", "20000"),  # traditional numerals
            ("三千五一个月", "3500 1个月"),  # two numbers never glue together
        ],
    )
    def test_numerals_to_numbers(self, text: str, expected: str) -> None:
        assert normalise(text) == expected

    @pytest.mark.parametrize(
        "text",
        ["一起去", "万一不行", "十分困难", "千万别", "一证一书", "三四个人", "两三千"],
    )
    def test_words_and_ranges_are_not_numbers(self, text: str) -> None:
        assert normalise(text) == text

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("4418 2119 8001 0100 2x", "44182119800101002X"),
            ("441821-19800101-002x", "44182119800101002X"),
            ("身份证44182119800101002x", "身份证44182119800101002X"),
            ("440106 19780315 3324", "440106197803153324"),
        ],
    )
    def test_id_numbers_compacted(self, text: str, expected: str) -> None:
        assert normalise(text) == expected

    def test_spaced_numbers_that_are_not_an_id_stay_apart(self) -> None:
        assert normalise("3000 2000 1000 5000 8888") == "3000 2000 1000 5000 8888"

    @pytest.mark.parametrize(
        ("run", "value"),
        [("三千五", 3500), ("一万二", 12000), ("二十五", 25), ("一千零五", 1005),
         ("十万", 100_000), ("两三千", None), ("一百五十亿", 15_000_000_000)],
    )  # fmt: skip
    def test_parse_chinese_number(self, run: str, value: float | None) -> None:
        assert parse_chinese_number(run) == value


class TestHostileInput:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("", ""),
            ("   \n\t ", ""),
            ("\x00\x07\x1b[31m你好\x7f", "[31m你好"),  # control characters dropped
            ("你\u200b好\ufeff", "你好"),  # zero-width and BOM dropped
            ("🙂🙂🙂", "🙂🙂🙂"),
            ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # emoji sequence kept whole
        ],
    )
    def test_sane_result(self, text: str, expected: str) -> None:
        assert normalise(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "'; DROP TABLE person; --",
            "1' OR '1'='1",
            "<script>alert('低保')</script>",
            "<img src=x onerror=alert(1)>",
            "{{7*7}} ${jndi:ldap://x}",
            "\ud800",  # lone surrogate
        ],
    )
    def test_injection_fragments_pass_through_unharmed(self, text: str) -> None:
        out = normalise(text)
        assert isinstance(out, str)
        if text != "\ud800":
            assert out == text.strip()
        else:
            assert out == ""

    def test_ten_kilobytes(self) -> None:
        text = ("我想申请低保，家里三口人，月收入两千来块。" * 600)[:10_240]
        out = normalise(text)
        assert out.startswith("我想申请低保,家里3口人,月收入2000来块。我想")
        assert out.count("3口人") == text.count("三口人") > 400

    def test_not_a_string(self) -> None:
        assert normalise(1234) == "1234"  # type: ignore[arg-type]
