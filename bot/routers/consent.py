"""一证一书: the authorization, asked before a journey that reads department data.

Sign-in starts here (:func:`begin_sign_in`, the ``sign_in`` journey): for a journey that
reads department data (pre-check) the authorization text, versioned, is shown first; only
the button or an unambiguous 同意 (:mod:`nlu.consent_answer`) agrees. Then identity
(:mod:`bot.routers.identity`); the consent is recorded once identity is proven, for the
applicant and, as guardian, for the minors of the family.
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
from store.base import utcnow
from store.consent import consent_text


async def begin_sign_in(turn: Turn, *, after: str) -> None:
    """The ``sign_in`` journey: start the gate for journey ``after``; the consent step only
    where data is read, else the ID number (or the code already sent, while it is valid)."""
    want_consent = turn.journeys.needs_consent(after)
    data = await turn.data()
    await turn.state.update_data(after=after, want_consent=want_consent)
    if want_consent:
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
    await turn.state.update_data(consent_agreed=True)
    await turn.state.set_state(Identity.id_number)
    await turn.reply("signin-ask-id")


async def _decline(turn: Turn) -> None:
    await turn.state.set_state(None)
    await turn.state.update_data(after=None, want_consent=False)
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
    if asked_for(message.text) and (await turn.data()).get("consent_locale") != turn.locale:
        await _show_consent(turn)  # one cannot agree to a text one could not read
        return
    answer = consent_answer(message.text or "")
    if answer == "agree":
        await _agree(turn)
    elif answer == "decline":
        await _decline(turn)
    else:
        buttons = signin_buttons(turn.l10n, "agree", "decline")
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
