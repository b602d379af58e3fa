"""临时救助: an emergency told in any state, and the question "临时救助怎么申请".

An emergency (fire, flood, accident, sudden serious illness or death, robbery:
:func:`nlu.emergency.emergency_kind`) is answered before the NLU, like a crisis, with an
urgent case and what 临时救助 is, what happens next and when (:mod:`staff.emergencies`);
the flow the resident was in is left as it was. Asked about, 临时救助 is explained (the
``temporary_assistance`` journey) with a button to apply: the pre-check does not cover it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.callbacks import EmergencyCb, MenuAction, MenuCb
from bot.conversation import Turn, today
from bot.keyboards.inline import inline
from nlu.emergency import emergency_kind
from staff.emergencies import WhatHappens, request_temporary_assistance, what_happens


def _figures(turn: Turn, facts: WhatHappens) -> dict[str, object]:
    kinds = turn.l10n.t("temporary-assistance-kinds", percent=facts.spending.spending_percent,
                        months=facts.spending.income_months)  # fmt: skip
    return {"kinds": kinds, "hours": facts.contact_hours, "days": facts.contact_days}


async def _request(turn: Turn, emergency: str | None) -> None:
    # Asked for by the button, 临时救助 was explained just above: its kinds are not said again.
    asked = await request_temporary_assistance(
        turn.session, await turn.resident(), emergency=emergency, on=today()
    )
    buttons = inline(
        turn.l10n,
        ("temporary-button-precheck", MenuCb(action=MenuAction.apply)),
        ("temporary-button-change", MenuCb(action=MenuAction.change)),
    )
    figures = _figures(turn, asked.next) | ({} if emergency else {"kinds": ""})
    await turn.reply("temporary-assistance-opened", emergency=emergency, opened=asked.opened,
                     urgent=asked.urgent, number=asked.case.id, reply_markup=buttons,
                     **figures)  # fmt: skip


async def emergency_message(message: Message, emergency: str, turn: Turn) -> None:
    """An emergency in words: an urgent case, 临时救助 explained; the FSM state is kept and
    what it waits for said again."""
    await _request(turn, emergency)
    await turn.remind_flow()


async def temporary_assistance_step(turn: Turn) -> None:
    """The ``temporary_assistance`` journey: what it is, how to apply, and a button to."""
    buttons = inline(
        turn.l10n,
        ("temporary-button-apply", EmergencyCb(action="apply")),
        ("menu-human", MenuCb(action=MenuAction.human)),
    )
    await turn.reply("temporary-assistance", reply_markup=buttons,
                     **_figures(turn, what_happens(today())))  # fmt: skip


async def apply_pressed(callback: CallbackQuery, turn: Turn) -> None:
    """申请临时救助: a case for staff (not urgent: no emergency was told)."""
    await callback.answer()
    await _request(turn, None)


def make_router() -> Router:
    """The emergency router: emergency words in any state, and the apply button."""
    router = Router(name="emergency")
    router.message.register(emergency_message, F.text.func(emergency_kind).as_("emergency"))
    router.callback_query.register(apply_pressed, EmergencyCb.filter(F.action == "apply"))
    return router
