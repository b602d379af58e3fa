"""撤回授权: withdrawing consent at any time (PIPL art. 15), confirmed first.

The person's own consents and those they gave as guardian are revoked; from then on every
department read for them is refused (and audited as refused).
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy import select

from bot.callbacks import RevokeCb
from bot.conversation import Turn, continue_as_known, target
from bot.keyboards.inline import inline
from bot.keyboards.menu import main_menu
from bot.states import Revoke
from store.consent import revoke_consents
from store.models import Consent

router = Router(name="revoke")


@target("revoke")
async def revoke_step(turn: Turn) -> None:
    """Ask for confirmation."""
    await turn.state.set_state(Revoke.confirm)
    buttons = inline(
        turn.l10n,
        ("revoke-button-yes", RevokeCb(action="yes")),
        ("revoke-button-no", RevokeCb(action="no")),
    )
    await turn.reply("revoke-confirm", reply_markup=buttons)


@router.message(Command("revoke"))
async def cmd_revoke(message: Message, **data: Any) -> None:
    """``/revoke``: the same as saying 撤回授权."""
    await continue_as_known(Turn.of(message, data), "revoke")


@router.callback_query(Revoke.confirm, RevokeCb.filter(F.action == "yes"))
async def revoke_confirmed(callback: CallbackQuery, **data: Any) -> None:
    """Revoke the person's consents and the guardian consents they gave."""
    await callback.answer()
    await _revoke(Turn.of(callback.message, data))


async def _revoke(turn: Turn) -> None:
    person_id, _ = await turn.person()  # type: ignore[misc]
    wards = await turn.session.scalars(
        select(Consent.person_id).where(Consent.guardian_person_id == person_id)
    )
    count = await revoke_consents(turn.session, [person_id, *set(wards)])
    await turn.state.set_state(None)
    await turn.state.update_data(consented=False)
    await turn.reply("revoke-done", count=count, reply_markup=main_menu(turn.l10n))


@router.message(Revoke.confirm, F.text)
async def revoke_answer_typed(message: Message, **data: Any) -> None:
    """A typed answer to the confirmation: yes revokes, anything else keeps the consent."""
    turn = Turn.of(message, data)
    parsed = await turn.nlu.parse(message.text or "")  # type: ignore[union-attr]
    if parsed.intent_name in ("affirm", "revoke_consent"):
        await _revoke(turn)
    else:
        await turn.state.set_state(None)
        await turn.reply("revoke-kept", reply_markup=main_menu(turn.l10n))


@router.callback_query(RevokeCb.filter(F.action == "no"))
async def revoke_kept(callback: CallbackQuery, **data: Any) -> None:
    """Keep the consent."""
    await callback.answer()
    turn = Turn.of(callback.message, data)
    await turn.state.set_state(None)
    await turn.reply("revoke-kept", reply_markup=main_menu(turn.l10n))
