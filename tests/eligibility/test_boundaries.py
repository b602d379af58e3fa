"""Every threshold, end to end through the service, either side of it.

The wording decides the side: 低于 (below) is <, 不超过 (not above) is ≤, 以上 (and above)
is ≥, 未满 (not yet) is <. Thresholds are read from the parameters, not typed in.
"""

import pytest

from eligibility.policy import dibao_standard, marginal_line
from eligibility.service import evaluate_one
from eligibility.situation import parse_situation

REGION, AREA, PERIOD = "440203", "urban", "2024-07"  # 韶关武江


def _family(
    income_per_head: float,
    *,
    size: int = 2,
    assets: dict | None = None,
    members: list | None = None,
):
    members = members or [
        {
            "id": f"p{i}",
            "relation": "applicant" if i == 0 else "child",
            "birth_date": "1980-01-01" if i == 0 else "2012-01-01",
            "monthly_income": income_per_head * size if i == 0 else 0,
        }
        for i in range(size)
    ]
    return parse_situation(
        {
            "region": REGION,
            "area": AREA,
            "period": PERIOD,
            "members": members,
            "assets": assets or {},
        }
    )


STANDARD, _ = dibao_standard(REGION, AREA, PERIOD)
LINE = marginal_line(REGION, AREA, PERIOD)


@pytest.mark.parametrize(
    ("per_head", "status"), [(STANDARD - 1, "eligible"), (STANDARD, "ineligible")]
)
def test_dibao_income_strictly_below_standard(per_head, status):
    # 审核确认办法 第3条: 人均收入“低于”当地低保标准 — at the standard is not below it.
    result = evaluate_one(_family(per_head))
    assert result.status("dibao") == status
    code = "income_below_standard" if status == "eligible" else "income_not_below_standard"
    assert result.programs["dibao"].reasons[0].code == code


@pytest.mark.parametrize(
    ("per_head", "status"),
    [(STANDARD, "eligible"), (LINE - 0.5, "eligible"), (LINE, "ineligible")],
)
def test_marginal_strictly_below_one_and_a_half(per_head, status):
    # 2023 意见: 人均收入“低于”当地低保标准1.5倍 — at 1.5 × is not below it.
    assert evaluate_one(_family(per_head)).status("low_income_marginal") == status


@pytest.mark.parametrize(("extra", "status"), [(0, "eligible"), (2, "ineligible")])
def test_financial_assets_not_above_24_times_urban_standard(extra, status):
    # 粤府办〔2022〕3号: 人均金融资产“不超过”城市低保标准24倍 — exactly 24 × passes.
    limit = 24 * dibao_standard(REGION, "urban", PERIOD)[0]
    result = evaluate_one(_family(100, assets={"financial_assets": 2 * limit + extra}))
    assert result.status("dibao") == status


@pytest.mark.parametrize(
    ("birth", "status"),
    [
        ("1964-07-01", "eligible"),  # 60 on the 1st
        ("1964-07-02", "ineligible"),
    ],
)  # 59
def test_tekun_age_60_and_above(birth, status):
    # 特困人员认定办法 第7条: “60周岁以上” — 60 itself counts.
    person = {"id": "old", "relation": "applicant", "birth_date": birth, "has_supporter": False}
    assert evaluate_one(_family(0, members=[person])).status("tekun") == status


@pytest.mark.parametrize(
    ("birth", "unable"),
    [
        ("2008-07-02", True),  # 15 on the 1st
        ("2008-07-01", False),
    ],
)  # 16
def test_tekun_under_16(birth, unable):
    # 特困人员认定办法 第7条: “未满16周岁” — 16 itself is not under 16.
    child = {"id": "kid", "relation": "applicant", "birth_date": birth, "has_supporter": False}
    result = evaluate_one(_family(0, members=[child]))
    assert result.status("tekun") == ("eligible" if unable else "ineligible")


@pytest.mark.parametrize(("grade", "care"), [(2, "eligible"), (3, "ineligible")])
def test_care_subsidy_grade_1_2(grade, care):
    # 护理补贴: 残疾等级为“一级、二级” — grade 3 is not.
    person = {
        "id": "d",
        "relation": "applicant",
        "birth_date": "1980-01-01",
        "disability": {"category": "physical", "grade": grade},
        "monthly_income": 9000,
    }
    assert evaluate_one(_family(0, members=[person])).status("disability_care_subsidy") == care


@pytest.mark.parametrize(("grade", "single"), [(2, "eligible"), (3, "ineligible")])
def test_single_inclusion_grade_1_2_physical(grade, single):
    # 2022年10月通知: “一级、二级”重度残疾人 单独纳入 — physical grade 3 is not.
    income = STANDARD * 1.2 * 2
    members = [
        {
            "id": "d",
            "relation": "applicant",
            "birth_date": "1980-01-01",
            "disability": {"category": "physical", "grade": grade},
        },
        {"id": "s", "relation": "spouse", "birth_date": "1980-01-01", "monthly_income": income},
    ]
    result = evaluate_one(_family(0, members=members))
    assert result.status("low_income_marginal") == "eligible"
    assert result.status("dibao_single") == single


@pytest.mark.parametrize(("houses", "status"), [(1, "eligible"), (2, "ineligible")])
def test_residential_not_above_one(houses, status):
    # 粤府办〔2022〕3号: 住房“不超过”1套.
    result = evaluate_one(_family(100, assets={"residential_properties": houses}))
    assert result.status("dibao") == status
