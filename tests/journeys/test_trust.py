"""Issue 9, findings 1–5: what an attacker or a fault could do to the dialogue, each a test.

Every test talks to the real dialogue (real Dispatcher, SQLite file, local NLU) through the
channel gateway and then reads the database in a fresh session, so what it asserts is what
was committed, not what the conversation believes.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event, func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import AppContext, create_app_context
from bot.channels.gateway import Gateway, chat_id_of
from eligibility.precheck import load_family
from nlu import NluEngine
from store.consent import grant_with_minors, revoke_consents
from store.demo.fixtures import fixture_by_story
from store.models import (
    AuditLog,
    Consent,
    FamilyMember,
    IdentityAttempt,
    Person,
    PrecheckResult,
    ReportedChange,
    SmsOutbox,
    Transcript,
)
from store.session import make_async_engine, make_sessionmaker
from tests.journeys.conftest import Resident, demo_database, story_ids

LONE = "\ud800"
UNKNOWN_VALID = "11010519491231002X"  # valid check character, not on file
NO_PHONE = fixture_by_story("B").members[2].id_number  # 李桂英: on file, no phone


@pytest.fixture
async def app(tmp_path: Path, nlu_engine: NluEngine) -> AsyncIterator[AppContext]:
    """The dialogue over the demo SQLite database (the stories cover PostgreSQL)."""
    async with _dialogue(tmp_path, nlu_engine) as ctx:
        yield ctx


class _dialogue:
    def __init__(self, tmp_path: Path, nlu: NluEngine, **settings: Any) -> None:
        self.tmp_path, self.nlu, self.changes = tmp_path, nlu, settings

    async def __aenter__(self) -> AppContext:
        settings = demo_database("sqlite", self.tmp_path).model_copy(update=self.changes)
        self.engine = make_async_engine(settings)
        self.ctx = await create_app_context(
            settings, throttle=False, sessionmaker=make_sessionmaker(self.engine), nlu=self.nlu
        )
        return self.ctx

    async def __aexit__(self, *exc: object) -> None:
        await self.ctx.close()
        await self.engine.dispose()


def _db(app: AppContext) -> async_sessionmaker[AsyncSession]:
    return app.workflow_data["sessionmaker"]


async def _count(app: AppContext, model: type[Any], *where: Any) -> int:
    async with _db(app)() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def _person_id(app: AppContext, id_number: str) -> int:
    from store.identity import find_person

    async with _db(app)() as session:
        person = await find_person(session, id_number)
        assert person is not None
        return person.id


async def _state(gateway: Gateway, resident: Resident) -> str | None:
    chat = chat_id_of(resident.sender, "rest")
    key = StorageKey(bot_id=gateway.bot.id, chat_id=chat, user_id=chat)
    return await gateway.dispatcher.storage.get_state(key)


async def _to_code(resident: Resident, id_number: str, *, precheck: bool = True) -> str:
    await resident.say("/start")
    if precheck:
        await resident.say("我想申请低保")
        await resident.press("同意授权")
    else:
        await resident.press("查看我的待遇")
    return await resident.say(id_number)


# --- 1. a lone surrogate cannot undo a turn --------------------------------------------


async def test_wrong_codes_with_a_lone_surrogate_are_still_counted(
    app: AppContext, gateway: Gateway
) -> None:
    resident = Resident(gateway, "surrogate-guesser")
    await _to_code(resident, story_ids("A")[0], precheck=False)
    code = resident.demo_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [await resident.say(wrong + LONE) for _ in range(6)]
    assert "还可以再试 4 次" in answers[0] and "次数已经用完" in answers[-1]
    assert "次数已经用完" in await resident.say(code)  # the budget holds for the right code
    failed = IdentityAttempt.method == "code", IdentityAttempt.succeeded.is_(False)
    assert await _count(app, IdentityAttempt, *failed) == 5


async def test_a_precheck_and_a_change_with_a_lone_surrogate_are_saved(
    app: AppContext, gateway: Gateway
) -> None:
    resident = Resident(gateway, "surrogate-precheck")
    await _to_code(resident, story_ids("A")[0])
    shown = await resident.say(resident.demo_code() + LONE)
    assert "救助资格预审结果" in shown
    mother = await _person_id(app, story_ids("A")[0])
    assert await _count(app, Consent, Consent.person_id == mother, Consent.channel == "chat")
    assert await _count(app, AuditLog, AuditLog.allowed.is_(True)) >= 4
    assert await _count(app, PrecheckResult) == 1
    assert "已记录" in await resident.say("我老公没工作了" + LONE)
    assert await _count(app, ReportedChange, ReportedChange.person_id == mother) == 1
    assert await _count(app, Transcript) > 0  # the transcript was written too, cleaned


async def test_a_failing_insert_logs_no_personal_data(
    app: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    mother = fixture_by_story("A").members[0]
    caplog.set_level(logging.DEBUG)
    async with _db(app)() as session:
        session.add(
            Transcript(
                sender_hash="x",
                channel="rest",
                direction="in",
                text=f"{mother.name} {mother.id_number} {mother.phone}{LONE}",
            )
        )
        with pytest.raises(StatementError) as failure:
            await session.commit()
    said = str(failure.value) + caplog.text
    assert mother.id_number not in said and mother.name not in said
    assert mother.phone is not None and mother.phone not in said


# --- 2. nothing is shown before its audit row is committed ----------------------------


@contextmanager
def _writes_fail(app: AppContext) -> Iterator[None]:
    """Every INSERT/UPDATE fails as on a read-only database file."""
    engine = _db(app).kw["bind"].sync_engine

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if re.match(r"\s*(INSERT|UPDATE|DELETE)", statement, re.I):
            raise sqlite3.OperationalError("attempt to write a readonly database")

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


async def test_an_unwritable_database_shows_nothing_and_keeps_the_step(
    app: AppContext, gateway: Gateway
) -> None:
    resident = Resident(gateway, "read-only")
    await _to_code(resident, story_ids("A")[0])
    code = resident.demo_code()
    with _writes_fail(app):
        refused = await resident.say(code)
    assert "没能保存" in refused and "预审结果" not in refused and "覃" not in refused
    assert await _state(gateway, resident) == "SignIn:code"  # not advanced
    assert (
        await _count(app, AuditLog) == 0
        and await _count(app, Consent, Consent.channel == "chat") == 0
    )
    shown = await resident.say(code)  # the database is back: the same code works
    assert "救助资格预审结果" in shown
    assert await _count(app, AuditLog, AuditLog.allowed.is_(True)) >= 4
    later = await resident.say("再测算一次")
    assert "系统出了点问题" not in later


# --- 3. consent only by an explicit act -------------------------------------------------

JUNK = ["undefined", "false", "object", "trueee", "ok", "y", "知道了", "收到", "好的", "嗯",
        "也许吧", "同意吧", "yes", "1 OR 1=1", "我同意，但是不知道查什么"]  # fmt: skip


@pytest.mark.parametrize("text", JUNK)
async def test_junk_is_not_consent(app: AppContext, gateway: Gateway, text: str) -> None:
    resident = Resident(gateway, "junk")
    await resident.say("我想申请低保")
    answer = await resident.say(text)
    assert "明确表示同意" in answer and "同意授权" in answer
    assert await _state(gateway, resident) == "SignIn:consent"


@pytest.mark.parametrize("text", ["同意", "我同意", "同意授权", "I agree", "我同意授權！"])
async def test_an_explicit_yes_is_consent(app: AppContext, gateway: Gateway, text: str) -> None:
    resident = Resident(gateway, "explicit")
    await resident.say("我想申请低保")
    assert "身份证" in await resident.say(text)
    assert await _state(gateway, resident) == "SignIn:id_number"


# --- 4. no enumeration, no lockout by strangers -----------------------------------------


async def test_every_id_number_gets_the_same_answer(tmp_path: Path, nlu_engine: NluEngine) -> None:
    async with _dialogue(tmp_path, nlu_engine, env="production") as app:
        gateway = Gateway(app.dispatcher, channel="rest")
        residents = [Resident(gateway, f"enum-{n}") for n in range(3)]
        answers = [
            await _to_code(r, id_number)
            for r, id_number in zip(
                residents, [UNKNOWN_VALID, story_ids("A")[0], NO_PHONE], strict=True
            )
        ]
        assert answers[0] == answers[1] == answers[2]
        assert not re.search(r"\d{3}\*{4}\d{4}", answers[0])  # no phone, masked or not
        assert await _count(app, SmsOutbox) == 1  # only the phone on file got a text
        guesses = [[await r.say("123456") for _ in range(2)] for r in residents]
        assert guesses[0] == guesses[1] == guesses[2]
        on_a_person = IdentityAttempt.person_hash.is_not(None), IdentityAttempt.method == "code"
        assert await _count(app, IdentityAttempt, *on_a_person) == 2  # the unknown's: none


async def test_strangers_asking_for_codes_do_not_lock_the_resident_out(
    app: AppContext, gateway: Gateway
) -> None:
    for n in range(6):
        await _to_code(Resident(gateway, f"stranger-{n}"), story_ids("A")[0], precheck=False)
    mother = Resident(gateway, "mother")
    asked = await _to_code(mother, story_ids("A")[0], precheck=False)
    assert "本次验证码" not in asked  # five texts this hour: no sixth to that phone
    async with _db(app)() as session:
        texts = list(await session.scalars(select(SmsOutbox.text).order_by(SmsOutbox.id)))
    assert len(texts) == 5
    code = re.search(r"验证码是(\d{6})", texts[-1]).group(1)  # type: ignore[union-attr]
    assert "幸福清单" in await mother.say(code)  # the code on her phone works


async def test_one_sender_cannot_try_number_after_number(
    app: AppContext, gateway: Gateway
) -> None:
    prober = Resident(gateway, "prober")
    await _to_code(prober, UNKNOWN_VALID, precheck=False)
    for id_number in [*story_ids("A"), *story_ids("B")][:4]:
        await prober.press("换一个身份证号")
        last = await prober.say(id_number)
    await prober.press("换一个身份证号")
    blocked = await prober.say(story_ids("C")[0])
    assert "次数已经用完" in blocked and "镇街社工站" in blocked and "本次验证码" not in blocked
    assert "次数已经用完" not in last


# --- 5. a family member who is not the applicant --------------------------------------


async def test_a_member_is_told_the_applicant_must_consent(
    app: AppContext, gateway: Gateway
) -> None:
    husband = Resident(gateway, "husband")
    await _to_code(husband, story_ids("A")[1])
    answer = await husband.say(husband.demo_code())
    assert "系统出了点问题" not in answer and "预审结果" not in answer
    assert "登记的申请人（覃**）" in answer and "同意授权" in answer
    husband_id = await _person_id(app, story_ids("A")[1])
    assert await _count(app, Consent, Consent.person_id == husband_id, Consent.channel == "chat")
    assert await _count(app, AuditLog) == 0  # nothing was read


@pytest.mark.parametrize(("signer", "wards"), [(0, 4), (1, 4), (2, 0)])
async def test_only_a_parent_consents_for_a_minor(
    app: AppContext, signer: int, wards: int
) -> None:
    """Story D: the father (applicant), the mother (spouse) and a grandfather (parent)."""
    signer_id = await _person_id(app, story_ids("D")[signer])
    async with _db(app)() as session, session.begin():
        person = await session.get(Person, signer_id)
        family_id = await session.scalar(
            select(FamilyMember.family_id).where(FamilyMember.person_id == signer_id)
        )
        family = await load_family(session, family_id)
        granted = await grant_with_minors(session, person, family, text_version="t",
                                          text_sha256="0" * 64, channel="chat")  # fmt: skip
    assert [c.granted_by for c in granted] == ["self"] + ["guardian"] * wards


async def test_a_consent_gone_from_the_database_is_asked_for_again(
    app: AppContext, gateway: Gateway
) -> None:
    """The conversation remembers a consent that was revoked elsewhere (at the office)."""
    resident = Resident(gateway, "revoked-elsewhere")
    await _to_code(resident, story_ids("A")[0])
    assert "救助资格预审结果" in await resident.say(resident.demo_code())
    mother = await _person_id(app, story_ids("A")[0])
    async with _db(app)() as session, session.begin():
        await revoke_consents(session, [mother])
    reads = await _count(app, AuditLog)
    again = await resident.say("我想申请低保")
    assert "授权书" in again and "系统出了点问题" not in again
    assert await _count(app, AuditLog) == reads  # nothing read without it
