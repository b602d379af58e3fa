"""The handoff lock and the messages staff left, on every update.

Innermost of the update middlewares (it needs the update's database session):

1. Messages waiting for this resident (a caseworker's reply, "a person joined", a notice
   with its documents) are shown first, in order (:func:`staff.relay.take_undelivered`).
   A "the assistant is back" message restarts the dialogue at the menu, identity kept.
2. While a caseworker holds the conversation (:func:`staff.relay.held_case`, a row in the
   database, so every worker sees it), the message goes to the case and the assistant
   says nothing: no handler runs. One exception: words of danger to life or hunger get the
   emergency numbers at once (the case turns urgent).
3. A resident whose request for a person has waited longer than ``wait`` is told the
   expected wait (the region's recent median) and, when a phone is on file, offered a
   call-back, once per case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, TelegramObject, Update
from babel.dates import format_timedelta

from bot.callbacks import HandoffCb
from bot.conversation import promised_days
from bot.keyboards.inline import inline
from bot.locale import LOCALE_KEY
from nlu.crisis import crisis_kind
from staff import relay
from templates import Texts

KEPT_ON_RETURN = ("person_id", "family_id", "identified_at", "consented", LOCALE_KEY)
"""FSM data a closed case leaves in place: who the resident proved to be, consent, and the
language they read."""


class HandoffMiddleware(BaseMiddleware):
    """See the module docstring. :param wait: how long before the wait is announced."""

    def __init__(self, wait: timedelta) -> None:
        self.wait = wait

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        session, sender_hash = data.get("session"), data.get("sender_hash")
        chat, bot = data.get("event_chat"), data.get("bot")
        if session is None or not sender_hash or chat is None or bot is None:
            return await handler(event, data)
        found = await relay.relay_state(session, sender_hash, self.wait)
        if found.quiet:  # the usual turn: one indexed read
            return await handler(event, data)
        deliveries = []
        if found.undelivered:
            deliveries = await relay.take_undelivered(session, sender_hash)
        for delivery in deliveries:
            await _show(bot, chat.id, delivery)
        state: FSMContext | None = data.get("state")
        if state is not None and any(d.reset_conversation for d in deliveries):
            await back_to_menu(state)
        held = await relay.held_case(session, sender_hash) if found.held_case_id else None
        if held is not None:
            words = _words(event)
            await relay.from_resident(session, held, words)
            crisis = crisis_kind(words)
            if crisis:  # silent for the caseworker's sake, but never about help in danger
                help_now = data["l10n"].t(f"crisis-{crisis.replace('_', '-')}")
                await bot.send_message(chat.id, help_now)
            if isinstance(event, Update) and event.callback_query is not None:
                await bot.answer_callback_query(event.callback_query.id)
            return None
        offer = None
        if found.wait_case_id is not None:
            offer = await relay.callback_offer_due(session, sender_hash, self.wait)
        if offer is not None:
            await self._offer_callback(bot, chat.id, data["l10n"], offer, session)
        return await handler(event, data)

    async def _offer_callback(self, bot: Bot, chat_id: int, l10n: Texts, case: Any,
                              session: Any) -> None:  # fmt: skip
        wait = await relay.expected_wait(session, case.region_code)
        shown = format_timedelta(wait, locale=l10n.locale) if wait else None
        can_call = await relay.reachable_by_phone(session, case)
        choices = [("handoff-button-wait", HandoffCb(action="wait", case=case.id))]
        if can_call:  # a call-back is offered only where there is a phone to call
            call_me = HandoffCb(action="callback", case=case.id)
            choices.insert(0, ("handoff-button-callback", call_me))
        text = l10n.t("handoff-wait", number=case.id, wait=shown, days=promised_days(),
                      can_call=can_call)  # fmt: skip
        buttons = inline(l10n, *choices)
        await bot.send_message(chat_id, text, reply_markup=buttons)


async def _show(bot: Bot, chat_id: int, delivery: relay.Delivery) -> None:
    await bot.send_message(chat_id, delivery.text)
    for attachment in delivery.attachments:
        await bot.send_document(chat_id, BufferedInputFile(attachment.data, attachment.filename))


async def back_to_menu(state: FSMContext) -> None:
    """The dialogue restarts at the menu, keeping :data:`KEPT_ON_RETURN` (a case closed)."""
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: data[k] for k in KEPT_ON_RETURN if k in data})


def _words(event: TelegramObject) -> str:
    """What the resident sent: the text, a caption, a button's title, or the kind of thing."""
    if not isinstance(event, Update):
        return ""
    if event.message is not None:
        m = event.message
        return m.text or m.caption or f"[{m.content_type}]"
    if event.callback_query is not None:
        return f"[button] {event.callback_query.data or ''}"
    return ""
