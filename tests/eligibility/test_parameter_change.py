"""The same Guangzhou family before and after the 2023 standard (1120 from 2021-04 → 1238)."""

from eligibility.policy import dibao_standard
from eligibility.service import evaluate
from eligibility.situation import parse_situation


def _family(period: str):
    return parse_situation(
        {
            "region": "440106",
            "area": "urban",
            "period": period,
            "members": [
                {
                    "id": "g1",
                    "relation": "applicant",
                    "birth_date": "1980-01-01",
                    "monthly_income": 2400,
                },
                {"id": "g2", "relation": "child", "birth_date": "2012-01-01"},
                {"id": "g3", "relation": "child", "birth_date": "2014-01-01"},
            ],
            "assets": {"residential_properties": 1},
        }
    )


def test_guangzhou_2021_06_and_2023_08_differ_by_the_standard():
    old, new = evaluate([_family("2021-06"), _family("2023-08")])
    old_standard, old_source = dibao_standard("440106", "urban", "2021-06")
    new_standard, _ = dibao_standard("440106", "urban", "2023-08")

    assert (old.dibao_standard, old_source) == (old_standard, "prefecture")
    assert new.dibao_standard == new_standard > old_standard
    assert old.programs["dibao"].monthly_amount == (old_standard - 800) * 3
    assert new.programs["dibao"].monthly_amount == (new_standard - 800) * 3
    assert (
        new.programs["dibao"].monthly_amount - old.programs["dibao"].monthly_amount
        == (new_standard - old_standard) * 3
    )
    assert old.rules_version == new.rules_version
