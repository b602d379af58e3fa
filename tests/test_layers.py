"""The arrows point one way: channels → handlers → services → store (docs/ARCHITECTURE.md).

Read from the source (every ``import`` and ``from ... import``, at any depth), so a lazy
import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "staff": {"bot"},
    "batch": {"bot"},
    "eligibility": {"bot", "staff"},
    "store": {"bot", "staff", "eligibility", "nlu", "sms"},
    "sms": {"bot", "staff", "eligibility", "nlu"},
    "nlu": {"bot", "staff", "eligibility", "store"},
    "templates": {"bot", "staff", "eligibility", "store", "nlu"},
}
"""Package → the packages it must never import."""


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_services_never_import_the_layers_above(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & FORBIDDEN[package]
    }
    assert wrong == {}
