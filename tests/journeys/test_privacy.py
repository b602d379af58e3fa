"""Privacy: nothing personal before identity, no sender sees another family, revocation bites."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.app import AppContext
from bot.channels.gateway import Gateway
from bot.conversation import this_month
from eligibility.precheck import run_precheck
from store.crypto import vault
from store.demo.fixtures import fixture_by_story
from store.models import AuditLog, FamilyMember, Person, Transcript
from store.pii import mask_id_number
from store.session import transaction
from store.sources import ConsentRequired
from tests.journeys.conftest import Resident, story_ids

FAMILY_A = fixture_by_story("A")


def _personal_bits(story: str) -> list[str]:
    family = fixture_by_story(story)
    names = [m.name for m in family.members] + [m.name[0] + "*" for m in family.members]
    return [*names, *(m.id_number for m in family.members), "600", "217", "幸福清单"]


async def test_nothing_personal_before_identity_is_proven(resident: Resident) -> None:
    seen = [await resident.say("/start"), await resident.press("查看我的待遇")]
    seen.append(await resident.say(story_ids("A")[0]))  # a code goes out; nothing shown yet
    for attempt in ("menu:benefits", "看看我家的待遇", "申请进度", "000000"):
        seen.append(await resident.say(attempt))
    # The demo code is random digits: "217" inside it is no benefit amount.
    shown = re.sub(r"本次验证码：\d{6}", "", "\n".join(seen))
    leaked = [bit for bit in _personal_bits("A") if bit in shown]
    assert leaked == []
    assert "138****1825" not in shown  # not even whether, or which, phone is on file


async def test_a_sender_never_sees_another_family(gateway: Gateway) -> None:
    mother = Resident(gateway, "mother-a")
    await mother.say("/start")
    await mother.press("查看我的待遇")
    await mother.say(story_ids("A")[0])
    code = mother.demo_code()
    # Someone else types the same ID number: the new code goes to the mother's phone, and
    # a guess is refused.
    stranger = Resident(gateway, "stranger")
    await stranger.say("/start")
    await stranger.press("查看我的待遇")
    await stranger.say(story_ids("A")[0])
    stranger_code = stranger.demo_code()  # demo mode only: really it is on the mother's phone
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    if wrong == stranger_code:
        wrong = f"{(int(code) + 2) % 1_000_000:06d}"
    assert "验证码不对" in await stranger.say(wrong)
    # The stranger signs in as himself (story C) and sees only his own (empty) list.
    await stranger.press("换一个身份证号")
    own = await stranger.sign_in(story_ids("C")[0])
    assert "幸福清单" in own and "覃" not in own and "单独纳入" not in own
    # The mother's code still works although a stranger asked for another one since.
    mine = await mother.say(code)
    assert "覃*" in mine and "每月 600 元" in mine


async def test_revoking_consent_stops_further_reads(resident: Resident, app: AppContext) -> None:
    await resident.say("我想申请救助")
    await resident.press("同意授权")
    result = await resident.sign_in(story_ids("A")[0])
    assert "预审结果" in result
    await resident.say("我要撤回授权")
    assert "已撤回您的授权" in await resident.press("确定撤回")
    sessionmaker = app.workflow_data["sessionmaker"]
    async with sessionmaker() as session:
        reads = await session.scalar(select(func.count()).select_from(AuditLog))
    # Asking again shows the authorization: the chat does not read without a new consent.
    assert "授权书" in await resident.say("我想申请低保")
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(AuditLog)) == reads
    # A read anyway (a batch job, a caseworker) is refused, and the refusal is audited.
    applicant_hash = vault().lookup_hash("id_number", story_ids("A")[0])
    with pytest.raises(ConsentRequired):
        async with transaction(sessionmaker) as session:
            person = await session.scalar(
                select(Person).where(Person.id_number_hash == applicant_hash)
            )
            family_id = await session.scalar(
                select(FamilyMember.family_id).where(FamilyMember.person_id == person.id)
            )
            await run_precheck(session, family_id, this_month(), actor="batch:test")
    async with sessionmaker() as session:
        denied = await session.scalars(
            select(AuditLog).where(AuditLog.person_hash == applicant_hash).order_by(AuditLog.id)
        )
        outcomes = [row.allowed for row in denied]
    assert outcomes[0] is True and outcomes[-1] is False


async def test_transcripts_are_masked_and_encrypted(resident: Resident, app: AppContext) -> None:
    await resident.say("/start")
    await resident.press("查看我的待遇")
    await resident.sign_in(story_ids("A")[0])
    async with app.workflow_data["sessionmaker"]() as session:
        texts = list(await session.scalars(select(Transcript.text)))
    joined = "\n".join(texts)
    assert mask_id_number(story_ids("A")[0]) in joined  # the ID number, masked
    assert story_ids("A")[0] not in joined
    assert not any(m.name in joined for m in FAMILY_A.members)
    assert len(texts) >= 6


@pytest.mark.parametrize("leave", ["/start", "/logout", "好了，再见"])
async def test_leaving_signs_out_on_a_shared_phone(resident: Resident, leave: str) -> None:
    await resident.say("/start")
    await resident.press("查看我的待遇")
    assert "幸福清单" in await resident.sign_in(story_ids("A")[0])
    await resident.say(leave)
    await resident.say("/menu")
    again = await resident.press("查看我的待遇")
    assert "身份证号码" in again and "幸福清单" not in again
