"""The staff group's handlers: buttons under cards, ``/close``, replies to cards.

Only updates of the configured staff group reach this router (the Telegram channel routes
them). Each handler reads the update, calls one :class:`~staff.telegram.group.StaffGroup`
action and shows its outcome: an answer (an alert for a refusal), a reply, the card edited.
Handler data: ``staff_group`` and ``board`` (the channel's Dispatcher provides them).
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, ErrorEvent, Message

from staff.telegram.board import Board
from staff.telegram.cards import TEXTS, CardCb
from staff.telegram.group import Outcome, StaffGroup

log = logging.getLogger(__name__)


def build_router() -> Router:
    """A new router of the staff group (an aiogram router has one parent: one per channel)."""
    router = Router(name="staff_group")
    router.callback_query.register(card_pressed, CardCb.filter())
    router.message.register(close_command, Command("close"))
    router.message.register(card_replied, F.reply_to_message, F.text)
    router.errors.register(failed)
    return router


async def card_pressed(
    callback: CallbackQuery, callback_data: CardCb, staff_group: StaffGroup, board: Board
) -> None:
    """接手 or 结案 under a card."""
    outcome = await staff_group.press(callback.from_user.id, callback_data.action,
                                      callback_data.case)  # fmt: skip
    await callback.answer(outcome.notice, show_alert=outcome.alert)
    if outcome.card is not None and callback.message is not None:
        await board.show(callback.message.message_id, outcome.card)


async def close_command(
    message: Message, command: CommandObject, staff_group: StaffGroup, board: Board
) -> None:
    """``/close [resolution]``, in reply to a card."""
    card = message.reply_to_message
    outcome = await staff_group.close(message.from_user.id if message.from_user else 0,
                                      card.message_id if card else None, command.args)  # fmt: skip
    await _show(message, outcome, board)


async def card_replied(message: Message, staff_group: StaffGroup, board: Board) -> None:
    """A reply to a card: the assignee's words go to the resident."""
    if message.from_user is None or message.reply_to_message is None:
        return
    outcome = await staff_group.reply(message.from_user.id, message.reply_to_message.message_id,
                                      message.text or "")  # fmt: skip
    await _show(message, outcome, board)


async def failed(event: ErrorEvent, board: Board) -> None:
    """Anything unexpected: logged by type (never the text), and the group told."""
    log.error("staff group update %s failed: %s", event.update.update_id,
              type(event.exception).__name__, exc_info=event.exception)  # fmt: skip
    update = event.update
    query, message = update.callback_query, update.message
    if query is not None and query.message is not None and query.message.chat.id == board.chat_id:
        await query.answer(TEXTS.t("group-error"), show_alert=True)
    elif message is not None and message.chat.id == board.chat_id:
        await message.reply(TEXTS.t("group-error"))


async def _show(message: Message, outcome: Outcome, board: Board) -> None:
    if outcome.notice:
        await board.reply(message.message_id, outcome.notice)
    if outcome.card is not None and outcome.card_id:
        await board.show(outcome.card_id, outcome.card)
