"""The monitor evaluates a partition in chunks of families; chunking changes nothing.

Also the [A] weights' reading of school entry: a child starting school is a green nudge on
its own, and yellow (the staff task list) only when the family's income is below the
marginal line.
"""

from __future__ import annotations

import pytest

from batch import jobs
from store.demo.generator import generate
from store.demo.timeline import years_for
from store.session import make_sync_engine
from tests.conftest import TEST_TODAY

SEPTEMBER = f"{2026 + years_for(TEST_TODAY)}-09"
"""School starts: the demo data's enrolments begin this month."""


@pytest.fixture
def url(db_settings) -> str:
    engine = make_sync_engine(db_settings)
    with engine.connect() as conn:
        generate(conn, families=400, seed=11)
    engine.dispose()
    return db_settings.sync_database_url.render_as_string(hide_password=False)


def test_chunks_of_families_find_what_one_evaluation_finds(url, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "CHUNK", 10**9)
    whole = jobs.monitor_partition(url, "", SEPTEMBER, None)
    monkeypatch.setattr(jobs, "CHUNK", 37)  # 11 chunks, the last one short
    chunked = jobs.monitor_partition(url, "", SEPTEMBER, None)
    n = whole["families"]  # 400 drawn, and the stories' fixtures
    assert n == chunked["families"] > 400
    assert whole["persons"] == chunked["persons"] > 400
    assert whole["warnings"] and sum(whole["colours"].values()) == len(whole["warnings"])
    key = lambda w: w["family_id"]  # noqa: E731 — chunks list their own warnings in order
    assert sorted(whole["warnings"], key=key) == sorted(chunked["warnings"], key=key)
    for field in ("colours", "by_prefecture", "fairness"):
        assert whole[field] == chunked[field], field
    assert sorted(whole["green"]) == sorted(chunked["green"])
    assert sorted(map(key, whole["tasks"])) == sorted(map(key, chunked["tasks"]))
    assert sorted(map(key, whole["wishes"])) == sorted(map(key, chunked["wishes"]))
    # every family is in the tables once: its colour, or none
    counties = sum(n for (dim, _, _), n in whole["fairness"].items() if dim == "county")
    assert counties == sum(whole["by_prefecture"].values()) == n
    unwarned = sum(n for (_, c), n in whole["by_prefecture"].items() if c == "none")
    assert unwarned == n - len(whole["warnings"])


def test_school_entry_alone_is_a_nudge_and_with_low_income_a_task(url) -> None:
    out = jobs.monitor_partition(url, "", SEPTEMBER, None)
    codes = {w["family_id"]: [i["code"] for i in w["indicators"]] for w in out["warnings"]}
    alone = [w for w in out["warnings"] if codes[w["family_id"]] == ["school_entry"]]
    poor = [w for w in out["warnings"] if codes[w["family_id"]] == ["school_entry_low_income"]]
    assert alone and all(w["colour"] == "green" for w in alone)
    assert poor and all(w["colour"] == "yellow" for w in poor)
    assert {w["family_id"] for w in poor} <= {t["family_id"] for t in out["tasks"]}
    assert not {w["family_id"] for w in alone} & {t["family_id"] for t in out["tasks"]}
