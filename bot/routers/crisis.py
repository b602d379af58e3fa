"""Danger to life or no food: answered before anything else, in any state.

The reply gives emergency numbers and a person at once (an urgent case), and for hunger
says that temporary assistance (临时救助, 急难型) can be paid first and documented after
(RULES.md: 临时救助 [V]). The flow the person was in is left as it was.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.types import Message

from bot.conversation import Turn
from bot.routers.handoff import hand_over
from nlu.crisis import crisis_kind
from staff.cases import describe

router = Router(name="crisis")


@router.message(F.text.func(crisis_kind).as_("crisis"))
async def crisis_message(message: Message, crisis: str, **data: Any) -> None:
    """Help now: the numbers to call and an urgent case for a caseworker."""
    turn = Turn.of(message, data)
    await turn.reply(f"crisis-{crisis.replace('_', '-')}")
    await hand_over(turn, kind="crisis", reason=describe("crisis", locale=turn.locale,
                                                                crisis=crisis))
