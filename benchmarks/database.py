"""An empty, migrated database for a benchmark: a SQLite file or PostgreSQL ``<test db>_bench``.

PostgreSQL benchmarks use their own database so they never empty the tests' database: the one
of ``JIUZHU_TEST_POSTGRES_URL`` with ``_bench`` added (``test_bench`` by default), so engineers
sharing the server each keep their own.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from jiuzhu.settings import Settings
from store.crypto import configure_vault
from store.migrate import upgrade
from tests.conftest import POSTGRES_URL, TEST_SECRET, reset_postgres

BENCH_DATABASE = POSTGRES_URL.rsplit("/", 1)[1] + "_bench"


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
