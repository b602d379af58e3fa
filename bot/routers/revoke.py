"""撤回授权: withdrawing consent at any time (PIPL art. 15), confirmed first.

The person's own consents and those they gave as guardian are revoked; from then on every
department read for them is refused (and audited as refused).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import RevokeCb
from bot.conversation import Turn
from bot.keyboards.inline import inline
from bot.keyboards.menu import main_menu
from bot.states import Revoke
from store.consent import revoke_with_wards


async def revoke_step(turn: Turn) -> None:
    """The ``revoke`` journey: ask for confirmation."""
    await turn.state.set_state(Revoke.confirm)
    buttons = inline(
        turn.l10n,
        ("revoke-button-yes", RevokeCb(action="yes")),
        ("revoke-button-no", RevokeCb(action="no")),
    )
    await turn.reply("revoke-confirm", reply_markup=buttons)


async def cmd_revoke(message: Message, turn: Turn) -> None:
    """``/revoke``: the same as saying 撤回授权."""
    await turn.go("revoke")


async def revoke_confirmed(callback: CallbackQuery, turn: Turn) -> None:
    """Revoke the person's consents and the guardian consents they gave."""
    await callback.answer()
    await _revoke(turn)


async def _revoke(turn: Turn) -> None:
    person_id, _ = await turn.person()  # type: ignore[misc]
    count = await revoke_with_wards(turn.session, person_id)
    await turn.state.set_state(None)
    await turn.state.update_data(consented=False)
    await turn.reply("revoke-done", count=count, reply_markup=main_menu(turn.l10n))


async def revoke_answer_typed(message: Message, turn: Turn) -> None:
    """A typed answer to the confirmation: yes revokes, anything else keeps the consent."""
    parsed = await turn.nlu.parse(message.text or "")  # type: ignore[union-attr]
    if parsed.intent_name in ("affirm", "revoke_consent"):
        await _revoke(turn)
    else:
        await turn.state.set_state(None)
        await turn.reply("revoke-kept", reply_markup=main_menu(turn.l10n))


async def revoke_kept(callback: CallbackQuery, turn: Turn) -> None:
    """Keep the consent."""
    await callback.answer()
    await turn.state.set_state(None)
    await turn.reply("revoke-kept", reply_markup=main_menu(turn.l10n))


def make_router() -> Router:
    """The revoke router: ``/revoke``, the confirmation's buttons and a typed answer."""
    router = Router(name="revoke")
    router.message.register(cmd_revoke, Command("revoke"))
    router.callback_query.register(
        revoke_confirmed, Revoke.confirm, RevokeCb.filter(F.action == "yes")
    )
    router.message.register(revoke_answer_typed, Revoke.confirm, F.text)
    router.callback_query.register(revoke_kept, RevokeCb.filter(F.action == "no"))
    return router
