"""报告变化: a life event is recorded for the family and a re-check offered.

A report is a reason to look again, never a decision: benefits change only after staff
verify (社会救助暂行办法; 审核确认办法 on dynamic management). A report naming someone not
registered in the family (老公 where no spouse is) is asked about before it is recorded.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.callbacks import ChangeCb, MenuAction, MenuCb, NamedCb
from bot.conversation import Turn
from bot.keyboards.inline import inline
from bot.states import Change
from eligibility.people import may_be_member, relation_text, relations_from
from eligibility.precheck import load_family
from nlu import FALLBACK_INTENT
from nlu.relatives import named_relative
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
        await record_unless_absent(turn, event, data.get("change_note"))
        return
    await turn.state.set_state(Change.event)
    buttons = inline(
        turn.l10n, *((f"event-{e.replace('_', '-')}", ChangeCb(event=e)) for e in LIFE_EVENTS)
    )
    await turn.reply("change-ask", reply_markup=buttons)


async def record_unless_absent(turn: Turn, event: str, note: str | None) -> None:
    """Record the change, unless the words name a family member who is not registered in
    the family ("我老公没工作了" where no spouse is): then ask about that person first."""
    named = named_relative(note or "")
    if named is None:
        await record_change(turn, event, note)
        return
    person_id, family_id = await turn.person()  # type: ignore[misc]
    seen = relations_from(await load_family(turn.session, family_id), person_id)
    if may_be_member(seen, named.relation):
        await record_change(turn, event, note)
        return
    await turn.state.update_data(life_event=event, change_note=note)
    await turn.state.set_state(Change.named)
    buttons = inline(
        turn.l10n,
        ("change-button-member", NamedCb(action="member")),
        ("change-button-not-member", NamedCb(action="not")),
    )
    others = dict.fromkeys(relation_text(turn.l10n, r) for i, r in seen.items() if i != person_id)
    who = turn.l10n.t(f"relative-{named.label.replace('_', '-')}")
    relation = relation_text(turn.l10n, named.relation)
    await turn.reply(
        "change-named-absent", who=who, relation=relation, members=list(others),
        reply_markup=buttons,
    )  # fmt: skip


async def named_answered(callback: CallbackQuery, callback_data: NamedCb, turn: Turn) -> None:
    """``member``: the person named is family, record the change as told; ``not``: ask
    again which change it is."""
    await callback.answer()
    await _named_is_member(turn, callback_data.action == "member")


async def named_typed(message: Message, turn: Turn) -> None:
    """A typed answer to "is this person family?": yes or no, else a change told again."""
    parsed = await turn.nlu.parse(message.text or "")  # type: ignore[union-attr]
    if parsed.intent_name in ("affirm", "deny"):
        await _named_is_member(turn, parsed.intent_name == "affirm")
        return
    await event_typed(message, turn)


async def _named_is_member(turn: Turn, member: bool) -> None:
    data = await turn.data()
    event = data.get("life_event")
    if member and event in LIFE_EVENTS:
        await record_change(turn, event, data.get("change_note"))
        return
    await turn.state.update_data(life_event=None, change_note=None)
    await change_step(turn)


async def record_change(turn: Turn, event: str, note: str | None = None) -> None:
    """Store the event and the person's own words (as typed), open a case, say what the
    event may change for the family (``event-effect-*``), offer a new pre-check."""
    await report_change(turn.session, await turn.resident(), event, note)
    note = mask_text(note)[:NOTE_LIMIT] if note else None
    await turn.state.set_state(None)
    await turn.state.update_data(life_event=None, change_note=None)
    buttons = inline(turn.l10n, ("change-button-recheck", MenuCb(action=MenuAction.apply)))
    key = event.replace("_", "-")
    shown = note if note and len(note) <= NOTE_SHOWN else None
    await turn.reply(
        "change-recorded", event=turn.l10n.t(f"event-{key}"), event_code=event, note=shown,
        effect=turn.l10n.t(f"event-effect-{key}"), reply_markup=buttons,
    )  # fmt: skip


async def event_typed(message: Message, turn: Turn) -> None:
    """A typed life event ("我失业了"): the NLU's ``life_event``, else ask again."""
    parsed = await turn.nlu.parse(message.text or "")  # type: ignore[union-attr]
    event = parsed.entity("life_event")
    if event in LIFE_EVENTS:
        await record_unless_absent(turn, event, message.text)
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
    router.message.register(named_typed, Change.named, F.text)
    router.callback_query.register(named_answered, Change.named, NamedCb.filter())
    router.callback_query.register(event_chosen, ChangeCb.filter())
    return router
