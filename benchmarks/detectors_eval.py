"""The word-list detectors that run before the intent, on a set written without reading them.

``nlu.emergency.emergency_kind`` (fire, flood, accident, illness, death, robbed or none) and
``nlu.lexicons.deletion_request`` (a request to delete one's data, PIPL art. 47) are checked
on ``benchmarks/data/offpath_detectors_unseen.yml``: accuracy, and every miss listed.

Run: ``.venv/bin/python -m benchmarks.detectors_eval [--data FILE]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from nlu.emergency import emergency_kind
from nlu.lexicons import deletion_request

DATA = Path(__file__).parent / "data" / "offpath_detectors_unseen.yml"


def evaluate(data: dict) -> dict[str, tuple[int, list[tuple[str, object, object]]]]:
    """``{"emergency" | "deletion": (cases, [(text, expected, got), ...misses])}``."""
    emergencies = [
        (c["text"], c["kind"], emergency_kind(c["text"]) or "none") for c in data["emergency"]
    ]
    pattern = deletion_request()
    deletions = [
        (c["text"], bool(c["deletion"]), bool(pattern.search(c["text"])))
        for c in data["deletion"]
    ]
    return {
        name: (len(rows), [r for r in rows if r[1] != r[2]])
        for name, rows in (("emergency", emergencies), ("deletion", deletions))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    results = evaluate(yaml.safe_load(args.data.read_text("utf-8")))
    for name, (cases, misses) in results.items():
        print(f"{name}: {cases - len(misses)}/{cases} = {(cases - len(misses)) / cases:.3f}")
        for text, expected, got in misses:
            print(f"  expected {expected}, got {got}: {text}")


if __name__ == "__main__":
    main()
