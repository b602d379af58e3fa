"""``jiuzhu demo-data``: deterministic, realistic, the four story families, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.demo.digest import content_digest
from store.demo.fixtures import fixtures_as_of
from store.models import Benefit, Family, Person
from store.pii import parse_id_number
from store.session import make_sync_engine
from tests.conftest import TEST_SECRET, TEST_TODAY, migrated

JIUZHU = [sys.executable, "-m", "jiuzhu"]


def run_cli(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = (
        os.environ | {"JIUZHU_DATA_DIR": str(data_dir), "JIUZHU_SECRET_KEY": TEST_SECRET} | env
    )
    return subprocess.run(
        [*JIUZHU, *args], capture_output=True, text=True, env=environ, timeout=300
    )


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_same_seed_and_day_give_identical_content(backend: str, tmp_path: Path) -> None:
    digests = []
    runs = {"a": ("7", TEST_TODAY), "b": ("7", TEST_TODAY), "other-seed": ("8", TEST_TODAY),
            "other-day": ("7", TEST_TODAY.replace(year=TEST_TODAY.year + 5, day=1))}  # fmt: skip
    for run, (seed, day) in runs.items():
        settings = migrated(backend, tmp_path / run)
        env = {"JIUZHU_DATABASE_URL": settings.sync_database_url.render_as_string(False)}
        done = run_cli("demo-data", "--families", "300", "--seed", seed,
                       "--as-of", day.isoformat(), data_dir=tmp_path / run, **env)  # fmt: skip
        assert done.returncode == 0, done.stderr
        digests.append(run_cli("db", "digest", data_dir=tmp_path / run, **env).stdout.strip())
    assert len(digests[0]) == 64
    assert digests[0] == digests[1]
    assert digests[2] != digests[0] and digests[3] != digests[0]


def test_content_is_realistic_and_holds_the_stories(tmp_path: Path) -> None:
    settings = migrated("sqlite", tmp_path)
    engine = make_sync_engine(settings)
    from store.demo.generator import generate

    with engine.connect() as conn:
        stats = generate(conn, families=3000, seed=7)
        regions = conn.scalars(select(Family.region_code)).all()
        areas = conn.scalars(select(Family.area)).all()
        people = conn.execute(select(Person.id_number, Person.phone)).all()
        recipients = conn.scalar(select(func.count(func.distinct(Benefit.family_id))))
        assert len(content_digest(conn, ["family"])) == 64
    assert stats.families == 3004 and stats.persons == len(people)
    assert {r[:4] for r in regions} >= {p for p in ("4401", "4403", "4453", "4418", "4402")}
    assert len({r[:4] for r in regions}) == 21  # all prefectures
    assert 0.5 < areas.count("urban") / len(areas) < 0.9
    assert all(parse_id_number(n).value == n for n, _ in people)  # valid check characters
    assert len({n for n, _ in people}) == len(people)  # unique
    assert sum(p is not None for _, p in people) > 0.6 * len(people)  # phones on file
    assert recipients > 50  # happiness lists are not empty
    story_ids = {m.id_number for f in fixtures_as_of() for m in f.members}
    assert story_ids <= {n for n, _ in people}


@pytest.mark.parametrize("day", [TEST_TODAY, date(2031, 6, 1)])
def test_list_fixtures_prints_every_story_identity(tmp_path: Path, day: date) -> None:
    done = run_cli("demo-data", "--list-fixtures", "--as-of", day.isoformat(), data_dir=tmp_path)
    assert done.returncode == 0
    for family in fixtures_as_of(day):
        assert f"story {family.story}" in done.stdout
        assert all(m.id_number in done.stdout for m in family.members)


@pytest.mark.parametrize(
    ("args", "env", "code", "fragment"),
    [
        (["demo-data", "--families", "-3"], {}, 2, "--families must be 0 or more"),
        (["demo-data", "--families", "x"], {}, 2, "--families"),
        (["demo-data", "--as-of", "2031-13-01"], {}, 2, "--as-of must be a date YYYY-MM-DD"),
        (["db", "upgrade"], {"JIUZHU_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, 1,
         "cannot use the database"),
        (["db", "upgrade"], {"JIUZHU_DATABASE_URL": "mysql://x/y"}, 1, "unsupported database"),
        (["db", "upgrade"], {"JIUZHU_DATABASE_URL": "not a url"}, 1, "not a database URL"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line_never_a_traceback(
    tmp_path: Path, args: list[str], env: dict[str, str], code: int, fragment: str
) -> None:
    done = run_cli(*args, data_dir=tmp_path, **env)
    assert done.returncode == code
    assert fragment in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_demo_data_refuses_a_database_that_has_families(tmp_path: Path) -> None:
    assert run_cli("demo-data", "--families", "5", data_dir=tmp_path).returncode == 0
    again = run_cli("demo-data", "--families", "5", data_dir=tmp_path)
    assert again.returncode == 2 and "empty database" in again.stderr
    skipped = run_cli("demo-data", "--if-empty", data_dir=tmp_path)
    assert skipped.returncode == 0 and "nothing to do" in skipped.stdout
