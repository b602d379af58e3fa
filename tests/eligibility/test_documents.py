"""Verification report and refusal notice: HTML content and a PDF with an embedded CJK font."""

import re
import zlib
from datetime import datetime

import pytest

from eligibility.documents import html_to_pdf, render_refusal_notice, render_verification_report
from eligibility.service import evaluate_one
from tests.eligibility.stories import story_b, story_c, story_d

CONTEXT = {
    "applicant_name": "黄*芳",
    "applicant_id": "4407**********046X",
    "case_number": "TS-2024-0612",
    "date": "2024-06-20",
    "data_sources": [
        {
            "kind": "real_estate",
            "department": "台山市自然资源局",
            "read_at": datetime(2024, 6, 12, 9, 30),
        },
        {
            "kind": "income",
            "department": "台山市人力资源和社会保障局",
            "read_at": datetime(2024, 6, 12, 9, 31),
        },
    ],
    "member_names": {"b_ms": "黄*芳", "b_son": "李*", "b_mil": "李*英"},
}


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def test_story_b_report_explains_the_second_house():
    html = render_verification_report(evaluate_one(story_b()), CONTEXT)
    text = _text(html)
    assert "救助申请家庭经济状况核查报告" in text
    assert "黄*芳" in text and "4407**********046X" in text and "江门市台山市" in text
    assert "不动产登记" in text and "台山市自然资源局" in text and "2024-06-1209:30" in text
    assert "家庭成员名下有2套住房，超过1套的规定" in text
    assert "粤府办〔2022〕3号" in text
    assert "个人信息保护法》第二十四条" in text


def test_story_c_refusal_notice_reasons_and_rights():
    context = {**CONTEXT, "member_names": {"c_mr": "陈*明"}, "applicant_name": "陈*明"}
    text = _text(render_refusal_notice(evaluate_one(story_c()), context))
    assert "不予受理通知书" in text
    assert "最低生活保障（低保）" in text
    assert "超过1套的规定" in text
    assert "低于当地低保标准" not in text  # only the reasons that refuse
    for right in ("要求解释说明", "要求人工复核", "投诉举报", "行政复议", "第二十四条"):
        assert right in text


def test_no_refusal_notice_for_an_eligible_family():
    with pytest.raises(ValueError, match="no refused program"):
        render_refusal_notice(evaluate_one(story_d(visited=True)), CONTEXT)


def test_defaults_when_context_is_empty():
    text = _text(render_verification_report(evaluate_one(story_d()), {}))
    assert "申请人" in text and "云浮市云安区民政部门" in text
    assert "需要进一步核实的事项" in text and "入户核查" in text


def _embedded_fonts(pdf: bytes) -> set[str]:
    names: set[str] = set()
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(m.group(1))
        except zlib.error:
            data = m.group(1)
        names |= {n.decode() for n in re.findall(rb"/FontName\s*/([\w+-]+)", data)}
    return names


@pytest.mark.slow
def test_pdf_embeds_a_cjk_font():
    pdf = html_to_pdf(render_refusal_notice(evaluate_one(story_c()), CONTEXT))
    assert pdf.startswith(b"%PDF-")
    fonts = _embedded_fonts(pdf)
    assert any("CJK" in name for name in fonts), fonts
