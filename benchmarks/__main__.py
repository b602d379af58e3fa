"""Every benchmark once at a small size (``make bench``): a smoke run, not the figures.

Run: ``.venv/bin/python -m benchmarks [--only NAME ...]``. Each runs in its own process with
the arguments below and prints its own lines; the full sizes are each module's defaults (see
its docstring). Exits non-zero when one failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

SMALL: dict[str, list[str]] = {
    "demo_data": ["--families", "2000"],
    "precheck_speed": ["--families", "10000", "--repeat", "30"],
    "precheck_db": ["--repeat", "20"],
    "handoff": ["--cases", "2000", "--repeat", "200"],
    "workers": ["--repeat", "40"],
    "nlu_eval": ["--skip-rasa", "--repeat", "1"],
    "detectors_eval": [],
    "chat_load": ["--quick"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SMALL), default=list(SMALL))
    args = parser.parse_args()
    failed = []
    for name in args.only:
        print(f"== benchmarks.{name} {' '.join(SMALL[name])}", flush=True)
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *SMALL[name]])
        if done.returncode != 0:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
