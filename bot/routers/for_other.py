"""Someone else's case: "帮我妈申请特困" runs for the mother, on her own consent.

Department data is read on the consent of the person it is about (PIPL art. 13, 14); only a
parent consents for a minor (``store.consent.GUARDIANS``), and other guardianships (an adult
without capacity) are recorded at the office, not in the chat. So a request on another
adult's behalf says what is needed and offers that person's own sign-in (the conversation
is signed out first: their code goes to their phone); a request for one's child goes on
with the parent's own sign-in, which consents for the minors of the family.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import ForOtherCb, MenuAction, MenuCb
from bot.conversation import Turn
from bot.locale import clear_keeping_locale
from nlu.relatives import Relative

JOURNEYS = ("precheck", "benefits", "status")
"""The journeys that read one family's data, so may be asked for someone else."""


def _buttons(turn: Turn, relative: Relative, journey: str, who: str) -> InlineKeyboardMarkup:
    kind = "for-child" if relative.relation == "child" else "for-other"
    them = turn.l10n.t(f"{kind}-button-them", who=who)
    builder = InlineKeyboardBuilder()
    if relative.relation == "child":  # the parent's own sign-in covers the minor
        mine = ForOtherCb(action="mine", journey=journey)
        builder.button(text=turn.l10n.t("for-child-button-mine"), callback_data=mine)
    builder.button(text=them, callback_data=ForOtherCb(action="them", journey=journey))
    if relative.relation != "child":
        mine = ForOtherCb(action="mine", journey=journey)
        builder.button(text=turn.l10n.t("for-other-button-mine"), callback_data=mine)
    builder.button(text=turn.l10n.t("menu-human"), callback_data=MenuCb(action=MenuAction.human))
    builder.adjust(1)
    return builder.as_markup()


async def for_other_step(turn: Turn, *, relative: Relative, wanted: str) -> None:
    """The ``for_other`` journey: say whose consent journey ``wanted`` for ``relative``
    needs."""
    who = turn.l10n.t(f"relative-{relative.label.replace('_', '-')}")
    kind = "for-child" if relative.relation == "child" else "for-other"
    await turn.reply(kind, who=who, reply_markup=_buttons(turn, relative, wanted, who))


async def chosen(callback: CallbackQuery, callback_data: ForOtherCb, turn: Turn) -> None:
    """``them``: sign out, so the person it is about signs in and consents; ``mine``: the
    journey for the sender's own family."""
    await callback.answer()
    journey = callback_data.journey if callback_data.journey in JOURNEYS else "precheck"
    if callback_data.action == "them":
        await clear_keeping_locale(turn.state)
    await turn.go(journey)


def make_router() -> Router:
    """The for-other router: its two choices."""
    router = Router(name="for_other")
    router.callback_query.register(chosen, ForOtherCb.filter(F.action.in_({"them", "mine"})))
    return router
