"""转人工, complaints and crises: a case for a caseworker of the resident's region.

The case (its region, priority and reuse of an open one) is :mod:`staff.cases`' business;
this module only says what happens next: the case number and when a person gets back
(:mod:`staff.clocks`). A caseworker who takes it holds the conversation
(:mod:`bot.middlewares.handoff`). Also the call-back offered to a resident left waiting.
Other journeys open a case with ``turn.go("handoff", kind=...)`` (:func:`hand_over`).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.callbacks import HandoffCb
from bot.conversation import Turn, promised_days, said_for_staff, today
from bot.keyboards.menu import main_menu
from staff import relay
from staff.cases import describe, open_for_resident
from staff.clocks import figure

FAMILY = {"handoff": "handoff", "complaint": "complaint", "crisis": "crisis",
          "dispute": "dispute", "home_visit": "home-visit"}  # fmt: skip
"""Case kind → the prefix of its texts (``<prefix>-opened``, ``<prefix>-still-open``)."""


async def hand_over(
    turn: Turn,
    *,
    kind: str = "handoff",
    reason: str | None = None,
    priority: str | None = None,
    precheck_id: int | None = None,
) -> None:
    """Open a case of ``kind`` for this resident (or reuse the open one) and say so.

    :param reason: the case summary (:func:`staff.cases.describe`); default by kind. What
        the resident said that differs from the register is added to it.
    """
    if reason is None:
        code = "complaint" if kind == "complaint" else "asked_for_person"
        reason = describe(code, locale=turn.locale)
    case, opened = await open_for_resident(
        turn.session,
        await turn.resident(),
        kind=kind,
        summary=reason + await said_for_staff(turn),
        priority=priority,
        precheck_id=precheck_id,
    )
    await turn.state.update_data(misunderstood=0)
    prefix = FAMILY.get(kind, "handoff")
    if not opened and prefix in ("dispute", "home-visit"):
        prefix = "handoff"
    hours = int(figure("crisis_contact", today()))
    # A home visit is told right under the pre-check, whose buttons are the next steps.
    buttons = None if kind == "home_visit" else main_menu(turn.l10n)
    await turn.reply(f"{prefix}-{'opened' if opened else 'still-open'}", number=case.id,
                     days=promised_days(), hours=hours, reply_markup=buttons)  # fmt: skip


async def callback_pressed(callback: CallbackQuery, callback_data: HandoffCb, turn: Turn) -> None:
    """请回电 / 继续等待, after the wait was announced."""
    await callback.answer()
    case = None
    if callback_data.action == "callback":
        case = await relay.request_callback(turn.session, callback_data.case, turn.sender_hash)
    if case is not None:
        await turn.reply("handoff-callback-noted", number=case.id,
                         reply_markup=main_menu(turn.l10n))  # fmt: skip
        return
    await turn.reply("handoff-keep-waiting", reply_markup=main_menu(turn.l10n))


def make_router() -> Router:
    """The handoff router: the call-back buttons (a new one for each Dispatcher)."""
    router = Router(name="handoff")
    router.callback_query.register(callback_pressed, HandoffCb.filter())
    return router
