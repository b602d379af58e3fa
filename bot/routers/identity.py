"""Identity: the gate before any personal data, after the consent where one is asked.

1. the ID number, checked (GB 11643-1999) — a typo gets a re-prompt saying what is wrong;
   a valid number always gets the same answer, whether the person is on file or not;
2. a one-time code to the phone on file (demo mode shows it, labelled), or a Telegram
   contact that matches, or a partner's signed assertion (``/assert <token>``, any state).

Requests and wrong codes are limited per sender, per person, per channel and overall
(:mod:`store.identity`); a lockout names the other ways in. Only after step 2 does the
conversation hold ``person_id``; the consent agreed to is recorded then
(:func:`store.identity.complete_sign_in`) and the journey that asked for sign-in resumes.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.types import ReplyKeyboardRemove as NoKeyboard

from bot.callbacks import SignInCb
from bot.conversation import Turn
from bot.keyboards.menu import main_menu
from bot.keyboards.signin import contact_keyboard, signin_buttons
from bot.states import Identity
from nlu.codes import code_in
from nlu.consent_answer import consent_answer
from staff.changes import keep_notes
from store.base import utcnow
from store.consent import CONSENT_VERSION, consent_text
from store.identity import (
    CODE_DIGITS,
    CODE_TTL,
    TooManyAttempts,
    check_code,
    check_contact,
    complete_sign_in,
    find_person,
    get_person,
    record_attempt,
    request_code,
    verify_assertion,
)
from store.pii import InvalidIdNumber, find_id_number, parse_id_number
from templates import Texts


def sign_in_code(text: str) -> str | None:
    """The sign-in code in a message (:data:`store.identity.CODE_DIGITS` digits), or None."""
    return code_in(text, CODE_DIGITS)


# --- a partner's assertion works in any state, so it is tried first -------------------


async def assertion_given(message: Message, command: CommandObject, turn: Turn) -> None:
    """A partner app's signed identity assertion: ``/assert <token>`` (see store.identity)."""
    key = turn.settings.identity_assertion_key
    id_number = None
    if key is not None and command.args:
        secret = key.get_secret_value().encode()
        id_number = verify_assertion(command.args, str(message.chat.id), secret)
    person = await find_person(turn.session, id_number) if id_number else None
    await record_attempt(turn.session, turn.sender_hash, "assertion", succeeded=bool(person))
    if person is None:
        await turn.reply("signin-assertion-invalid")
        return
    if not (await turn.data()).get("after"):
        await turn.state.update_data(after="benefits")
    await identified(turn, person)


# --- 1. the ID number -------------------------------------------------------------------


async def id_number_given(message: Message, turn: Turn) -> None:
    """Check the number; send a code if the person is on file with a phone (one answer)."""
    text = message.text or ""
    if not any(ch.isdigit() for ch in unicodedata.normalize("NFKC", text)):
        await _no_number(turn, text)
        return
    try:
        id_number = parse_id_number(find_id_number(text) or text)
    except InvalidIdNumber as e:
        await turn.reply("signin-id-invalid", problem=e.message)
        return
    person = await find_person(turn.session, id_number.value)
    await _request_code(turn, person)


async def _no_number(turn: Turn, text: str) -> None:
    # Words instead of a number: a person asking for help is helped, one taking back the
    # consent just agreed to ("我还是不同意了") is not asked further; anything else re-asks.
    data = await turn.data()
    if data.get("consent_agreed") and consent_answer(text) == "decline":
        await turn.state.set_state(None)
        await turn.state.update_data(consent_agreed=False, want_consent=False, after=None,
                                     declined=data.get("after"))  # fmt: skip
        await turn.reply("signin-declined", reply_markup=main_menu(turn.l10n))
        return
    parsed = await turn.nlu.parse(text)  # type: ignore[union-attr]
    if parsed.intent_name in ("ask_human", "complain"):
        kind = "complaint" if parsed.intent_name == "complain" else "handoff"
        await turn.go("handoff", kind=kind)
        return
    await turn.reply("signin-id-reask")


async def _too_many(turn: Turn, e: TooManyAttempts) -> None:
    minutes = max(1, int((e.retry_after - utcnow()).total_seconds() // 60) + 1)
    await turn.reply("signin-too-many", minutes=minutes, other_ways=_other_ways(turn),
                     reply_markup=main_menu(turn.l10n))  # fmt: skip


def _other_ways(turn: Turn) -> str:
    return turn.l10n.t("signin-other-ways", telegram=turn.on_telegram)


async def _request_code(turn: Turn, person: Any) -> None:
    """Ask the store for a code to ``person`` (None: not on file) and say the one reply."""
    minutes = int(CODE_TTL.total_seconds() // 60)
    try:
        sent = await request_code(
            turn.session, sender_hash=turn.sender_hash, channel=turn.channel or "telegram",
            person=person, sms_template=turn.l10n.t("signin-sms", minutes=minutes),
        )  # fmt: skip
    except TooManyAttempts as e:
        await _too_many(turn, e)
        if turn.on_telegram:  # the way in the lockout names: the person's own contact
            await _offer_contact(turn, person)
        return
    await turn.state.update_data(
        pending_person_id=person.id if person else None,
        pending_person_hash=sent.person_hash,
        code_expires=(utcnow() + CODE_TTL).isoformat(),
    )
    await turn.state.set_state(Identity.code)
    buttons = signin_buttons(turn.l10n, "resend", "restart")
    await turn.reply("signin-code-sent", minutes=minutes, reply_markup=buttons)
    if turn.settings.demo and sent.code is not None:
        await turn.reply("signin-demo-code", code=sent.code)
    if turn.on_telegram:
        await turn.reply("signin-contact-hint", reply_markup=contact_keyboard(turn.l10n))


async def _offer_contact(turn: Turn, person: Any) -> None:
    """Wait for a contact proving ``person``'s phone (a code already sent still works)."""
    person_id = person.id if person else None
    if (await turn.data()).get("pending_person_id") != person_id:
        # Another ID number: no code of this conversation was sent to them.
        await turn.state.update_data(pending_person_id=person_id, pending_person_hash=None,
                                     code_expires=None)  # fmt: skip
    await turn.state.set_state(Identity.code)
    await turn.reply("signin-contact-hint", reply_markup=contact_keyboard(turn.l10n))


# --- 2. the code or a contact --------------------------------------------------------------


async def code_given(message: Message, code: str, turn: Turn) -> None:
    """A code: right → identity proven; wrong or expired → say so and how many tries remain.

    The reply to a wrong code is the same whether a code was sent or not.
    """
    state = await turn.data()
    expires = state.get("code_expires")
    try:
        verdict, left = await check_code(
            turn.session, sender_hash=turn.sender_hash, channel=turn.channel or "telegram",
            person_hash=state.get("pending_person_hash"), code=code,
        )  # fmt: skip
    except TooManyAttempts as e:
        await _too_many(turn, e)
        return
    if verdict == "right" and expires and datetime.fromisoformat(expires) >= utcnow():
        await identified(turn, await get_person(turn.session, state["pending_person_id"]))
        return
    expired = verdict == "expired" or not expires or datetime.fromisoformat(expires) < utcnow()
    key = "signin-code-expired" if expired else "signin-code-wrong"
    buttons = signin_buttons(turn.l10n, "resend", "restart") if left > 0 else main_menu(turn.l10n)
    await turn.reply(key, left=left, other_ways=_other_ways(turn), reply_markup=buttons)


async def contact_shared(message: Message, turn: Turn) -> None:
    """Telegram: the person's own contact whose number is the phone on file signs in without
    a code; someone else's contact is refused politely (:func:`store.identity.check_contact`)."""
    person = await get_person(turn.session, (await turn.data()).get("pending_person_id"))
    contact = message.contact
    assert contact is not None  # the filter
    verdict = await check_contact(
        turn.session, sender_hash=turn.sender_hash, channel=turn.channel or "telegram",
        person=person, sender_user_id=message.from_user.id if message.from_user else None,
        contact_user_id=contact.user_id, phone=contact.phone_number,
    )  # fmt: skip
    if verdict == "not_own":
        await turn.reply("signin-contact-not-own", reply_markup=contact_keyboard(turn.l10n))
        return
    if verdict == "other_phone":
        await turn.reply("signin-contact-mismatch", reply_markup=NoKeyboard())
        return
    await turn.reply("signin-contact-ok", reply_markup=NoKeyboard())
    await identified(turn, person)


async def code_not_digits(message: Message, l10n: Texts) -> None:
    """Anything else while a code is awaited: say what is expected; nothing is lost."""
    await message.answer(
        l10n.t("signin-code-reask"), reply_markup=signin_buttons(l10n, "resend", "restart")
    )


async def code_resend(callback: CallbackQuery, turn: Turn) -> None:
    """Send a new code (earlier ones keep their 10 minutes); counts against the limits."""
    await callback.answer()
    person = await get_person(turn.session, (await turn.data()).get("pending_person_id"))
    await _request_code(turn, person)


async def code_restart(callback: CallbackQuery, state: FSMContext, l10n: Texts) -> None:
    """Give another ID number."""
    await callback.answer()
    await state.update_data(pending_person_id=None, pending_person_hash=None, code_expires=None)
    await state.set_state(Identity.id_number)
    await callback.message.answer(l10n.t("signin-ask-id"))  # type: ignore[union-attr]


async def identified(turn: Turn, person: Any) -> None:
    """Identity proven: remember who, record a consent agreed to, resume the journey."""
    data = await turn.data()
    agreed = bool(data.get("consent_agreed") and data.get("want_consent"))
    consent = (CONSENT_VERSION, consent_text(turn.l10n)[1]) if agreed else None
    family = await complete_sign_in(turn.session, person, consent=consent)
    if family is None:
        await turn.state.set_state(None)
        await turn.reply("signin-no-family", reply_markup=main_menu(turn.l10n))
        return
    after = data.get("after") or "benefits"
    await turn.state.set_state(None)
    await turn.state.update_data(
        person_id=person.id, family_id=family.id, identified_at=utcnow().isoformat(),
        consented=bool(data.get("consented")) or agreed, consent_agreed=False,
        pending_person_id=None, pending_person_hash=None, code_expires=None, after=None,
    )  # fmt: skip
    if data.get("case_notes"):  # facts told before sign-in go to the family's caseworker
        await keep_notes(turn.session, await turn.resident(), data["case_notes"])
        await turn.state.update_data(case_notes=None)
    await turn.reply("signin-done", reply_markup=NoKeyboard())
    await turn.journeys.resume(turn, after)


def make_router() -> Router:
    """The identity router: ``/assert`` in any state, the ID number, the code, a contact."""
    router = Router(name="identity")
    router.message.register(assertion_given, Command("assert"))
    router.message.register(id_number_given, Identity.id_number, F.text)
    router.message.register(code_given, Identity.code, F.text.func(sign_in_code).as_("code"))
    router.message.register(contact_shared, Identity.code, F.contact)
    router.message.register(code_not_digits, Identity.code, F.text)
    router.callback_query.register(
        code_resend, Identity.code, SignInCb.filter(F.action == "resend")
    )
    router.callback_query.register(
        code_restart, Identity.code, SignInCb.filter(F.action == "restart")
    )
    return router
