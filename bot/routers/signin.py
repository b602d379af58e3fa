"""一证一书 and identity: the gate before any personal data.

1. (pre-check only) the authorization text, versioned; only the button or an unambiguous
   同意 (:mod:`nlu.consent_answer`) agrees;
2. the ID number, checked (GB 11643-1999) — a typo gets a re-prompt saying what is wrong;
   a valid number always gets the same answer, whether the person is on file or not;
3. a one-time code to the phone on file (demo mode shows it, labelled), or a Telegram
   contact that matches, or a partner's signed assertion (``/assert <token>``).

Requests and wrong codes are limited per sender, per person, per channel and overall
(:mod:`store.identity`); a lockout names the other ways in. Only after step 3 does the
conversation hold ``person_id``; the consent is recorded then, for the applicant and, as
guardian, for the minors of the family.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiogram.types import ReplyKeyboardRemove as NoKeyboard

from bot.callbacks import SignInCb
from bot.conversation import NEEDS_CONSENT, TARGETS, Turn
from bot.keyboards.inline import inline
from bot.keyboards.menu import main_menu
from bot.states import SignIn
from eligibility.precheck import load_family
from nlu.consent_answer import consent_answer
from store.base import utcnow
from store.consent import CONSENT_VERSION, consent_text, grant_with_minors
from store.identity import (
    CODE_DIGITS,
    CODE_TTL,
    TooManyAttempts,
    check_code,
    check_contact,
    find_person,
    record_attempt,
    request_code,
    verify_assertion,
)
from store.models import Person
from store.pii import InvalidIdNumber, find_id_number, parse_id_number
from templates import Texts

router = Router(name="signin")

def _buttons(l10n: Texts, *actions: str) -> InlineKeyboardMarkup:
    return inline(l10n, *((f"signin-button-{a}", SignInCb(action=a)) for a in actions))


async def begin_sign_in(turn: Turn, *, after: str) -> None:
    """Start the gate for journey ``after``; the consent step only where data is read."""
    want_consent = after in NEEDS_CONSENT
    data = await turn.data()
    await turn.state.update_data(after=after, want_consent=want_consent)
    if want_consent:
        text, _ = consent_text(turn.l10n)
        await turn.state.set_state(SignIn.consent)
        await turn.message.answer(text, reply_markup=_buttons(turn.l10n, "agree", "decline"))
    elif data.get("code_expires") and datetime.fromisoformat(data["code_expires"]) > utcnow():
        await turn.state.set_state(SignIn.code)
        await turn.reply("signin-code-still-waiting")
    else:
        await turn.state.set_state(SignIn.id_number)
        await turn.reply("signin-ask-id-privacy")


# --- a partner's assertion works in any state, so it is tried first -------------------


@router.message(Command("assert"))
async def assertion_given(message: Message, command: CommandObject, **data: Any) -> None:
    """A partner app's signed identity assertion: ``/assert <token>`` (see store.identity)."""
    turn = Turn.of(message, data)
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


# --- 1. the authorization -------------------------------------------------------------


async def _agree(turn: Turn) -> None:
    await turn.state.update_data(consent_agreed=True)
    await turn.state.set_state(SignIn.id_number)
    await turn.reply("signin-ask-id")


async def _decline(turn: Turn) -> None:
    await turn.state.set_state(None)
    await turn.state.update_data(after=None, want_consent=False)
    await turn.reply("signin-declined", reply_markup=main_menu(turn.l10n))


@router.callback_query(SignIn.consent, SignInCb.filter(F.action == "agree"))
async def consent_agreed(callback: CallbackQuery, **data: Any) -> None:
    """同意: ask for the ID number (the consent is recorded once identity is proven)."""
    await callback.answer()
    await _agree(Turn.of(callback.message, data))


@router.callback_query(SignIn.consent, SignInCb.filter(F.action == "decline"))
async def consent_declined(callback: CallbackQuery, **data: Any) -> None:
    """不同意: nothing is checked; say what else is possible."""
    await callback.answer()
    await _decline(Turn.of(callback.message, data))


@router.message(SignIn.consent, F.text)
async def consent_answer_typed(message: Message, **data: Any) -> None:
    """A typed answer: only an explicit 同意 agrees and a plain 不同意 declines
    (:func:`consent_answer`); anything else re-asks, saying what is expected."""
    turn = Turn.of(message, data)
    answer = consent_answer(message.text or "")
    if answer == "agree":
        await _agree(turn)
    elif answer == "decline":
        await _decline(turn)
    else:
        buttons = _buttons(turn.l10n, "agree", "decline")
        await turn.reply("signin-consent-reask", reply_markup=buttons)


# --- 2. the ID number -------------------------------------------------------------------


@router.message(SignIn.id_number, F.text)
async def id_number_given(message: Message, **data: Any) -> None:
    """Check the number; send a code if the person is on file with a phone (one answer)."""
    turn = Turn.of(message, data)
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
    # Words instead of a number: a person asking for help is helped; anything else re-asks.
    parsed = await turn.nlu.parse(text)  # type: ignore[union-attr]
    if parsed.intent_name in ("ask_human", "complain"):
        from bot.routers.handoff import hand_over

        await hand_over(turn, kind="complaint" if parsed.intent_name == "complain" else "handoff")
        return
    await turn.reply("signin-id-reask")


async def _too_many(turn: Turn, e: TooManyAttempts) -> None:
    minutes = max(1, int((e.retry_after - utcnow()).total_seconds() // 60) + 1)
    await turn.reply("signin-too-many", minutes=minutes, other_ways=_other_ways(turn),
                     reply_markup=main_menu(turn.l10n))  # fmt: skip


def _other_ways(turn: Turn) -> str:
    return turn.l10n.t("signin-other-ways", telegram=turn.on_telegram)


async def _request_code(turn: Turn, person: Person | None) -> None:
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
    await turn.state.set_state(SignIn.code)
    buttons = _buttons(turn.l10n, "resend", "restart")
    await turn.reply("signin-code-sent", minutes=minutes, reply_markup=buttons)
    if turn.settings.demo and sent.code is not None:
        await turn.reply("signin-demo-code", code=sent.code)
    if turn.on_telegram:
        await turn.reply("signin-contact-hint", reply_markup=_contact_keyboard(turn.l10n))


async def _offer_contact(turn: Turn, person: Person | None) -> None:
    """Wait for a contact proving ``person``'s phone (a code already sent still works)."""
    person_id = person.id if person else None
    if (await turn.data()).get("pending_person_id") != person_id:
        # Another ID number: no code of this conversation was sent to them.
        await turn.state.update_data(pending_person_id=person_id, pending_person_hash=None,
                                     code_expires=None)  # fmt: skip
    await turn.state.set_state(SignIn.code)
    await turn.reply("signin-contact-hint", reply_markup=_contact_keyboard(turn.l10n))


def code_in(text: str) -> str | None:
    """The 6-digit code in a message: full-width, spaced (``982 519``), in words
    (``验证码系734167``) or in Chinese digits (``零零三五一二``); None when there is none."""
    plain = unicodedata.normalize("NFKC", text).translate(_CHINESE_DIGITS)
    runs = re.findall(r"\d[\d ]*\d|\d", plain)
    codes = [run.replace(" ", "") for run in runs if len(run.replace(" ", "")) == CODE_DIGITS]
    return codes[0] if len(codes) == 1 and len(runs) == 1 else None


_CHINESE_DIGITS = str.maketrans("零〇一二三四五六七八九", "00123456789")


def _contact_keyboard(l10n: Texts) -> ReplyKeyboardMarkup:
    share = KeyboardButton(text=l10n.t("signin-button-contact"), request_contact=True)
    return ReplyKeyboardMarkup(keyboard=[[share]], resize_keyboard=True, one_time_keyboard=True)


# --- 3. the code or a contact --------------------------------------------------------------


@router.message(SignIn.code, F.text.func(code_in).as_("code"))
async def code_given(message: Message, code: str, **data: Any) -> None:
    """A code: right → identity proven; wrong or expired → say so and how many tries remain.

    The reply to a wrong code is the same whether a code was sent or not.
    """
    turn = Turn.of(message, data)
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
        person = await turn.session.get(Person, int(state["pending_person_id"]))
        await identified(turn, person)
        return
    expired = verdict == "expired" or not expires or datetime.fromisoformat(expires) < utcnow()
    key = "signin-code-expired" if expired else "signin-code-wrong"
    buttons = _buttons(turn.l10n, "resend", "restart") if left > 0 else main_menu(turn.l10n)
    await turn.reply(key, left=left, other_ways=_other_ways(turn), reply_markup=buttons)


@router.message(SignIn.code, F.contact)
async def contact_shared(message: Message, **data: Any) -> None:
    """Telegram: the person's own contact whose number is the phone on file signs in without
    a code; someone else's contact is refused politely (:func:`store.identity.check_contact`)."""
    turn = Turn.of(message, data)
    state = await turn.data()
    pending = state.get("pending_person_id")
    person = await turn.session.get(Person, int(pending)) if pending else None
    contact = message.contact
    assert contact is not None  # the filter
    verdict = await check_contact(
        turn.session, sender_hash=turn.sender_hash, channel=turn.channel or "telegram",
        person=person, sender_user_id=message.from_user.id if message.from_user else None,
        contact_user_id=contact.user_id, phone=contact.phone_number,
    )  # fmt: skip
    if verdict == "not_own":
        await turn.reply("signin-contact-not-own", reply_markup=_contact_keyboard(turn.l10n))
        return
    if verdict == "other_phone":
        await turn.reply("signin-contact-mismatch", reply_markup=NoKeyboard())
        return
    await turn.reply("signin-contact-ok", reply_markup=NoKeyboard())
    await identified(turn, person)


@router.message(SignIn.code, F.text)
async def code_not_digits(message: Message, l10n: Texts) -> None:
    """Anything else while a code is awaited: say what is expected; nothing is lost."""
    await message.answer(
        l10n.t("signin-code-reask"), reply_markup=_buttons(l10n, "resend", "restart")
    )


@router.callback_query(SignIn.code, SignInCb.filter(F.action == "resend"))
async def code_resend(callback: CallbackQuery, **data: Any) -> None:
    """Send a new code (earlier ones keep their 10 minutes); counts against the limits."""
    await callback.answer()
    turn = Turn.of(callback.message, data)
    pending = (await turn.data()).get("pending_person_id")
    person = await turn.session.get(Person, int(pending)) if pending else None
    await _request_code(turn, person)


@router.callback_query(SignIn.code, SignInCb.filter(F.action == "restart"))
async def code_restart(callback: CallbackQuery, state: FSMContext, l10n: Texts) -> None:
    """Give another ID number."""
    await callback.answer()
    await state.update_data(pending_person_id=None, pending_person_hash=None, code_expires=None)
    await state.set_state(SignIn.id_number)
    await callback.message.answer(l10n.t("signin-ask-id"))


async def identified(turn: Turn, person: Person) -> None:
    """Identity proven: remember who, record a consent agreed to, continue the journey."""
    await turn.session.refresh(person, ["membership"])
    if person.membership is None:
        await turn.state.set_state(None)
        await turn.reply("signin-no-family", reply_markup=main_menu(turn.l10n))
        return
    family = await load_family(turn.session, person.membership.family_id)
    data = await turn.data()
    consented = bool(data.get("consented"))
    if data.get("consent_agreed") and data.get("want_consent"):
        _, digest = consent_text(turn.l10n)
        await grant_with_minors(
            turn.session, person, family, text_version=CONSENT_VERSION, text_sha256=digest,
            channel="chat",
        )  # fmt: skip
        consented = True
    after = data.get("after") or "benefits"
    await turn.state.set_state(None)
    await turn.state.update_data(
        person_id=person.id, family_id=family.id, identified_at=utcnow().isoformat(),
        consented=consented, consent_agreed=False,
        pending_person_id=None, pending_person_hash=None, code_expires=None, after=None,
    )  # fmt: skip
    await turn.reply("signin-done", reply_markup=NoKeyboard())
    await TARGETS[after](turn)
