"""Dated YAML parameters of the batch (``batch/parameters/*.yaml``).

Each file has ``values``: a start date → the figures in force from that day. Sources are
marked in the files ([V] verified, [3P] third party, [A] assumed).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent / "parameters"


@cache
def _load(name: str) -> dict[date, dict[str, Any]]:
    raw = yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))
    return {date.fromisoformat(str(k)): v for k, v in raw["values"].items()}


def first_month(name: str) -> str:
    """The first ``"YYYY-MM"`` that ``name``'s figures cover (its earliest start)."""
    return f"{min(_load(name)):%Y-%m}"


def in_force(name: str, month: str) -> dict[str, Any]:
    """The figures of ``name`` (``review``, ``warnings``) in force on the 1st of ``month``.

    :param month: ``"YYYY-MM"``.
    :raises LookupError: when no entry starts on or before that day.
    """
    day = date.fromisoformat(f"{month}-01")
    starts = [start for start in _load(name) if start <= day]
    if not starts:
        msg = f"no {name} parameters in force on {day}"
        raise LookupError(msg)
    return _load(name)[max(starts)]
