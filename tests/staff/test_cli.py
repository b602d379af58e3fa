"""``jiuzhu staff ...`` and ``jiuzhu cases list``, run as the administrator runs them: a
subprocess on the database, its output read as printed."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from jiuzhu.settings import Settings
from staff.cases import open_case
from store.models import Case, StaffAccess, StaffAccount, StaffSession
from store.session import make_async_engine, make_sessionmaker, transaction
from tests.conftest import TEST_SECRET, migrated
from tests.staff.conftest import Served, StaffClient

PASSWORD = "a long enough password"


def run_cli(
    settings: Settings, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``jiuzhu *args`` on ``settings``' database, without a terminal (so a prompt reads
    ``stdin``: a new session has no controlling terminal for getpass to open)."""
    env = os.environ | {
        "JIUZHU_DATA_DIR": str(settings.data_dir), "JIUZHU_SECRET_KEY": TEST_SECRET,
        "JIUZHU_DATABASE_URL": settings.sync_database_url.render_as_string(False),
        "COLUMNS": "160",
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "jiuzhu", *args], input=stdin, capture_output=True, text=True,
        env=env, timeout=120, start_new_session=True,
    )  # fmt: skip


def one_line_error(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The error of a failed run: one line on stderr, no traceback, exit ``code``."""
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


async def accounts(settings: Settings) -> dict[str, StaffAccount]:
    engine = make_async_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return {a.username: a for a in await session.scalars(select(StaffAccount))}
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """A freshly migrated, empty database of each backend."""
    return migrated(request.param, tmp_path)


async def test_add_link_and_list(db: Settings, tmp_path: Path) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    added = run_cli(db, "staff", "add", "--username", "lianshan", "--role", "caseworker",
                    "--region", "441825", "--password-file", str(secret))  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added lianshan (caseworker, region 441825)"
    prompted = run_cli(db, "staff", "add", "--username", "qy-super", "--role", "supervisor",
                       "--region", "4418", stdin=f"{PASSWORD}-2\n{PASSWORD}-2\n")  # fmt: skip
    assert prompted.returncode == 0, prompted.stderr
    assert PASSWORD not in prompted.stdout + prompted.stderr  # the prompt does not echo it

    found = await accounts(db)
    assert set(found) == {"lianshan", "qy-super"}
    hasher = PasswordHasher()
    assert hasher.verify(found["lianshan"].password_hash, PASSWORD)  # the file's first line
    assert hasher.verify(found["qy-super"].password_hash, f"{PASSWORD}-2")
    assert (found["qy-super"].role, found["qy-super"].region_prefix) == ("supervisor", "4418")

    linked = run_cli(db, "staff", "link-telegram", "--username", "lianshan",
                     "--telegram-id", "777000111")  # fmt: skip
    assert linked.returncode == 0, linked.stderr
    assert (await accounts(db))["lianshan"].telegram_user_id == 777000111
    listed = run_cli(db, "staff", "list")
    assert listed.returncode == 0, listed.stderr
    rows = {cells[0]: cells for cells in _table(listed.stdout)}
    assert rows["username"] == ["username", "role", "region", "disabled", "telegram"]
    assert rows["lianshan"] == ["lianshan", "caseworker", "441825", "no", "linked"]
    assert rows["qy-super"] == ["qy-super", "supervisor", "4418", "no", "—"]


def test_bad_options_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    db = migrated("sqlite", tmp_path)
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    first = run_cli(db, "staff", "add", "--username", "lianshan", "--role", "caseworker",
                    "--region", "441825", "--password-file", str(secret))  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert run_cli(db, "staff", "link-telegram", "--username", "lianshan",
                   "--telegram-id", "777000111").returncode == 0  # fmt: skip
    mismatch = run_cli(db, "staff", "add", "--username", "x1", "--role", "auditor",
                       "--region", "44", stdin=f"{PASSWORD}\n{PASSWORD}!\n")  # fmt: skip
    assert mismatch.returncode == 1 and mismatch.stderr.rstrip().endswith("aborted")
    assert "do not match" in mismatch.stdout and "Traceback" not in mismatch.stderr
    for args, field in [
        (("--username", "x2", "--role", "boss", "--region", "4418"), "--role"),
        (("--username", "x3", "--role", "caseworker", "--region", "4518"), "--region"),
        (("--username", "x4", "--role", "caseworker", "--region", "44x"), "--region"),
        (("--username", "lianshan", "--role", "caseworker", "--region", "4418"), "--username"),
        (("--username", "two words", "--role", "caseworker", "--region", "4418"), "--username"),
    ]:
        error = one_line_error(run_cli(db, "staff", "add", *args, "--password-file", str(secret)))
        assert error.startswith(f"error: {field}:"), (args, error)
    short = tmp_path / "short.txt"
    short.write_text("2short\n", encoding="utf-8")
    for password_file, field in [(short, "password"), (tmp_path / "none.txt", "--password-file")]:
        done = run_cli(db, "staff", "add", "--username", "x5", "--role", "caseworker",
                       "--region", "4418", "--password-file", str(password_file))  # fmt: skip
        assert one_line_error(done).startswith(f"error: {field}:")

    assert run_cli(db, "staff", "add", "--username", "qy-super", "--role", "supervisor",
                   "--region", "4418", "--password-file", str(secret)).returncode == 0
    for args, field in [
        (("--username", "qy-super", "--telegram-id", "777000111"), "--telegram-id"),  # taken
        (("--username", "nobody", "--telegram-id", "5"), "--username"),
        (("--username", "qy-super", "--telegram-id", "0"), "--telegram-id"),
    ]:
        error = one_line_error(run_cli(db, "staff", "link-telegram", *args))
        assert error.startswith(f"error: {field}:"), (args, error)
    not_a_number = run_cli(db, "staff", "link-telegram", "--username", "qy-super",
                           "--telegram-id", "abc")  # fmt: skip
    assert not_a_number.returncode == 2 and "Traceback" not in not_a_number.stderr

    found = asyncio.run(accounts(db))
    assert set(found) == {"lianshan", "qy-super"} and found["qy-super"].telegram_user_id is None


def _table(printed: str) -> list[list[str]]:
    """The cells of each row of a rich table."""
    return [[cell.strip() for cell in line.strip("│┃").split(line[0])]
            for line in printed.splitlines() if line[:1] in "│┃" and line.strip()]  # fmt: skip


async def test_disable_ends_every_session_at_once(server: Served, staff_client: Any) -> None:
    desk, laptop = staff_client(), staff_client()
    assert await desk.login("lianshan") == 200 and await laptop.login("lianshan") == 200
    assert (await desk.call("GET", "/staff/api/me"))[0] == 200

    done = run_cli(server.settings, "staff", "disable", "--username", "lianshan")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "disabled lianshan: every session of it has ended"
    async with server.sessionmaker() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == "lianshan"))
        left = await session.scalar(select(func.count()).select_from(StaffSession)
                                    .where(StaffSession.staff_id == account.id))  # fmt: skip
    assert account.disabled_at is not None and left == 0
    for client in (desk, laptop):
        assert (await client.call("GET", "/staff/api/me"))[0] == 401
    assert await StaffClient.login(staff_client(), "lianshan") == 401

    listed = run_cli(server.settings, "staff", "list")
    rows = {cells[0]: cells for cells in _table(listed.stdout)}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows["lianshan"][3])
    assert rows["qingyuan"][3] == "no"
    error = one_line_error(run_cli(server.settings, "staff", "disable", "--username", "ghost"))
    assert error == "error: --username: no staff account 'ghost'"


async def test_cases_list_by_region_and_status_without_personal_data(db: Settings) -> None:
    engine = make_async_engine(db)
    try:
        async with transaction(make_sessionmaker(engine)) as session:
            from staff.cases import Resident

            chat = Resident(sender_hash="f" * 64, channel="rest", address="wechat:13800441825")
            opened = [
                await open_case(session, kind="handoff", region_code="441825",
                                summary="asked for a person", resident=chat),
                await open_case(session, kind="dispute", region_code="440203",
                                summary="disputes the refusal"),
                await open_case(session, kind="crisis", region_code="441802",
                                summary="crisis words in the chat"),
            ]  # fmt: skip
            opened[1].status = "assigned"
    finally:
        await engine.dispose()
    ids = [c.id for c in opened]

    every = run_cli(db, "cases", "list")
    assert every.returncode == 0, every.stderr
    rows = _table(every.stdout)
    assert rows[0] == ["id", "kind", "status", "priority", "region", "opened", "breaches",
                       "summary"]  # fmt: skip
    # Most urgent first: the crisis (urgent), the dispute (high), the handoff (normal).
    assert [int(r[0]) for r in rows[1:]] == [ids[2], ids[1], ids[0]]
    assert rows[1][1:5] == ["crisis", "open", "urgent", "441802"]
    assert every.stdout.strip().endswith("3 cases")
    assert "13800441825" not in every.stdout and "wechat" not in every.stdout

    qingyuan = _table(run_cli(db, "cases", "list", "--region", "4418").stdout)
    assert [int(r[0]) for r in qingyuan[1:]] == [ids[2], ids[0]]
    assigned = _table(run_cli(db, "cases", "list", "--status", "assigned").stdout)
    assert [int(r[0]) for r in assigned[1:]] == [ids[1]]
    both = _table(run_cli(db, "cases", "list", "--region", "4418", "--status", "open").stdout)
    assert [int(r[0]) for r in both[1:]] == [ids[2], ids[0]]
    for args, field in [(("--status", "lost"), "status"), (("--region", "44-18"), "region")]:
        error = one_line_error(run_cli(db, "cases", "list", *args))
        assert error.startswith(f"error: {field}:"), error

    engine = make_async_engine(db)
    try:
        async with make_sessionmaker(engine)() as session:
            audited = list(await session.execute(
                select(StaffAccess.staff_id, StaffAccess.action, StaffAccess.purpose)
                .where(StaffAccess.action == "cases.list")))  # fmt: skip
    finally:
        await engine.dispose()
    assert [tuple(row) for row in audited] == [(None, "cases.list", "queue")] * 4
    assert len(set(await _case_ids(db))) == 3


async def _case_ids(settings: Settings) -> list[int]:
    engine = make_async_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return list(await session.scalars(select(Case.id)))
    finally:
        await engine.dispose()


def test_no_database_is_one_line(tmp_path: Path) -> None:
    missing = Settings(database_url=f"sqlite:///{tmp_path / 'none.db'}", data_dir=tmp_path)
    done = run_cli(missing, "staff", "list")
    assert done.returncode == 1 and done.stderr.startswith("error:"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
