"""Danger to life or no food: answered before anything else, in any state.

The reply gives emergency numbers and a person at once (an urgent case), and for hunger
says that temporary assistance (临时救助, 急难型) can be paid first and documented after
(RULES.md: 临时救助 [V]). The flow the person was in is left as it was.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from bot.conversation import Turn
from nlu.crisis import crisis_kind
from staff.cases import describe


async def crisis_message(message: Message, crisis: str, turn: Turn) -> None:
    """Help now: the numbers to call and an urgent case for a caseworker."""
    await turn.reply(f"crisis-{crisis.replace('_', '-')}")
    reason = describe("crisis", locale=turn.locale, crisis=crisis)
    await turn.go("handoff", kind="crisis", reason=reason)


def make_router() -> Router:
    """The crisis router: any message the crisis words match (:func:`nlu.crisis.crisis_kind`)."""
    router = Router(name="crisis")
    router.message.register(crisis_message, F.text.func(crisis_kind).as_("crisis"))
    return router
