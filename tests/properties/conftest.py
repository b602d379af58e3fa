"""Property-based tests (hypothesis): profiles, and one dialogue per module in a loop we own.

Profiles, chosen with ``HYPOTHESIS_PROFILE`` (default ``ci``):

- ``ci``: few examples, derandomized (the same examples on every run), no deadline, no
  example database, so CI stays within about a minute and never flakes on timing;
- ``dev``: random examples, a few times more of them;
- ``long``: a hundred times the ``ci`` examples (thousands per test), for a run by hand:
  ``HYPOTHESIS_PROFILE=long .venv/bin/pytest -q -s tests/properties`` (``-s`` prints what
  the examples reached; ``--hypothesis-seed=N`` replays a run's random choices).

Each test asks for its examples as ``examples(n)``: ``n`` in ``ci``, scaled in the others.

Hypothesis and pytest-asyncio's function fixtures do not mix (a fixture is not reset between
examples), so the tests here are plain functions: :class:`Harness` builds the dialogue over
a demo SQLite database once per module, in an event loop it owns, and every example runs its
coroutines in that loop with :meth:`Harness.run`. While a coroutine runs, every log record at
every level goes to :class:`LogTap` alone (not to pytest's capture, which would keep
millions of DEBUG records over a long run); the tap keeps records that give away a story
member's name, ID number or phone, and the last errors for diagnosis.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections import Counter, deque
from collections.abc import Coroutine, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import TelegramMethod
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, settings
from sqlalchemy import event, func, select

from bot.app import AppContext, create_app_context
from bot.channels.gateway import Gateway, chat_id_of
from bot.channels.rest import build_rest_app
from bot.middlewares.db import CommitBeforeShowing, install_once
from jiuzhu.settings import Settings
from nlu import LocalNlu, NluEngine, get_engine
from store.demo.fixtures import FIXTURES, fixtures_as_of
from store.models import RECORD_MODELS, AuditLog, Consent
from tests.conftest import TEST_SECRET
from tests.journeys.conftest import dialogue

T = TypeVar("T")

# --- profiles ------------------------------------------------------------------------------

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,  # no .hypothesis/ in the working tree; failures print a reproduce blob
    "print_blob": True,
    # A function-scoped fixture here (throttled_port) is meant to outlive the examples.
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
}
SCALE = {"ci": 1, "dev": 4, "long": 100}
settings.register_profile("ci", derandomize=True, **_COMMON)
settings.register_profile("dev", **_COMMON)
settings.register_profile("long", **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in SCALE:
    msg = f"HYPOTHESIS_PROFILE must be one of {sorted(SCALE)}, not {PROFILE!r}"
    raise pytest.UsageError(msg)
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """``n`` examples in the ``ci`` profile, more in ``dev`` and ``long``."""
    return n * SCALE[PROFILE]


# --- what must never be logged ---------------------------------------------------------------


def personal_bits() -> dict[str, str]:
    """Every story member's name, ID number (both cases of X) and phone → what it is
    (as written, and moved to the test clock's date, :func:`fixtures_as_of`)."""
    bits: dict[str, str] = {}
    for family in (*FIXTURES, *fixtures_as_of()):
        for i, m in enumerate(family.members):
            who = f"story {family.story} member {i}"
            bits[m.name] = f"{who} name"
            bits[m.id_number] = bits[m.id_number.lower()] = f"{who} ID number"
            if m.phone:
                bits[m.phone] = f"{who} phone"
    return bits


PERSONAL = personal_bits()
_PERSONAL_RE = re.compile("|".join(re.escape(b) for b in sorted(PERSONAL, key=len, reverse=True)))
_FORMAT = logging.Formatter("%(levelname)s %(name)s: %(message)s")


_LOGGED: dict[str, type[Exception]] = {}


@dataclass
class Leak:
    logger: str
    level: str
    what: list[str]
    excerpt: str


class LogTap(logging.Handler):
    """Sees every record; keeps those that hold personal data, and the last errors."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[Leak] = []
        self.errors: deque[tuple[int, str, str]] = deque(maxlen=50)  # (number, type, text)
        self.error_count = 0
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        try:
            text = _FORMAT.format(record)
        except Exception as e:  # a record that cannot be formatted is a finding too
            text = f"unformattable record {record.msg!r}: {type(e).__name__}"
        if record.exc_info or record.levelno >= logging.ERROR:
            self.error_count += 1
            kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
            self.errors.append((self.error_count, kind or record.name, text[-3000:]))
        found = sorted({PERSONAL[m.group(0)] for m in _PERSONAL_RE.finditer(text)})
        if found:
            match = _PERSONAL_RE.search(text)
            start = max(0, match.start() - 150) if match else 0
            self.leaks.append(
                Leak(record.name, record.levelname, found, text[start : start + 300])
            )

    def since(self, count: int) -> list[tuple[int, str, str]]:
        """The errors logged after the first ``count``."""
        return [e for e in self.errors if e[0] > count]

    def failure(self, count: int) -> Exception | None:
        """The first error logged after ``count``, as an exception to raise an assertion
        from: its type is named after the logged exception's, so that hypothesis (which
        tells failures apart by the exceptions raised) reports each cause on its own."""
        errors = self.since(count)
        if not errors:
            return None
        _, kind, text = errors[0]
        cls = _LOGGED.setdefault(kind, type(f"Logged_{kind}", (Exception,), {}))
        return cls(text)

    @contextmanager
    def tapping(self) -> Iterator[None]:
        """Route every record (DEBUG and up) to this tap alone while the block runs."""
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        root.handlers = [self]
        root.setLevel(logging.DEBUG)
        try:
            yield
        finally:
            root.handlers = handlers
            root.setLevel(level)


# --- the dialogue, once per module -----------------------------------------------------------

TOKEN = "properties-secret-token"
TRACEBACK = re.compile(r"Traceback \(most recent call last\):(?:\s|\\n)+File ")
"""A Python traceback's first frame, also as JSON text (the heading alone may be what a
resident typed, and a reply's ``recipient_id`` is the sender's own text)."""
PRECHECK_TITLE = "救助资格预审结果"
RECORD_TABLES = sorted(m.__tablename__ for m in RECORD_MODELS.values())
_RECORD_SELECT = re.compile(
    r"^\s*SELECT\b.*?\bFROM\s+(" + "|".join(RECORD_TABLES) + r")\b", re.S | re.I
)


@dataclass
class Shown:
    """A pre-check result as it went out: the family, and members with no committed audit."""

    chat_id: int
    family_id: int | None
    unaudited: list[int]


class ObserveShowing(BaseRequestMiddleware):
    """After the commit-before-showing middleware: when a pre-check result goes out, look
    with a connection of its own for the audit rows of its family's reads (they must be
    committed by then)."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Any, method: TelegramMethod[Any]
    ) -> Any:
        text = getattr(method, "text", None) or ""
        if PRECHECK_TITLE in text:
            await self.harness.observe_precheck(int(getattr(method, "chat_id", 0) or 0))
        return await make_request(bot, method)


@dataclass(repr=False)
class Harness:
    """The dialogue, its REST app on loopback (open, and behind a token), and probes."""

    loop: asyncio.AbstractEventLoop
    app: AppContext
    gateway: Gateway
    open_port: int
    token_port: int
    logs: LogTap
    servers: list[TestServer] = field(default_factory=list)
    record_selects: int = 0
    audit_mark: int = 0  # the audit row id when the current step began
    shown: list[Shown] = field(default_factory=list)
    senders: int = 0
    stats: Counter[str] = field(default_factory=Counter)  # what the examples reached
    _snapshot: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"Harness(ports {self.open_port}, {self.token_port})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))  # hypothesis prints a failing example's fixtures too: keep it short

    @property
    def sessionmaker(self) -> Any:
        return self.app.workflow_data["sessionmaker"]

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        """Run ``coro`` in the harness loop, every log record going to the tap."""
        with self.logs.tapping():
            return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def new_sender(self, prefix: str) -> str:
        self.senders += 1
        return f"{prefix}-{os.getpid()}-{self.senders}"

    def key(self, sender: str) -> StorageKey:
        chat = chat_id_of(sender, "rest")
        return StorageKey(bot_id=self.gateway.bot.id, chat_id=chat, user_id=chat)

    async def fsm(self, sender: str) -> tuple[str | None, dict[str, Any]]:
        key = self.key(sender)
        return await self.app.storage.get_state(key), await self.app.storage.get_data(key)

    async def marks(self) -> tuple[int, int]:
        """The newest audit row id and consent id."""
        async with self.sessionmaker() as session:
            audit = await session.scalar(select(func.max(AuditLog.id)))
            consent = await session.scalar(select(func.max(Consent.id)))
        return audit or 0, consent or 0

    async def new_rows(self, audit_after: int, consent_after: int) -> tuple[list[Any], list[Any]]:
        async with self.sessionmaker() as session:
            audits = list(
                await session.scalars(
                    select(AuditLog).where(AuditLog.id > audit_after).order_by(AuditLog.id)
                )
            )
            consents = list(
                await session.scalars(
                    select(Consent).where(Consent.id > consent_after).order_by(Consent.id)
                )
            )
        return audits, consents

    async def observe_precheck(self, chat_id: int) -> None:
        """Which members of the chat's family have no committed audit row of this message.

        Read with a connection of its own (plain ``sqlite3``, read-only; WAL readers never
        wait), so it sees committed rows only and cannot wait on the update's transaction.
        """
        key = StorageKey(bot_id=self.gateway.bot.id, chat_id=chat_id, user_id=chat_id)
        family_id = (await self.app.storage.get_data(key)).get("family_id")
        unaudited: list[int] = []
        if family_id is not None:
            with closing(sqlite3.connect(f"file:{self._path}?mode=ro", uri=True)) as db:
                unaudited = [
                    pid
                    for (pid,) in db.execute(
                        "SELECT p.id FROM person p JOIN family_member m ON m.person_id = p.id"
                        " WHERE m.family_id = ? AND NOT EXISTS (SELECT 1 FROM audit_log a"
                        " WHERE a.id > ? AND a.person_hash = p.id_number_hash) ORDER BY p.id",
                        (int(family_id), self.audit_mark),
                    )
                ]
        self.shown.append(Shown(chat_id, family_id, unaudited))

    def snapshot(self) -> None:
        """Keep a copy of the database as it is now (:meth:`restore` goes back to it)."""
        self._snapshot = sqlite3.connect(":memory:")
        with closing(sqlite3.connect(self._path)) as live:
            live.backup(self._snapshot)

    def restore(self) -> None:
        """Put the database back as it was at :meth:`snapshot`, in the same file.

        Each example then starts from the demo data: no consent, revocation, application or
        identity attempt of an earlier example changes what it sees, so an example replays
        the same way when hypothesis shrinks it (and the per-person limits of the identity
        check, 5 codes an hour, do not lock the story families out of later examples).
        Called between examples, when none of the dialogue's connections is in a
        transaction; the backup API writes the pages in place, so the file stays the one
        the engine opened.
        """
        with closing(sqlite3.connect(self._path, timeout=30)) as live:
            self._snapshot.backup(live)

    @property
    def _path(self) -> str:
        return str(self.app.settings.sync_database_url.database)

    def _count_record_select(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if _RECORD_SELECT.search(statement):
            self.record_selects += 1


@pytest.fixture(scope="session")
def nlu_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> NluEngine:
    """The local NLU, its model kept in pytest's cache between runs (retrained when stale)."""
    cache = getattr(request.config, "cache", None)
    data_dir = cache.mkdir("jiuzhu-properties") if cache else tmp_path_factory.mktemp("nlu")
    engine = get_engine(Settings(data_dir=data_dir, secret_key=TEST_SECRET))
    assert isinstance(engine, LocalNlu)
    engine.ensure_model()  # load or train now, not in the first example
    return engine


@pytest.fixture(scope="module")
def harness(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nlu_engine: NluEngine
) -> Iterator[Harness]:
    """The demo dialogue over SQLite with its REST app served on 127.0.0.1, once per module."""
    tmp: Path = tmp_path_factory.mktemp("properties")
    loop = asyncio.new_event_loop()
    logs = LogTap()
    context = dialogue("sqlite", tmp, nlu_engine)

    async def start() -> Harness:
        app = await context.__aenter__()
        gateway = Gateway(app.dispatcher, channel="rest")
        servers = [
            TestServer(build_rest_app(gateway), host="127.0.0.1"),
            TestServer(build_rest_app(gateway, token=TOKEN), host="127.0.0.1"),
        ]
        for server in servers:
            await server.start_server()
        ports = [server.port or 0 for server in servers]
        h = Harness(loop, app, gateway, *ports, logs, servers)
        install_once(gateway.bot, CommitBeforeShowing())  # the commit first, then the observer
        gateway.bot.session.middleware(ObserveShowing(h))
        engine = h.sessionmaker.kw["bind"]
        event.listen(engine.sync_engine, "before_cursor_execute", h._count_record_select)
        return h

    async def stop(h: Harness) -> None:
        for server in h.servers:
            await server.close()
        await context.__aexit__(None, None, None)

    with logs.tapping():
        h = loop.run_until_complete(start())
    h.snapshot()
    try:
        yield h
    finally:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(h.stats.items()))
        print(
            f"\n[{request.module.__name__}] profile {PROFILE}; {counts}; "
            f"{logs.records} log records checked, {len(logs.leaks)} with personal data"
        )
        with logs.tapping():
            loop.run_until_complete(stop(h))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


@pytest.fixture
def throttled_port(harness: Harness, nlu_engine: NluEngine) -> Iterator[int]:
    """The REST app of a dialogue with the default rate limit, over the harness's database.

    Each Dispatcher builds its own routers (:func:`bot.routers.get_routers`), so the
    harness's keep working beside this one.
    """

    async def start() -> tuple[AppContext, TestServer]:
        sessionmaker = harness.app.workflow_data["sessionmaker"]
        ctx = await create_app_context(
            harness.app.settings, throttle=True, sessionmaker=sessionmaker, nlu=nlu_engine
        )
        server = TestServer(
            build_rest_app(Gateway(ctx.dispatcher, channel="rest")), host="127.0.0.1"
        )
        await server.start_server()
        return ctx, server

    ctx, server = harness.run(start())
    try:
        yield server.port or 0
    finally:
        harness.run(server.close())
        harness.run(ctx.close())
