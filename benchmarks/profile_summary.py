"""Summarise a py-spy profile (``--format raw``: collapsed stacks) by library and by function.

Run: ``.venv/bin/python -m benchmarks.profile_summary FILE [FILE ...] [--top 15]``
(``benchmarks.chat_load --profile DIR`` writes such files). Prints the share of samples
whose innermost frame is in each library (the database driver, SQLAlchemy, aiogram, the event
loop...), the inclusive share of a few functions of ours (the middlewares, the pre-check),
and the functions with the most samples of their own.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

LIBRARIES = (
    ("sqlite driver", ("sqlite3", "aiosqlite")),
    ("postgres driver", ("asyncpg", "psycopg")),
    ("SQLAlchemy", ("sqlalchemy",)),
    ("aiogram", ("aiogram",)),
    ("pydantic", ("pydantic",)),
    ("aiohttp", ("aiohttp", "multidict", "yarl")),
    ("OpenFisca", ("openfisca", "numpy")),
    ("redis", ("redis",)),
    ("cryptography", ("cryptography",)),
    ("event loop", ("asyncio", "selectors", "uvloop")),
    ("logging", ("logging",)),
    ("threading", ("threading", "concurrent")),
)
INCLUSIVE = (
    "TranscriptMiddleware", "DbSessionMiddleware", "ThrottlingMiddleware", "IdleMiddleware",
    "HandoffMiddleware", "L10nMiddleware", "run_precheck", "build_situation", "feed_update",
    "commit",
)  # fmt: skip
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


def _library(path: str) -> str:
    parts = re.split(r"[/\\]", path)
    for name, packages in LIBRARIES:
        if any(p in parts or any(x.startswith(p + ".") for x in parts[-1:]) for p in packages):
            return name
    if "site-packages" in parts:
        i = parts.index("site-packages")
        return parts[i + 1] if i + 1 < len(parts) else "other"
    if any(p in parts for p in ("bot", "store", "eligibility", "nlu", "staff", "templates")):
        return "jiuzhu"
    return "python"


def summarise(lines: list[str], top: int) -> str:
    """The report for collapsed-stack lines (``frame;frame;... count``)."""
    libraries: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += n
        leaf = _FRAME.match(frames[-1])
        libraries[_library(leaf["file"]) if leaf else "other"] += n
        own[frames[-1]] += n
        for name in INCLUSIVE:
            if any(f.startswith(name + " ") or f".{name} " in f for f in frames):
                inclusive[name] += n
    if not total:
        return "no samples"
    out = [f"{total} samples", "", "innermost frame by library:"]
    out += [f"  {share:5.1f} %  {name}" for name, share in _shares(libraries, total)]
    out += ["", "inclusive:"]
    out += [f"  {share:5.1f} %  {name}" for name, share in _shares(inclusive, total)]
    out += ["", f"top {top} functions (own samples):"]
    out += [f"  {share:5.1f} %  {name}" for name, share in _shares(own, total)[:top]]
    return "\n".join(out)


def _shares(counter: Counter[str], total: int) -> list[tuple[str, float]]:
    return [(k, 100 * v / total) for k, v in counter.most_common()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    lines = [line for f in args.files for line in f.read_text("utf-8").splitlines()]
    print(summarise(lines, args.top))


if __name__ == "__main__":
    main()
