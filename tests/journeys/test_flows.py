"""The smaller journeys: policy questions, changes, status, misunderstandings, identity paths."""

from __future__ import annotations

from datetime import timedelta

from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Contact, Message, Update
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import AppContext
from bot.channels.gateway import Gateway, chat_id_of
from eligibility.policy import dibao_standard
from store.base import utcnow
from store.identity import sign_assertion
from store.models import Case, ReportedChange
from tests.journeys.conftest import Resident, story_ids


async def test_policy_question_uses_the_live_standard(resident: Resident) -> None:
    standard, _ = dibao_standard("441825", "rural", f"{utcnow():%Y-%m}")
    answer = await resident.say("连山的低保标准是多少")
    assert "连山" in answer and f"低保 {standard:,.0f} 元" in answer
    await resident.say("/start")
    general = await resident.press("政策咨询")
    guangzhou, _ = dibao_standard("440100", "urban", f"{utcnow():%Y-%m}")
    assert f"广州：{guangzhou:,.0f} 元" in general and "云浮" in general


async def test_two_misunderstandings_offer_a_person(resident: Resident) -> None:
    first = await resident.say("asdfgh qwerty")
    assert "找工作人员" not in first
    second = await resident.say("zxcvb poiuy")
    assert "要不要请工作人员帮您" in second
    assert "编号" in await resident.press("找工作人员")


async def test_off_topic_twice_is_not_called_a_misunderstanding(resident: Resident) -> None:
    await resident.say("明天会下雨吗")
    second = await resident.say("帮我叫个外卖")
    assert "帮不上忙" in second and "要不要请工作人员帮您" in second
    assert "没理解" not in second


async def test_a_region_alone_follows_a_policy_answer(resident: Resident) -> None:
    period = f"{utcnow():%Y-%m}"
    first = await resident.say("广州的低保标准是多少")
    assert f"{dibao_standard('440100', 'urban', period)[0]:,.0f}" in first
    foshan = await resident.say("佛山呢")
    assert "佛山市" in foshan and f"{dibao_standard('440600', 'urban', period)[0]:,.0f}" in foshan
    assert "常见问题" in first and "常见问题" not in foshan  # the FAQ once is enough
    assert "深圳市" in await resident.say("深圳呢")  # and the next, and so on
    # Only right after a policy answer: after something else, a bare place is just a fact.
    await resident.say("谢谢")
    assert "请先告诉我您想办哪件事" in await resident.say("佛山呢")


async def test_report_a_change_with_the_event_named(resident: Resident, app: AppContext) -> None:
    await resident.say("我老公失业了，想报告一下")
    answer = await resident.sign_in(story_ids("D")[0])
    assert "已记录：失业" in answer
    assert "重新测算" in answer
    async with app.workflow_data["sessionmaker"]() as session:
        events = list(await session.scalars(select(ReportedChange.event)))
        cases = await session.scalar(
            select(func.count()).select_from(Case).where(Case.kind == "report_change")
        )
    assert events == ["unemployment"] and cases == 1


async def test_report_a_change_by_button(resident: Resident) -> None:
    await resident.say("/start")
    await resident.press("报告变化")
    await resident.sign_in(story_ids("B")[0])
    assert "发生了什么变化" in resident.text
    assert "已记录：孩子上学" in await resident.press("孩子上学")


async def test_status_without_applications(resident: Resident) -> None:
    await resident.say("我的申请办到哪一步了")
    answer = await resident.sign_in(story_ids("C")[0])
    assert "还没有提交过申请" in answer


async def test_partner_assertion_proves_identity(app: AppContext, gateway: Gateway) -> None:
    key = b"partner-shared-key-for-tests"
    app.settings.identity_assertion_key = SecretStr(key.decode())
    sender = "partner-user"
    token = sign_assertion(
        story_ids("A")[0], str(chat_id_of(sender, "rest")), key, utcnow() + timedelta(minutes=5)
    )
    resident = Resident(gateway, sender)
    answer = await resident.say(f"/assert {token}")
    assert "身份确认成功" in answer and "幸福清单" in answer
    forged = Resident(gateway, "forger")
    assert "身份凭证无效" in await forged.say(f"/assert {token}")  # bound to the sender


async def test_telegram_contact_that_matches_proves_identity(app: AppContext) -> None:
    gateway = Gateway(app.dispatcher, channel="telegram-test")
    resident = Resident(gateway, "contact-user")
    await resident.say("/start")
    await resident.press("查看我的待遇")
    await resident.say(story_ids("A")[0])
    chat = chat_id_of("contact-user", "telegram-test")
    contact = Contact(phone_number="+86 138 0044 1825", first_name="x", user_id=chat)
    message = Message(
        message_id=99, date=utcnow(), chat={"id": chat, "type": "private"},
        from_user={"id": chat, "is_bot": False, "first_name": "x"}, contact=contact,
    )  # fmt: skip
    with gateway.session.capture() as outbox:
        await app.dispatcher.feed_update(gateway.bot, Update(update_id=1000, message=message))
    sent = "\n".join(getattr(call.method, "text", "") or "" for call in outbox)
    assert "手机号核对成功" in sent and "幸福清单" in sent
    key = StorageKey(bot_id=gateway.bot.id, chat_id=chat, user_id=chat)
    assert (await app.storage.get_data(key))["person_id"]


async def test_crisis_gets_help_at_once_in_any_state(resident: Resident, app: AppContext) -> None:
    await resident.say("我想申请低保")  # waiting for the authorization
    answer = await resident.say("我唔想活了")
    assert "110" in answer and "12356" in answer and "编号" in answer
    hunger = await resident.say("家里没饭吃了，能不能先给点急用的钱")
    assert "临时救助" in hunger and "编号" in hunger  # the same open case, not a second one
    async with app.workflow_data["sessionmaker"]() as session:
        cases = list(await session.scalars(select(Case)))
    assert [(c.kind, c.priority) for c in cases] == [("crisis", "urgent")]


async def test_codes_and_numbers_as_people_type_them(resident: Resident) -> None:
    await resident.say("/start")
    await resident.press("查看我的待遇")
    await resident.say(f"我嘅身份证係{story_ids('C')[0]}")
    code = resident.demo_code()
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert "幸福清单" in await resident.say(f"验证码系 {full_width[:3]} {full_width[3:]}")


async def test_a_person_cannot_be_guessed_from_many_senders(gateway: Gateway) -> None:
    for n in range(5):
        guesser = Resident(gateway, f"guesser-{n}")
        await guesser.say("/start")
        await guesser.press("查看我的待遇")
        await guesser.say(story_ids("C")[0])
        await guesser.say("000000")
    last = Resident(gateway, "guesser-new")
    await last.say("/start")
    await last.press("查看我的待遇")
    asked = await last.say(story_ids("C")[0])
    assert "如果这个身份证号码在我们这里登记了手机" in asked  # the one answer for every number
    assert "本次验证码" not in asked  # five codes went to that phone this hour: no sixth
    blocked = await last.say("000000")
    assert "次数已经用完" in blocked and "镇街社工站" in blocked


async def test_why_refused_and_the_report_in_words(resident: Resident) -> None:
    answer = await resident.say("祖屋算唔算住房啊")
    assert "祖屋不算" in answer
    await resident.say("我想申请低保")
    await resident.press("同意授权")
    await resident.sign_in(story_ids("C")[0])
    await resident.say("我想攞返份核查报告")
    assert resident.documents and "核查报告（预审）" in resident.documents[0]["data"].decode()


async def test_a_change_told_in_passing_is_recorded(resident: Resident) -> None:
    await resident.say("我老公没工作了")
    assert "已记录：失业" in await resident.sign_in(story_ids("A")[0])
