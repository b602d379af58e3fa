"""Main-menu choices: each starts its journey (signing in first where data is personal)."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.callbacks import MenuAction, MenuCb
from bot.conversation import Turn, continue_as_known
from bot.routers.handoff import hand_over
from bot.routers.policy import answer_policy

router = Router(name="menu")

JOURNEYS = {
    MenuAction.benefits: "benefits",
    MenuAction.apply: "precheck",
    MenuAction.status: "status",
    MenuAction.change: "change",
}
"""Menu choices that need the person to be known, and the journey each starts."""


@router.callback_query(MenuCb.filter())
async def menu_chosen(callback: CallbackQuery, callback_data: MenuCb, **data: Any) -> None:
    """One of the six menu buttons; leaves whatever flow was waiting."""
    await callback.answer()
    turn = Turn.of(callback.message, data)
    await turn.state.set_state(None)
    await turn.state.update_data(misunderstood=0)
    if callback_data.action == MenuAction.policy:
        await answer_policy(turn)
    elif callback_data.action == MenuAction.human:
        await hand_over(turn)
    else:
        await continue_as_known(turn, JOURNEYS[callback_data.action])
