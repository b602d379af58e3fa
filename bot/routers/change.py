"""报告变化: a life event is recorded for the family and a re-check offered.

A report is a reason to look again, never a decision: benefits change only after staff
verify (社会救助暂行办法; 审核确认办法 on dynamic management).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.callbacks import ChangeCb, MenuAction, MenuCb
from bot.conversation import Turn
from bot.keyboards.inline import inline
from bot.states import Change
from nlu import FALLBACK_INTENT
from staff.changes import LIFE_EVENTS, NOTE_LIMIT, report_change
from store.pii import mask_text

NOTE_SHOWN = 60
"""Notes up to this long are repeated back, so the person sees what was recorded."""


async def change_step(turn: Turn) -> None:
    """The ``change`` journey: ask which life event happened (or record it at once when it
    was already named)."""
    data = await turn.data()
    event = data.get("life_event")
    if event in LIFE_EVENTS:
        await record_change(turn, event, data.get("change_note"))
        return
    await turn.state.set_state(Change.event)
    buttons = inline(
        turn.l10n, *((f"event-{e.replace('_', '-')}", ChangeCb(event=e)) for e in LIFE_EVENTS)
    )
    await turn.reply("change-ask", reply_markup=buttons)


async def record_change(turn: Turn, event: str, note: str | None = None) -> None:
    """Store the event and the person's own words, open a case, offer a new pre-check."""
    await report_change(turn.session, await turn.resident(), event, note)
    note = mask_text(note)[:NOTE_LIMIT] if note else None
    await turn.state.set_state(None)
    await turn.state.update_data(life_event=None, change_note=None)
    buttons = inline(turn.l10n, ("change-button-recheck", MenuCb(action=MenuAction.apply)))
    event_text = turn.l10n.t(f"event-{event.replace('_', '-')}")
    shown = note if note and len(note) <= NOTE_SHOWN else None
    await turn.reply(
        "change-recorded", event=event_text, event_code=event, note=shown, reply_markup=buttons
    )


async def event_typed(message: Message, turn: Turn) -> None:
    """A typed life event ("我失业了"): the NLU's ``life_event``, else ask again."""
    parsed = await turn.nlu.parse(message.text or "")  # type: ignore[union-attr]
    event = parsed.entity("life_event")
    if event in LIFE_EVENTS:
        await record_change(turn, event, message.text)
        return
    if parsed.intent_name not in ("report_change", "inform", FALLBACK_INTENT):
        # Another request ("撤回授权", "转人工"...) leaves this question for that one.
        await turn.state.set_state(None)
        await turn.go("free_text", parsed=parsed)
        return
    await change_step(turn)


async def event_chosen(callback: CallbackQuery, callback_data: ChangeCb, turn: Turn) -> None:
    """A life-event button."""
    await callback.answer()
    if callback_data.event not in LIFE_EVENTS:
        await turn.reply("not-understood")
        return
    await turn.state.update_data(life_event=callback_data.event)
    await turn.go("change")


def make_router() -> Router:
    """The change router: a typed life event while asked, and the life-event buttons."""
    router = Router(name="change")
    router.message.register(event_typed, Change.event, F.text)
    router.callback_query.register(event_chosen, ChangeCb.filter())
    return router
