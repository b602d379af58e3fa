"""The dialogue stays easy to change (issue 12): handlers call services, journeys go by name.

Read from the source with ``ast`` (every ``import`` at any depth, ``TYPE_CHECKING`` blocks
and function-level imports included), like tests/test_layers.py.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from aiogram import Router

from bot.journeys import SIGN_IN

ROUTERS = Path(__file__).resolve().parents[2] / "bot" / "routers"
MODULES = sorted(p for p in ROUTERS.glob("*.py") if p.name != "__init__.py")
FORBIDDEN = ("sqlalchemy", "store.models")
"""A router reads state, calls a service, replies: no query or model of its own."""


def _imported(source: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return found


def forbidden_imports(source: str) -> list[str]:
    """The imports of ``source`` that are ``sqlalchemy*`` or ``store.models*``."""
    return [
        name for name in _imported(source)
        if any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN)
    ]  # fmt: skip


def router_imports(source: str) -> list[str]:
    """The imports of ``source`` that reach another router module (``bot.routers.<x>``)."""
    return [n for n in _imported(source) if n.startswith("bot.routers") and n != "bot.routers"]


def function_level_imports(source: str) -> list[int]:
    """Line numbers of imports inside a function (a hidden dependency, often a cycle)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines += [
                n.lineno for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)
            ]
    return lines


PLANTED = """
from typing import TYPE_CHECKING
from sqlalchemy import select
import sqlalchemy.ext.asyncio
from store import models
if TYPE_CHECKING:
    from store.models import Person
async def handler():
    from store.models.cases import LIFE_EVENTS
    from bot.routers.signin import begin_sign_in
"""


def test_the_checkers_catch_planted_imports() -> None:
    # Five forbidden names: select's module, the asyncio submodule, store's models (as a
    # name imported from store), the TYPE_CHECKING model and the function-level one.
    assert forbidden_imports(PLANTED) == [
        "sqlalchemy", "sqlalchemy.select", "sqlalchemy.ext.asyncio", "store.models",
        "store.models", "store.models.Person", "store.models.cases",
        "store.models.cases.LIFE_EVENTS",
    ]  # fmt: skip
    assert router_imports(PLANTED) == ["bot.routers.signin", "bot.routers.signin.begin_sign_in"]
    assert function_level_imports(PLANTED) == [9, 10]
    assert forbidden_imports("from store.consent import valid_consent\nimport bot.routers") == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_a_router_imports_no_sqlalchemy_no_model_no_other_router(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert forbidden_imports(source) == []
    assert router_imports(source) == []
    assert function_level_imports(source) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_each_router_module_builds_a_new_router_per_call(path: Path) -> None:
    module = importlib.import_module(f"bot.routers.{path.stem}")
    assert not hasattr(module, "router")  # no module-level singleton to steal
    if path.stem in JOURNEY_ONLY:  # no handler of its own: the menu and free text start it
        assert not hasattr(module, "make_router")
        return
    first, second = module.make_router(), module.make_router()
    assert isinstance(first, Router) and first is not second
    assert first.name == second.name == path.stem


JOURNEY_ONLY = {"status"}
"""Router modules with a journey step and no handler (the menu and free text start them)."""


def test_the_journey_map_lists_every_journey_a_handler_starts() -> None:
    from bot.routers import journey_map

    journeys = journey_map()
    # Every turn.go("<name>") in a router names a journey on the map.
    started = {
        node.args[0].value
        for path in MODULES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr == "go" and node.args and isinstance(node.args[0], ast.Constant)
    }  # fmt: skip
    assert started and started <= set(journeys)
    assert SIGN_IN in journeys
    # Only the pre-check reads department data (the 一证一书 is asked for it alone).
    assert [n for n in journeys if journeys.needs_consent(n)] == ["precheck"]
    assert {n for n in journeys if journeys[n].needs_person} == {
        "benefits", "precheck", "status", "change", "revoke"
    }  # fmt: skip


def test_two_dispatchers_in_one_process_each_keep_their_routers() -> None:
    from bot.dispatcher import build_dispatcher

    first = build_dispatcher()
    names = [r.name for r in first.sub_routers[0].sub_routers]
    build_dispatcher()  # used to move the module-level routers under the new one
    assert [r.name for r in first.sub_routers[0].sub_routers] == names
    assert "identity" in names and "consent" in names and "signin" not in names
