"""Records of several kinds in one query: each table's rows as JSON under one UNION ALL.

The record tables have different columns, so each row travels as a JSON object of its
columns (SQLite ``json_object``, PostgreSQL ``json_build_object``) and is typed back here
from the table's column types: one round trip instead of one per kind.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import CompoundSelect, String, Table, bindparam, literal_column, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class row_json(FunctionElement[str]):
    """``row_json(name1, value1, name2, value2...)``: a JSON object as text."""

    type = String()
    inherit_cache = True


@compiles(row_json, "sqlite")
def _sqlite(element: row_json, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(row_json, "postgresql")
def _postgresql(element: row_json, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})::text"


@cache
def records_query(tables: tuple[Table, ...]) -> CompoundSelect[Any]:
    """Rows ``(kind, person_id, id, payload)`` of every table for the persons of the
    expanding parameter ``person_ids``, ordered by kind (the index in ``tables``) then id;
    ``payload`` is the row as JSON (:class:`RowParser`). Built once per tuple of tables."""
    person_ids = bindparam("person_ids", expanding=True)
    parts = [
        select(
            literal_column(str(n)).label("kind"),
            table.c.person_id,
            table.c.id,
            row_json(*[x for c in table.c for x in (literal_column(f"'{c.name}'"), c)]).label(
                "payload"
            ),
        ).where(table.c.person_id.in_(person_ids))
        for n, table in enumerate(tables)
    ]
    return union_all(*parts).order_by(literal_column("kind"), literal_column("id"))


def _from_json(python_type: type) -> Callable[[Any], Any]:
    if python_type is date:
        return date.fromisoformat
    if python_type is Decimal:
        return lambda v: Decimal(str(v))
    return python_type  # bool (SQLite says 0/1), int, str


class RowParser:
    """Turns a table's JSON payloads back into rows with its columns as attributes, typed as
    the table's columns are (``Decimal`` for Numeric, ``date`` for Date, ``bool``...)."""

    def __init__(self, table: Table) -> None:
        self._tuple = namedtuple(f"{table.name}_row", [c.name for c in table.c])  # type: ignore[misc]
        self._convert = [(c.name, _from_json(c.type.python_type)) for c in table.c]

    def __call__(self, payload: str) -> Any:
        """The row of one JSON payload."""
        values = json.loads(payload, parse_float=Decimal)
        return self._tuple(
            *[None if values[name] is None else conv(values[name]) for name, conv in self._convert]
        )
