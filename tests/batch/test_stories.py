"""The batch's must-show stories (STORIES.md A and B), through ``jiuzhu review`` / ``monitor``.

Story B: the June review proposes exit for Ms B's family as a staff case with the
verification report, and ends no benefit itself. Story A: the monitor over the month of the
kindergarten enrolment gives Ms A's family a green warning and queues the outreach message
on her linked chat; the same seed gives the same digest.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.crypto import vault
from store.demo.fixtures import fixture_by_story
from store.demo.timeline import years_for
from store.models import (
    BatchRun,
    Benefit,
    Case,
    FamilyMember,
    Outbound,
    Person,
    UnemploymentRegistration,
)
from store.models import PrecheckResult as PrecheckRecord
from store.session import make_sync_engine
from tests.conftest import TEST_TODAY, migrated
from tests.store.test_demo_data import run_cli

JUNE = f"{2026 + years_for(TEST_TODAY)}-06"
"""Story A's enrolment month and story B's review month, as the demo data reads today."""


def _family_of(engine, story: str) -> int:
    applicant = fixture_by_story(story, TEST_TODAY).members[0].id_number
    with engine.connect() as conn:
        return conn.execute(
            select(FamilyMember.family_id).join(Person, Person.id == FamilyMember.person_id)
            .where(Person.id_number_hash == vault().lookup_hash("id_number", applicant))
        ).scalar_one()  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path: Path):
    settings = migrated(request.param, tmp_path)
    env = {"JIUZHU_DATABASE_URL": settings.sync_database_url.render_as_string(False),
           "JIUZHU_TODAY": TEST_TODAY.isoformat()}  # fmt: skip
    done = run_cli("demo-data", "--families", "150", "--as-of", TEST_TODAY.isoformat(),
                   data_dir=tmp_path, **env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    engine = make_sync_engine(settings)
    yield engine, (lambda *args: run_cli(*args, data_dir=tmp_path, **env))
    engine.dispose()


def test_story_b_review_proposes_exit_as_a_case_and_ends_nothing(demo) -> None:
    engine, cli = demo
    family = _family_of(engine, "B")
    with engine.connect() as conn:
        benefits_before = conn.execute(select(Benefit).order_by(Benefit.id)).all()
    done = cli("review", "--as-of", JUNE, "--seed", "11", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"as_of", "families", "outcomes", "cases"}
    assert set(out["outcomes"]) == {"continue", "amount_change", "gradual_exit",
                                    "exit_proposed", "home_visit"}  # fmt: skip
    mine = [c for c in out["cases"] if c["family_id"] == family]
    assert mine == [{"id": mine[0]["id"], "family_id": family, "kind": "periodic_review",
                     "region_code": "440781", "outcome": "exit_proposed"}]  # fmt: skip
    with engine.connect() as conn:
        case = conn.execute(select(Case).where(Case.id == mine[0]["id"])).one()
        assert case.status == "open" and case.precheck_id is not None
        report = conn.execute(
            select(PrecheckRecord.result).where(PrecheckRecord.id == case.precheck_id)
        ).scalar_one()
        assert conn.execute(select(Benefit).order_by(Benefit.id)).all() == benefits_before
        assert conn.scalar(select(func.count()).select_from(Benefit)
                           .where(Benefit.end_date.is_not(None))) == 0  # fmt: skip
    dibao = report["programs"]["dibao"]
    assert dibao["status"] == "ineligible"
    assert "too_many_residential_properties" in {r["code"] for r in dibao["reasons"]}
    # the same seed again: the same output (the open case is listed, not opened twice)
    again = cli("review", "--as-of", JUNE, "--seed", "11", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == out
    with engine.connect() as conn:
        digests = conn.execute(select(BatchRun.digest).where(BatchRun.job == "review")).scalars()
        assert len(set(digests)) == 1


def test_story_a_monitor_gives_a_green_warning_and_queues_outreach(demo) -> None:
    engine, cli = demo
    family = _family_of(engine, "A")
    done = cli("monitor", "--as-of", JUNE, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"as_of", "persons", "families", "colours", "warnings", "cases_opened",
                        "outreach_queued"}  # fmt: skip
    mine = [w for w in out["warnings"] if w["family_id"] == family]
    assert len(mine) == 1 and mine[0]["colour"] == "green"
    assert {"code": "kindergarten_entry", "department": "教育", "date": f"{JUNE}-01"} in [
        {k: i[k] for k in ("code", "department", "date")} for i in mine[0]["indicators"]
    ]
    assert out["outreach_queued"] >= 1
    chat = str(fixture_by_story("A").members[0].outreach_chat)
    with engine.connect() as conn:
        rows = conn.execute(select(Outbound).where(Outbound.channel == "telegram")).all()
    assert [r.address for r in rows] == [chat]
    assert "预审" in rows[0].text
    # deterministic: the same warnings again; the message is not queued twice
    again = json.loads(cli("monitor", "--as-of", JUNE, "--json").stdout)
    assert again["warnings"] == out["warnings"] and again["colours"] == out["colours"]
    assert again["outreach_queued"] == 0


def test_changed_since_re_evaluates_only_the_changed_family(demo) -> None:
    engine, cli = demo
    first = json.loads(cli("monitor", "--as-of", JUNE, "--json").stdout)
    family = _family_of(engine, "C")  # Mr C: unemployed since 2025, no warning this month
    assert family not in {w["family_id"] for w in first["warnings"]}
    person = fixture_by_story("C").members[0].id_number
    with engine.begin() as conn:
        pid = conn.execute(
            select(Person.id).where(
                Person.id_number_hash == vault().lookup_hash("id_number", person)
            )
        ).scalar_one()
        conn.execute(UnemploymentRegistration.__table__.insert().values(
            person_id=pid, registered_on=date.fromisoformat(f"{JUNE}-10")))  # fmt: skip
    done = cli("monitor", "--as-of", JUNE, "--changed-since", "last", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["families"] == 1
    assert [(w["family_id"], [i["code"] for i in w["indicators"]]) for w in out["warnings"]] == [
        (family, ["unemployment_low_income"])]  # fmt: skip
    assert out["warnings"][0]["colour"] == "orange"  # unemployment below the marginal line
    # nothing changed since: nothing to re-evaluate
    quiet = json.loads(cli("monitor", "--as-of", JUNE, "--changed-since", "last", "--json").stdout)
    assert quiet["families"] == 0 and quiet["warnings"] == []


def test_monitor_prints_its_tables_and_draws_the_chart(demo, tmp_path: Path) -> None:
    _, cli = demo
    for month, name in ((JUNE, "june.png"), ("2040-01", "empty.png")):  # no events in 2040
        png = tmp_path / name
        done = cli("monitor", "--as-of", month, "--chart", str(png))
        assert done.returncode == 0, done.stderr
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000
        # the summary by prefecture, and the fairness table by county, age band, disability
        titles = ("预警颜色（按地市）", "公平性：预警颜色按区县", "申请人年龄段", "是否有残疾成员")
        for title in titles:
            assert title in done.stdout, (month, title)
    done = cli("monitor", "--as-of", "2000-01")  # before the warning rules start
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --as-of: the monitor rules start in 2021-01, got 2000-01"
