"""Main-menu choices: each starts its journey (signing in first where data is personal)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.callbacks import MenuAction, MenuCb
from bot.conversation import Turn

JOURNEYS = {
    MenuAction.benefits: "benefits",
    MenuAction.apply: "precheck",
    MenuAction.status: "status",
    MenuAction.change: "change",
    MenuAction.policy: "policy",
    MenuAction.human: "handoff",
}
"""Menu choice → the journey it starts (the journey map says which need a known person)."""


async def menu_chosen(callback: CallbackQuery, callback_data: MenuCb, turn: Turn) -> None:
    """One of the six menu buttons; leaves whatever flow was waiting."""
    await callback.answer()
    await turn.state.set_state(None)
    await turn.state.update_data(misunderstood=0)
    await turn.go(JOURNEYS[callback_data.action])


def make_router() -> Router:
    """The menu router: the six main-menu buttons."""
    router = Router(name="menu")
    router.callback_query.register(menu_chosen, MenuCb.filter())
    return router
