"""The Mandarin reading the local classifier sees beside each message."""

from __future__ import annotations

import pytest

from nlu.dialect import to_mandarin


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("我哋屋企冇收入", "我们家里没有收入"),
        ("点样攞低保", "怎么样领低保"),
        ("你系唔系机器人", "你是不是机器人"),
        ("蟹蟹你", "谢谢你"),  # a typo
        ("我想申情低保", "我想申请低保"),
        ("请帮我联系社工", "请帮我联系社工"),  # 联系 keeps its 系 (系 alone is 是)
        ("我未来想读书", "我未来想读书"),  # 未来 keeps its 未 (未 alone is 没)
        ("我想申请低保", "我想申请低保"),  # Mandarin stays as it is
        ("", ""),
    ],
)
def test_reading(text: str, reading: str) -> None:
    assert to_mandarin(text) == reading
