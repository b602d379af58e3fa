"""Demo-data generation speed and peak memory on SQLite and PostgreSQL.

    python -m benchmarks.demo_data --families 1500000 --backend sqlite
    python -m benchmarks.demo_data --families 1500000 --backend postgres

Prints families/s, rows/s, the peak RSS of the process and of its largest worker. The
PostgreSQL run creates (and empties) the ``<test db>_bench`` database on 127.0.0.1:5432,
leaving the tests' database alone.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from benchmarks.database import bench_settings
from store.demo.generator import generate
from store.session import make_sync_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(args.backend, Path(tmp))
        engine = make_sync_engine(settings)
        started = time.perf_counter()
        with engine.connect() as conn:
            stats = generate(conn, families=args.families, seed=7, chunk_size=20_000)
        seconds = time.perf_counter() - started
        size = Path(tmp, "bench.db").stat().st_size if args.backend == "sqlite" else None
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"backend={args.backend} families={stats.families} persons={stats.persons} "
        f"rows={stats.rows} seconds={seconds:.1f} families_per_s={stats.families / seconds:,.0f} "
        f"rows_per_s={stats.rows / seconds:,.0f} peak_rss_mib={peak_mib:.0f} "
        f"worker_peak_rss_mib={worker_mib:.0f}"
        + (f" sqlite_file_mib={size / 2**20:.0f}" if size else "")
    )


if __name__ == "__main__":
    main()
