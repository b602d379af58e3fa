"""aiosqlite for the dialogue's engine: fewer hand-overs to aiosqlite's thread per statement.

aiosqlite runs every call of the ``sqlite3`` connection in a thread of its own, and
SQLAlchemy's adapter makes four such calls per statement (open a cursor, execute, fetch
all, close), each a hand-over between the event loop and that thread and back (a queue, a
wake-up of the loop, the GIL passed twice). Here:

- a statement is one call (:func:`_run`: cursor, execute, all rows, close);
- a statement inside a transaction that holds the write lock of a WAL file runs on the
  event loop itself, no thread at all. Only taking the lock can wait (``BEGIN IMMEDIATE``,
  up to the busy timeout, while a batch job or the other connection writes), and that stays
  in the thread; once it is held, in WAL mode no read or write of the transaction waits for
  another connection (readers never block the writer), so nothing blocks the loop but the
  statement's own work. ``COMMIT`` and ``ROLLBACK`` stay in the thread too. Not in WAL mode
  (a journal that could not switch), every statement keeps the thread.

So a turn's statements cost about a hop per transaction instead of four per statement.
Everything else is SQLAlchemy's aiosqlite adapter: the same connection, mutex, errors and
server-side cursors (``stream()``, which keep the thread). The connection is opened with
``check_same_thread=False``; the two threads never use it at once (each call is awaited).

It reaches into the same internals of aiosqlite (``Connection._execute``, ``_conn``) that
SQLAlchemy's adapter already uses; :func:`one_hop_dbapi` returns ``None`` when they are
not there (another aiosqlite or SQLAlchemy), and the engine then uses the stock adapter.
"""

from __future__ import annotations

import collections
import re
import sqlite3
from typing import Any

try:
    import aiosqlite
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
        AsyncAdapt_aiosqlite_dbapi,
    )
    from sqlalchemy.util.concurrency import await_
except ImportError:  # pragma: no cover - SQLAlchemy 2.0 names these differently
    AsyncAdapt_aiosqlite_dbapi = None


def _run(
    conn: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> tuple[Any, list[Any], int, int | None]:
    """In aiosqlite's thread: the statement and all its rows, on a cursor of its own."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


_TAKES_LOCK = re.compile(r"\s*BEGIN\s+(IMMEDIATE|EXCLUSIVE)\b", re.IGNORECASE)


def _journal_mode(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()


if AsyncAdapt_aiosqlite_dbapi is not None:

    class _Cursor(AsyncAdapt_aiosqlite_cursor):
        """A buffered cursor whose ``execute`` is one call in aiosqlite's thread."""

        __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

        def __init__(self, adapt_connection: Any) -> None:  # no cursor opened in advance
            self._adapt_connection = adapt_connection
            self._connection = adapt_connection._connection
            self._cursor = None
            self._rows = collections.deque()
            self._description: Any = None
            self._rowcount = -1
            self._lastrowid: int | None = None
            self._arraysize = 1

        @property
        def description(self) -> Any:
            return self._description

        @property
        def rowcount(self) -> int:
            return self._rowcount

        @property
        def lastrowid(self) -> Any:
            return self._lastrowid

        @property
        def arraysize(self) -> int:
            return self._arraysize

        @arraysize.setter
        def arraysize(self, value: int) -> None:
            self._arraysize = value

        async def _async_soft_close(self) -> None:
            return  # nothing open in the thread: the rows are here already

        def close(self) -> None:
            self._rows.clear()

        def setinputsizes(self, *inputsizes: Any) -> None:
            return  # sqlite3 ignores them too

        def execute(self, operation: Any, parameters: Any = None) -> Any:
            try:
                return await_(self._execute_async(operation, parameters))
            except Exception as error:
                self._adapt_connection._handle_exception(error)

        def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
            try:
                return await_(self._execute_async(operation, seq_of_parameters, many=True))
            except Exception as error:
                self._adapt_connection._handle_exception(error)

        async def _execute_async(  # type: ignore[override]
            self, operation: Any, parameters: Any, many: bool = False
        ) -> None:
            connection = self._connection
            adapted = self._adapt_connection
            async with adapted._execute_mutex:
                raw = connection._conn
                if not raw.in_transaction:
                    adapted.locked = False
                if adapted.locked:
                    answer = _run(raw, operation, parameters, many)  # no lock to wait for
                else:
                    answer = await connection._execute(_run, raw, operation, parameters, many)
                    if _TAKES_LOCK.match(operation) and raw.in_transaction:
                        adapted.locked = await adapted.wal()
            self._description, rows, self._rowcount, self._lastrowid = answer
            self._rows = collections.deque(rows)

    class _Connection(AsyncAdapt_aiosqlite_connection):
        __slots__ = ("_wal", "locked")
        _cursor_cls = _Cursor

        def __init__(self, dbapi: Any, connection: Any) -> None:
            super().__init__(dbapi, connection)
            self._wal: bool | None = None
            self.locked = False
            """In a transaction that holds the write lock of a WAL file (see the module)."""

        def commit(self) -> None:
            self.locked = False
            super().commit()

        def rollback(self) -> None:
            self.locked = False
            super().rollback()

        async def wal(self) -> bool:
            """The file is in WAL mode (asked once, in aiosqlite's thread)."""
            if self._wal is None:
                mode = await self._connection._execute(_journal_mode, self._connection._conn)
                self._wal = mode == "wal"
            return self._wal

    class _Dbapi(AsyncAdapt_aiosqlite_dbapi):
        def connect(self, *arg: Any, **kw: Any) -> _Connection:
            kw["check_same_thread"] = False  # statements in a transaction run on the loop
            stock = super().connect(*arg, **kw)
            return _Connection(self, stock._connection)


def one_hop_dbapi() -> Any:
    """The DBAPI module to pass as ``create_async_engine(..., module=)``; ``None``: stock."""
    if AsyncAdapt_aiosqlite_dbapi is None or not hasattr(aiosqlite.Connection, "_execute"):
        return None
    return _Dbapi(aiosqlite, sqlite3)
