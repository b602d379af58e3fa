"""Marks a turn that did nothing and asked the resident to send the same message again.

A throttled message, or one whose writes the database refused, is answered "send it
again"; the gateway must then not keep that answer as the reply to the message's id, or
the retry it asked for would get the same answer instead of being handled. The mark is a
context variable of the task handling the update (aiogram awaits middlewares and handlers
in the caller's task).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ASKED: ContextVar[list[bool] | None] = ContextVar("jiuzhu_redo_asked", default=None)


def ask_again() -> None:
    """Mark the turn being handled as "nothing done, send it again" (no-op outside one)."""
    asked = _ASKED.get()
    if asked is not None:
        asked.append(True)


@contextmanager
def watching() -> Iterator[Callable[[], bool]]:
    """Within the block, :func:`ask_again` marks this turn; the yielded function says if it did."""
    asked: list[bool] = []
    token = _ASKED.set(asked)
    try:
        yield lambda: bool(asked)
    finally:
        _ASKED.reset(token)
