"""删除个人信息: a request under PIPL art. 47, recorded and answered, never a revocation.

The request goes to staff as a case (:mod:`staff.deletion`); the reply says what can and
cannot be deleted and why. Withdrawing the consent is offered as a separate choice (the
``revoke`` journey, which confirms first).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.callbacks import PrivacyCb
from bot.conversation import Turn, today
from bot.keyboards.inline import inline
from bot.keyboards.menu import main_menu
from staff.deletion import request_deletion


async def deletion_step(turn: Turn) -> None:
    """The ``deletion`` journey: record the request, say what happens, offer revoking."""
    asked = await request_deletion(turn.session, await turn.resident(), on=today())
    buttons = inline(
        turn.l10n,
        ("deletion-button-revoke", PrivacyCb(action="revoke")),
        ("deletion-button-keep", PrivacyCb(action="keep")),
    )
    await turn.reply("deletion-recorded", opened=asked.opened, number=asked.case.id,
                     days=asked.contact_days, reply_markup=buttons)  # fmt: skip


async def revoke_chosen(callback: CallbackQuery, turn: Turn) -> None:
    """撤回授权, chosen after a deletion request: the revoke journey (it confirms first)."""
    await callback.answer()
    await turn.go("revoke")


async def keep_chosen(callback: CallbackQuery, turn: Turn) -> None:
    """The consent stays: back to the menu."""
    await callback.answer()
    await turn.reply("menu-prompt", reply_markup=main_menu(turn.l10n))


def make_router() -> Router:
    """The deletion router: the two choices after a deletion request."""
    router = Router(name="deletion")
    router.callback_query.register(revoke_chosen, PrivacyCb.filter(F.action == "revoke"))
    router.callback_query.register(keep_chosen, PrivacyCb.filter(F.action == "keep"))
    return router
