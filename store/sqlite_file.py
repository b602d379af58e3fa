"""The embedded SQLite file is the database: never recreated empty, never swapped unseen.

SQLite creates a missing file on connect, and a connection opened before the file was
deleted keeps writing into the deleted inode, so a deleted or replaced file turns into lost
sign-ins and "no such table" for everyone. The runtime engine therefore opens the file with
``mode=rw`` (missing: an error, not a new empty database; only ``jiuzhu db upgrade`` creates
it) and :class:`FileIdentity` checks on every connect and checkout that the path still names
the file the process started with.

SQLite maps ``<db>-shm`` into memory; if that file cannot be written (a read-only mount,
another owner, an immutable flag) writes fail as "readonly database" and, when the mapping
cannot be backed, reads can end in SIGBUS, which Python cannot turn into an error.
:func:`problems` detects it (with the file, ``-wal`` and the directory), and the same check
runs on every connect and checkout: the connection is refused with a log line, and
``/readyz`` names the file. Limitation: a file made unwritable while a statement is running
on an already mapped ``-shm`` is not caught before that statement.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError

log = logging.getLogger(__name__)


class DatabaseFileGone(SQLAlchemyError):
    """The SQLite file is missing or is not the one this process opened."""


class DatabaseFileUnwritable(DatabaseFileGone):
    """The SQLite file, its ``-wal``/``-shm`` or its directory cannot be written; refused alike."""


def read_write_url(url: URL) -> URL:
    """``url`` opened with ``mode=rw``: SQLite refuses a missing file instead of creating it."""
    query = {**url.query, "mode": "rw", "uri": "true"}
    return url.set(database=f"file:{url.database}", query=query)


def problems(path: Path) -> list[str]:
    """What keeps the SQLite file at ``path`` from being used safely (empty: nothing).

    Checks the file exists and that it, its directory, ``-wal`` and ``-shm`` are writable.
    """
    if not path.exists():
        return [f"{path} does not exist (jiuzhu db upgrade creates it)"]
    found = []
    for candidate in (path, path.parent, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists() and not os.access(candidate, os.W_OK):
            found.append(f"{candidate} is not writable")
    return found


@dataclass(frozen=True)
class FileIdentity:
    """The device and inode of the SQLite file when the engine was made."""

    path: Path
    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity:
        """The identity of the file at ``path`` now.

        :raises DatabaseFileGone: when there is no file.
        """
        try:
            stat = path.stat()
        except FileNotFoundError as e:
            raise DatabaseFileGone(f"{path} does not exist (jiuzhu db upgrade creates it)") from e
        return cls(path, stat.st_dev, stat.st_ino)

    def check(self) -> None:
        """:raises DatabaseFileGone: the path is missing or names another file.
        :raises DatabaseFileUnwritable: what :func:`problems` finds (an unwritable ``-shm``...).
        """
        try:
            now = FileIdentity.of(self.path)
        except DatabaseFileGone:
            log.error("the SQLite database file is gone; refusing to use it")
            raise
        if (now.device, now.inode) != (self.device, self.inode):
            log.error("the SQLite database file was replaced; refusing to use it")
            msg = f"{self.path} was replaced since this process opened it"
            raise DatabaseFileGone(msg)
        if found := problems(self.path):  # a few stat calls: cheap next to a transaction
            log.error("the SQLite database cannot be written; refusing it: %s", "; ".join(found))
            raise DatabaseFileUnwritable("; ".join(found))

    def guard(self, engine: Engine) -> None:
        """Check on every new connection and every checkout of a pooled one."""

        def on_connect(*_: object) -> None:
            self.check()

        def on_checkout(*_: object) -> None:
            try:
                self.check()
            except DatabaseFileGone as e:
                raise DisconnectionError(str(e)) from e  # drop it; the reconnect fails clearly

        event.listen(engine, "connect", on_connect)
        event.listen(engine, "checkout", on_checkout)
