"""ID-number validation (GB 11643-1999 via python-stdnum) and masking for display and logs."""

from datetime import date

import pytest

from store.pii import (
    InvalidIdNumber,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    parse_id_number,
)


def test_valid_number_from_the_standard() -> None:
    parsed = parse_id_number("11010519491231002X")
    assert (parsed.birth_date, parsed.sex, parsed.region_code) == (
        date(1949, 12, 31),
        "F",
        "110105",
    )
    assert parsed.warning is None


@pytest.mark.parametrize(
    ("raw", "expected_fragment"),
    [
        ("110105194912310021", "校验码"),  # wrong check character
        ("11010519491231002", "17位"),  # 17 digits
        ("1101051949123100AX", "字符"),  # letters
        ("110105194913310027", "出生日期"),  # month 13
        ("", "0位"),
        ("991825199003059027", "省份"),  # no province 99
    ],
)
def test_invalid_numbers_say_what_is_wrong(raw: str, expected_fragment: str) -> None:
    with pytest.raises(InvalidIdNumber, match=expected_fragment):
        parse_id_number(raw)


def test_full_width_spaces_and_lower_x_are_normalised() -> None:
    full_width = "１１０１０５ １９４９１２３１ ００２ｘ"
    assert parse_id_number(full_width).value == "11010519491231002X"


def test_region_unknown_for_birth_year_is_a_warning_not_a_rejection() -> None:
    # 440306 (Bao'an district) did not exist in 1950; a real person may still carry it.
    first17 = "44030619500101001"
    from store.pii import id_check_character

    parsed = parse_id_number(first17 + id_check_character(first17))
    assert parsed.warning is not None


def test_masks() -> None:
    assert mask_id_number("44182519900305902X") == "4418**********902X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("林秀英") == "林**"
    assert mask_name("欧阳娜娜") == "欧阳**"


@pytest.mark.parametrize(
    "typed",
    [
        "44182519900305902X",
        "4418 2519 9003 0590 2X",
        "441825-19900305-902x",
        "４４１８２５１９９００３０５９０２Ｘ",
        "4418\u30002519\u30009003\u30000590\u30002X",
    ],
)
def test_transcript_masking_catches_ids_however_typed(typed: str) -> None:
    masked = mask_text(f"我的身份证是{typed}，请查一下")
    assert "9003" not in masked and "4418**********902X" in masked and "请查一下" in masked


@pytest.mark.parametrize(
    "typed",
    [
        "13800441825",
        "138 0044 1825",
        "138-0044-1825",
        "+86 138 0044 1825",
        "１３８－００４４－１８２５",
    ],
)
def test_transcript_masking_catches_phones_however_typed(typed: str) -> None:
    masked = mask_text(f"电话{typed}")
    assert "0044" not in masked and "138****1825" in masked


@pytest.mark.parametrize("typed", ["385337", "385 337", "385-337"])
def test_transcript_masking_catches_codes_as_sign_in_reads_them(typed: str) -> None:
    assert mask_text(f"验证码 {typed}") == "验证码 ******"
