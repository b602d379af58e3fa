"""``jiuzhu precheck --situation FILE.json [--json]``: the what-if contract of issue 3."""

import json
import subprocess
import sys

import pytest

# The real entry point (jiuzhu.cli.main: its error wrapper and exit codes) in a real process,
# with only this package's commands registered, so other packages' work in progress cannot
# break these tests.
JIUZHU = [
    sys.executable,
    "-c",
    "import sys, jiuzhu.cli as c; from eligibility.cli import register; "
    "c.app.callback()(lambda: None); c._register = lambda: register(c.app); "
    "c.main(sys.argv[1:])",
]

EXAMPLE = {
    "region": "440106",
    "area": "urban",
    "period": "2023-08",
    "members": [
        {
            "id": "m1",
            "relation": "applicant",
            "birth_date": "1985-06-12",
            "monthly_income": 3000,
            "income_kinds": {"wage": 3000},
            "disability": {"category": "physical", "grade": 1},
            "serious_illness": False,
            "able_to_work": True,
            "student": False,
            "has_supporter": True,
        },
        {"id": "m2", "relation": "child", "birth_date": "2014-03-01", "disability": None},
        {"id": "m3", "relation": "child", "birth_date": "2016-09-01"},
    ],
    "assets": {
        "residential_properties": 1,
        "nonresidential_properties": 0,
        "exempt_residential_properties": 0,
        "vehicles": ["e_bike"],
        "business_registrations": [{"kind": "micro", "employees": 0, "luxury_goods": False}],
        "financial_assets": 12000,
    },
    "home_visit": {"business_confirmed_micro": True, "income_confirmed": True},
}


def _run(tmp_path, data, *args):
    path = tmp_path / "situation.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return subprocess.run(
        [*JIUZHU, "precheck", "--situation", str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_json_output_has_the_contract_shape(tmp_path):
    done = _run(tmp_path, EXAMPLE, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert list(out) == [
        "region",
        "area",
        "period",
        "rules_version",
        "household_size",
        "per_capita_income",
        "dibao_standard",
        "dibao_standard_source",
        "programs",
        "flags",
        "unverified_members",
    ]
    assert out["household_size"] == 3 and out["per_capita_income"] == 1000.0
    assert out["dibao_standard_source"] == "prefecture"
    assert set(out["programs"]) == {
        "dibao",
        "low_income_marginal",
        "dibao_single",
        "tekun",
        "disability_living_subsidy",
        "disability_care_subsidy",
        "medical_insurance_subsidy",
    }
    dibao = out["programs"]["dibao"]
    assert dibao["status"] == "eligible" and dibao["members"] == ["m1", "m2", "m3"]
    assert dibao["monthly_amount"] == round((out["dibao_standard"] - 1000.0) * 3, 2)
    assert dibao["reasons"][0] == {
        "code": "income_below_standard",
        "per_capita_income": 1000.0,
        "standard": out["dibao_standard"],
    }
    for program in out["programs"].values():
        assert set(program) == {"status", "monthly_amount", "members", "reasons"}
        assert program["status"] in {"eligible", "ineligible", "needs_home_visit"}


def test_table_in_chinese(tmp_path):
    done = _run(tmp_path, EXAMPLE)
    assert done.returncode == 0, done.stderr
    assert "救助资格预审结果" in done.stdout
    assert "最低生活保障（低保）" in done.stdout and "符合条件" in done.stdout
    assert "广州市天河区" in done.stdout


def _broken(change):
    data = json.loads(json.dumps(EXAMPLE))
    change(data)
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_broken(lambda d: d.pop("period")), "period: missing field"),
        (_broken(lambda d: d.update(region="4401")), "region: expected a 6-digit region code"),
        (_broken(lambda d: d.update(region="110105")), "region: expected a Guangdong code"),
        (
            _broken(lambda d: d["members"][0].update(monthly_income=-1)),
            "members[0].monthly_income: expected a number ≥ 0",
        ),
        (
            _broken(lambda d: d["assets"].update(vehicles=["boat"])),
            "assets.vehicles[0]: expected one of",
        ),
        (_broken(lambda d: d.update(period="2023/08")), "period: expected a month as YYYY-MM"),
        (_broken(lambda d: d["members"][1].pop("relation")), "members[1].relation: missing field"),
        ("{not json", "situation: expected a JSON object"),
    ],
)
def test_invalid_input_exits_2_naming_the_field(tmp_path, data, field):
    done = _run(tmp_path, data, "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0], done.stderr


def test_missing_file_exits_2(tmp_path):
    done = subprocess.run(
        [*JIUZHU, "precheck", "--situation", str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "--situation" in done.stderr
