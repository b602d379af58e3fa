"""``jiuzhu precheck --situation F`` refuses bad input with one line and exit status 2 (issue 13).

The audit's cases and an attacker's: non-finite or non-numeric amounts, booleans as numbers,
fractional counts, 200 members, dates and months out of range, unverified ids that are
counted, unreadable files, deep or huge or ambiguous JSON. Each runs the real entry point
(:func:`jiuzhu.cli.main`, its error wrapper and exit codes) in this process, with a fresh
Typer app holding only this package's commands, and a frozen clock on 2026-12-02, so "next
year" is 2027 whatever today is. A few run in a real process too, to see no traceback.
"""

import copy
import json
import os
import subprocess
from datetime import UTC, datetime

import pytest
import typer

import jiuzhu.cli
from eligibility.cli import register
from eligibility.policy import dibao_standard
from jiuzhu.clock import FrozenClock, use_clock
from jiuzhu.errors import InvalidInput
from tests.eligibility.test_cli import EXAMPLE, JIUZHU

TODAY = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 12:00 in Guangdong; next year is 2027


@pytest.fixture
def precheck(monkeypatch, tmp_path, capsys):
    """Run ``jiuzhu precheck --json --situation FILE`` on a dict or text; (status, out, err)."""
    app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    app.callback()(lambda: None)
    register(app)
    monkeypatch.setattr(jiuzhu.cli, "app", app)
    monkeypatch.setattr(jiuzhu.cli, "_register", lambda: None)
    monkeypatch.delenv("JIUZHU_TODAY", raising=False)

    def run(data, *, path=None, today=TODAY):
        if path is None:
            path = tmp_path / "situation.json"
            path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
        with use_clock(FrozenClock(today)):
            try:
                jiuzhu.cli.main(["precheck", "--json", "--situation", str(path)])
                status = 0
            except SystemExit as e:
                status = e.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


def _changed(change):
    data = copy.deepcopy(EXAMPLE)
    change(data)
    return data


def _text(change=lambda d: None, old="", new=""):
    """The example as JSON text with ``old`` replaced by ``new`` (for what json.dumps cannot
    write: NaN where an amount is, a key twice)."""
    text = json.dumps(_changed(change))
    assert old in text
    return text.replace(old, new, 1)


def _income(text):
    # member m1's income 12345, then replaced by raw JSON text; no kinds to exceed it
    return _text(lambda d: d["members"][0].update(monthly_income=12345, income_kinds={}),
                 "12345", text)  # fmt: skip


def _assets(text):
    return _text(lambda d: d["assets"].update(financial_assets=12345), "12345", text)


def _children(n):
    return [{"id": f"c{i}", "relation": "child", "birth_date": "2010-01-01"} for i in range(n)]


def _member(i, **fields):
    return _changed(lambda d: d["members"][i].update(**fields))


def _situation(**fields):
    return _changed(lambda d: d.update(**fields))


REFUSED = [
    # -- non-finite or non-numeric amounts
    (_income("Infinity"), "members[0].monthly_income: expected a finite number ≥ 0, got Infinity"),
    (_income("-Infinity"),
     "members[0].monthly_income: expected a finite number ≥ 0, got -Infinity"),
    (_income("NaN"), "members[0].monthly_income: expected a finite number ≥ 0, got NaN"),
    (_income("1e400"), "members[0].monthly_income: expected a finite number ≥ 0, got 1e400"),
    (_assets("Infinity"), "assets.financial_assets: expected a finite number ≥ 0, got Infinity"),
    (_assets("1e400"), "assets.financial_assets: expected a finite number ≥ 0, got 1e400"),
    (_assets("-1e400"), "assets.financial_assets: expected a finite number ≥ 0, got -1e400"),
    # finite but beyond MAX_YUAN = 1亿 (1e308 overflowed OpenFisca's float32 to inf)
    (_income("1e308"), "members[0].monthly_income: expected a number ≤ 100000000, got 1e+308"),
    (_income("1" + "0" * 30),
     "members[0].monthly_income: expected a number ≤ 100000000, got 1" + "0" * 30),
    # 5,000 digits: Python's int() refuses more than 4,300 (a ValueError, not a JSON error)
    (_assets("9" * 5000), "assets.financial_assets: expected a number ≤ 100000000, got "
     + "9" * 39 + "…"),
    (_text(lambda d: d["members"][0]["income_kinds"].update(wage=12345), "12345", "NaN"),
     "members[0].income_kinds.wage: expected a finite number ≥ 0, got NaN"),
    # -- booleans and strings are not numbers, numbers are not booleans (strict mode)
    (_member(1, monthly_income=True),
     "members[1].monthly_income: expected a number ≥ 0, got true"),
    (_situation(assets={**EXAMPLE["assets"], "financial_assets": False}),
     "assets.financial_assets: expected a number ≥ 0, got false"),
    (_member(1, monthly_income="2000"),
     "members[1].monthly_income: expected a number ≥ 0, got '2000'"),
    (_member(0, serious_illness=1), "members[0].serious_illness: expected true or false, got 1"),
    (_member(0, student="yes"), "members[0].student: expected true or false, got 'yes'"),
    (_member(1, id=7), "members[1].id: expected a string, got 7"),
    # -- counts and grades are whole numbers
    (_situation(assets={**EXAMPLE["assets"], "residential_properties": 2.5}),
     "assets.residential_properties: expected a whole number, got 2.5"),
    (_situation(assets={**EXAMPLE["assets"], "residential_properties": 2.0}),
     "assets.residential_properties: expected a whole number, got 2.0"),
    (_situation(assets={**EXAMPLE["assets"], "residential_properties": True}),
     "assets.residential_properties: expected a whole number, got true"),
    (_situation(assets={**EXAMPLE["assets"], "nonresidential_properties": 10**9}),
     "assets.nonresidential_properties: expected a number ≤ 1000000, got 1000000000"),
    (_member(0, disability={"category": "physical", "grade": -1}),
     "members[0].disability.grade: expected a number ≥ 1, got -1"),
    (_member(0, disability={"category": "physical", "grade": 1.5}),
     "members[0].disability.grade: expected a whole number, got 1.5"),
    # -- household size: 3 + 18 = 21 members, one over MAX_HOUSEHOLD_SIZE = 20
    (_changed(lambda d: d["members"].extend(_children(18))),
     "members: expected at most 20 members, got 21"),
    (_changed(lambda d: d["members"].extend(_children(197))),
     "members: expected at most 20 members, got 200"),
    (_situation(members=[]), "members: expected at least 1 member, got 0"),
    # -- dates from 1900-01-01 to 2027-12-31, months 2021-01 to 2027-12 (clock: 2026-12-02)
    (_member(1, birth_date="1850-01-01"),
     "members[1].birth_date: expected a date from 1900-01-01 to 2027-12-31, got 1850-01-01"),
    (_member(1, birth_date="1899-12-31"),
     "members[1].birth_date: expected a date from 1900-01-01 to 2027-12-31, got 1899-12-31"),
    (_situation(period="2099-01"),
     "period: expected a month from 2021-01 to 2027-12 (rules before 2021-01 are not encoded),"
     " got '2099-01'"),
    (_situation(period="2028-01"),
     "period: expected a month from 2021-01 to 2027-12 (rules before 2021-01 are not encoded),"
     " got '2028-01'"),
    (_situation(period="2020-12"),
     "period: expected a month from 2021-01 to 2027-12 (rules before 2021-01 are not encoded),"
     " got '2020-12'"),
    (_situation(period="2024-7"),
     "period: expected a month as YYYY-MM, e.g. 2024-07, got '2024-7'"),
    (_situation(period="２０２４-07"),
     "period: expected a month as YYYY-MM, e.g. 2024-07, got '２０２４-07'"),
    (_situation(period="2024-07\n"),
     "period: expected a month as YYYY-MM, e.g. 2024-07, got '2024-07\\n'"),
    (_situation(period=202407), "period: expected a string, got 202407"),
    (_member(1, birth_date="2014-02-30"),
     "members[1].birth_date: expected a date as YYYY-MM-DD, got '2014-02-30' (no such day)"),
    (_member(1, birth_date="20140301"),
     "members[1].birth_date: expected a date as YYYY-MM-DD, e.g. 1985-06-12, got '20140301'"),
    (_member(1, birth_date=0),
     "members[1].birth_date: expected a date as YYYY-MM-DD, e.g. 1985-06-12, got 0"),
    # -- unverified members are not among members, distinct, non-empty
    (_situation(unverified_members=["m1"]),
     "unverified_members[0]: expected an id not in members (an unverified member is not "
     "counted), got 'm1'"),
    (_situation(unverified_members=["x9", ""]),
     "unverified_members[1]: expected a member id, got an empty string"),
    (_situation(unverified_members=["x9", "x9"]),
     "unverified_members[1]: expected distinct ids, got 'x9' twice"),
    # -- region codes of ASCII digits, relations spelt right
    (_situation(region="４４０１０６"),
     "region: expected a 6-digit region code like 440106, got '４４０１０６'"),
    (_situation(region="440106\n"),
     "region: expected a 6-digit region code like 440106, got '440106\\n'"),
    (_situation(region="4" * 50),
     "region: expected a 6-digit region code like 440106, got '" + "4" * 38 + "…"),
    (_member(1, relation="chlid"),
     "members[1].relation: expected one of 'applicant', 'spouse', 'child', 'parent' or "
     "'other', got 'chlid'"),
    # -- JSON that is ambiguous, deep or not a situation
    (_text(old='"period": "2023-08"', new='"period": "2023-08", "period": "2099-01"'),
     "situation: expected each key once in an object, got 'period' twice"),
    (_text(old='"grade": 1', new='"grade": 1, "grade": 4'),
     "situation: expected each key once in an object, got 'grade' twice"),
    ('{"region": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "situation: expected JSON nested at most 10 deep"),
    (_text(old='"area": "urban"', new='"area": "urban", "x": [[[[[[[[[[[]]]]]]]]]]]'),
     "situation: expected JSON nested at most 10 deep"),
    ("[1, 2]", "situation: expected a JSON object"),
    # an unknown key is repeated quoted and cut, on one line
    (_text(old='"area": "urban"', new='"area": "urban", "a\\nb": 1'),
     "situation['a\\nb']: unknown field"),
    (_situation(**{"k" * 100: 1}), "situation['" + "k" * 38 + "…]: unknown field"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "line"), REFUSED)
def test_bad_input_is_one_line_and_exit_2(precheck, data, line):
    status, out, err = precheck(data)
    assert (status, out, err) == (2, "", f"error: {line}\n")


ACCEPTED = [
    _member(1, birth_date="1900-01-01"),  # the earliest date
    _situation(period="2027-12"),  # December of next year (clock 2026-12-02)
    _changed(lambda d: d["members"].extend(_children(17))),  # 3 + 17 = 20 members
    _situation(unverified_members=["m4"]),  # a member left out: not in members
    _income("1e8"),  # MAX_YUAN itself
]


@pytest.mark.parametrize("data", ACCEPTED)
def test_the_bounds_themselves_are_accepted(precheck, data):
    status, out, err = precheck(data)
    assert (status, err) == (0, "")
    assert json.loads(out)["programs"]["dibao"]["status"] in {"eligible", "ineligible"}


def test_the_bounds_follow_the_clock(precheck):
    # With the clock in 2026, 2028-01 and a birth on 2028-01-01 are refused (above and below);
    # a year on (2027-03-01 in Guangdong), next year is 2028 and both are accepted.
    later = datetime(2027, 3, 1, tzinfo=UTC)
    data = _situation(period="2028-01")
    data["members"][2]["birth_date"] = "2028-01-01"
    assert precheck(data)[0] == 2
    status, out, err = precheck(data, today=later)
    assert (status, err) == (0, "")
    assert json.loads(out)["household_size"] == 3


def test_file_name_too_long(precheck, tmp_path):
    status, out, err = precheck(None, path=tmp_path / ("a" * 300 + ".json"))
    assert (status, out, err) == (2, "", "error: --situation: file name too long\n")


def test_symlink_loop_is_its_own_line(precheck, tmp_path):
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    status, out, err = precheck(None, path=loop)
    assert (status, out) == (2, "")
    assert err == "error: --situation: too many levels of symbolic links\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
def test_permission_denied(precheck, tmp_path):
    path = tmp_path / "secret.json"
    path.write_text("{}", "utf-8")
    path.chmod(0)
    status, out, err = precheck(None, path=path)
    assert (status, out) == (2, "")
    assert err.startswith("error: --situation: permission denied to read ")


def test_a_50_mb_file_and_dev_zero_are_not_read_whole(precheck, tmp_path):
    big = tmp_path / "big.json"
    big.write_text('{"region": "' + "x" * 50_000_000 + '"}', "utf-8")
    expected = (2, "", "error: --situation: expected a file of at most 1000000 bytes\n")
    assert precheck(None, path=big) == expected
    assert precheck(None, path="/dev/zero") == expected


def test_directory(precheck, tmp_path):
    status, out, err = precheck(None, path=tmp_path)
    assert (status, out) == (2, "")
    assert err == "error: --situation: expected a UTF-8 JSON file (IsADirectoryError)\n"


IN_A_PROCESS = [
    (data, line)
    for data, line in REFUSED
    if line.endswith(("got Infinity", "got 1e400", "9" * 39 + "…", "got true", "got 2.5",
                      "got 200", "10 deep"))
]  # fmt: skip


@pytest.mark.parametrize(("data", "line"), IN_A_PROCESS)
def test_in_a_real_process_no_traceback(tmp_path, data, line):
    # The subprocess runs on the machine's clock: these cases do not depend on the date.
    path = tmp_path / "situation.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    done = subprocess.run(
        [*JIUZHU, "precheck", "--situation", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: {line}\n")


def test_policy_answers_take_the_same_months():
    with use_clock(FrozenClock(TODAY)):
        assert dibao_standard("440106", "urban", "2027-12")[0] > 0
        for period, problem in [
            ("2028-01", "expected a month from 2021-01 to 2027-12"),
            ("2020-12", "expected a month from 2021-01 to 2027-12"),
            ("２０２４-07", "expected a month as YYYY-MM"),
        ]:
            with pytest.raises(InvalidInput, match=f"^period: {problem}"):
                dibao_standard("440106", "urban", period)
        with pytest.raises(InvalidInput, match=r"^region: "):
            dibao_standard("440106\n", "urban", "2024-07")
