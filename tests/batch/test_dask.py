"""``--workers 2``: the partitions run on a Dask ``LocalCluster`` of two processes, each
reading its own prefecture from PostgreSQL, and find exactly what one process finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.batch.test_stories import JUNE
from tests.conftest import TEST_TODAY, migrated
from tests.store.test_demo_data import run_cli


def _warnings(out: dict) -> list[tuple]:
    return sorted(
        (w["family_id"], w["colour"], tuple(sorted(i["code"] for i in w["indicators"])))
        for w in out["warnings"]
    )


@pytest.mark.postgres
def test_two_dask_workers_find_what_one_process_finds(tmp_path: Path) -> None:
    settings = migrated("postgres", tmp_path)
    env = {"JIUZHU_DATABASE_URL": settings.sync_database_url.render_as_string(False),
           "JIUZHU_TODAY": TEST_TODAY.isoformat()}  # fmt: skip

    def cli(*args: str) -> dict:
        done = run_cli(*args, "--json", data_dir=tmp_path, **env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    done = run_cli("demo-data", "--families", "300", "--as-of", TEST_TODAY.isoformat(),
                   data_dir=tmp_path, **env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    one = cli("monitor", "--as-of", JUNE)
    two = cli("monitor", "--as-of", JUNE, "--workers", "2")
    assert one["persons"] == two["persons"] > 0 and one["families"] == two["families"]
    assert one["colours"] == two["colours"] and sum(one["colours"].values()) > 0
    assert _warnings(one) == _warnings(two) != []
    # The review's county sample is seeded per county, so splitting by prefecture draws the
    # same families; the second run lists the cases the first opened instead of new ones.
    first = cli("review", "--as-of", JUNE, "--seed", "5", "--sample-rate", "0.2")
    second = cli("review", "--as-of", JUNE, "--seed", "5", "--sample-rate", "0.2",
                 "--workers", "2")  # fmt: skip
    assert first["families"] == second["families"] > 0
    assert first["outcomes"] == second["outcomes"]
    assert sorted(c["family_id"] for c in first["cases"]) == sorted(
        c["family_id"] for c in second["cases"]
    )
