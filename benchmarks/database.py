"""An empty, migrated database for a benchmark: a SQLite file or PostgreSQL ``jiuzhu_bench``.

PostgreSQL benchmarks use their own database so they never empty the tests' ``test``:
``jiuzhu_bench``, or the one named by ``JIUZHU_BENCH_DATABASE`` (one per engineer on a shared
server).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from jiuzhu.settings import Settings
from store.crypto import configure_vault
from store.migrate import upgrade
from tests.conftest import POSTGRES_URL, TEST_SECRET, reset_postgres

BENCH_DATABASE = os.environ.get("JIUZHU_BENCH_DATABASE", "jiuzhu_bench")


def bench_settings(backend: str, directory: Path) -> Settings:
    """Settings for a fresh database of ``backend`` (``sqlite`` or ``postgres``), migrated."""
    configure_vault(TEST_SECRET.encode())
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'bench.db'}"
    else:
        url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
        createdb = ["createdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DATABASE]
        subprocess.run(createdb, check=False, capture_output=True)
        reset_postgres(url)
    settings = Settings(database_url=url, data_dir=directory, secret_key=TEST_SECRET)
    upgrade(settings)
    return settings
