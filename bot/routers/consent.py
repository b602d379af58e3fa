"""一证一书: the authorization, asked before a journey that reads department data.

Sign-in starts here (:func:`begin_sign_in`, the ``sign_in`` journey): for a journey that
reads department data (pre-check) the authorization text, versioned, is shown first; only
the button or an unambiguous 同意 (:mod:`nlu.consent_answer`) agrees. Then identity
(:mod:`bot.routers.identity`); the consent is recorded once identity is proven, for the
applicant and, as guardian, for the minors of the family.

A consent on record (valid, to the current text) is not asked for again: a signed-in person
who has one goes on at once, and a sender whose last signed-in person has one is asked the
ID number first (a different person then sees the authorization after signing in). While
the authorization waits, a policy question is answered and a fact ("第二套房是我爸留下的祖屋")
kept for the caseworker, and the authorization is asked again; after a refusal, agreeing
after all ("我想了想，还是同意吧") shows it again.
"""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.callbacks import SignInCb
from bot.conversation import Turn
from bot.keyboards.menu import main_menu
from bot.keyboards.signin import signin_buttons
from bot.locale import asked_for
from bot.states import Consent, Identity
from nlu.consent_answer import consent_answer
from nlu.lexicons import policy_topic
from staff.changes import NOTE_LIMIT, keep_notes
from store.base import utcnow
from store.consent import CONSENT_VERSION, consent_known, consent_text
from store.identity import consent_signed_in
from store.pii import mask_text

NOTE_SHOWN = 60
"""Facts up to this long are repeated back, so the person sees what was kept."""


async def begin_sign_in(turn: Turn, *, after: str) -> None:
    """The ``sign_in`` journey: start the gate for journey ``after``; the consent step only
    where data is read, else the ID number (or the code already sent, while it is valid)."""
    want_consent = turn.journeys.needs_consent(after)
    data = await turn.data()
    await turn.state.update_data(after=after, want_consent=want_consent, declined=None)
    known = await turn.person()
    on_record = (
        await consent_known(turn.session, known[0] if known else None, turn.sender_hash)
        if want_consent
        else None
    )
    if on_record == "person":
        await turn.state.update_data(consented=True, after=None, want_consent=False)
        await turn.journeys.resume(turn, after)
    elif on_record == "sender":
        await turn.state.set_state(Identity.id_number)
        await turn.reply("signin-ask-id-consent-on-record")
    elif want_consent:
        await turn.state.set_state(Consent.asked)
        await _show_consent(turn)
    elif data.get("code_expires") and datetime.fromisoformat(data["code_expires"]) > utcnow():
        await turn.state.set_state(Identity.code)
        await turn.reply("signin-code-still-waiting")
    else:
        await turn.state.set_state(Identity.id_number)
        await turn.reply("signin-ask-id-privacy")


async def _show_consent(turn: Turn) -> None:
    text, _ = consent_text(turn.l10n)
    await turn.state.update_data(consent_locale=turn.locale)
    await turn.message.answer(text, reply_markup=signin_buttons(turn.l10n, "agree", "decline"))


async def _agree(turn: Turn) -> None:
    known = await turn.person()
    if known is not None:  # signed in already: record the consent and go on
        after = (await turn.data()).get("after") or "precheck"
        await consent_signed_in(
            turn.session, known[0], (CONSENT_VERSION, consent_text(turn.l10n)[1])
        )
        await turn.state.set_state(None)
        await turn.state.update_data(consented=True, after=None, want_consent=False)
        await turn.journeys.resume(turn, after)
        return
    await turn.state.update_data(consent_agreed=True)
    await turn.state.set_state(Identity.id_number)
    await turn.reply("signin-ask-id")


async def _decline(turn: Turn) -> None:
    # ``declined`` remembers the journey, so "还是同意吧" later shows the authorization again.
    after = (await turn.data()).get("after")
    await turn.state.set_state(None)
    await turn.state.update_data(after=None, want_consent=False, declined=after)
    await turn.reply("signin-declined", reply_markup=main_menu(turn.l10n))


async def consent_agreed(callback: CallbackQuery, turn: Turn) -> None:
    """同意: ask for the ID number (the consent is recorded once identity is proven)."""
    await callback.answer()
    await _agree(turn)


async def consent_declined(callback: CallbackQuery, turn: Turn) -> None:
    """不同意: nothing is checked; say what else is possible."""
    await callback.answer()
    await _decline(turn)


async def consent_answer_typed(message: Message, turn: Turn) -> None:
    """A typed answer: only an explicit 同意 agrees and a plain 不同意 declines
    (:func:`consent_answer`); anything else re-asks, saying what is expected. A language
    asked for (``I do not speak Chinese``) shows the whole authorization again in it."""
    text = message.text or ""
    if asked_for(text) and (await turn.data()).get("consent_locale") != turn.locale:
        await _show_consent(turn)  # one cannot agree to a text one could not read
        return
    answer = consent_answer(text)
    if answer == "agree":
        await _agree(turn)
        return
    if answer == "decline":
        await _decline(turn)
        return
    buttons = signin_buttons(turn.l10n, "agree", "decline")
    parsed = await turn.nlu.parse(text)  # type: ignore[union-attr]
    if parsed.intent_name == "ask_policy":  # answered; the authorization waits
        await turn.go("policy", region=parsed.entity("region"), program=parsed.entity("program"),
                      topic=policy_topic(text))  # fmt: skip
        await turn.reply("signin-consent-back", reply_markup=buttons)
    elif parsed.intent_name == "inform":  # a fact for the case, kept for the caseworker
        note = mask_text(text)[:NOTE_LIMIT]
        if await turn.person() is not None:
            await keep_notes(turn.session, await turn.resident(), [note])
        else:  # written to the case once identity is proven (bot.routers.identity)
            notes = [*((await turn.data()).get("case_notes") or []), note]
            await turn.state.update_data(case_notes=notes)
        shown = note if len(note) <= NOTE_SHOWN else None
        await turn.reply("signin-fact-kept", note=shown, reply_markup=buttons)
    else:
        await turn.reply("signin-consent-reask", reply_markup=buttons)


def make_router() -> Router:
    """The consent router: the authorization's two buttons and a typed answer."""
    router = Router(name="consent")
    router.callback_query.register(
        consent_agreed, Consent.asked, SignInCb.filter(F.action == "agree")
    )
    router.callback_query.register(
        consent_declined, Consent.asked, SignInCb.filter(F.action == "decline")
    )
    router.message.register(consent_answer_typed, Consent.asked, F.text)
    return router
