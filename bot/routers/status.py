"""申请进度: each application of the family with its status timeline, then the menu.

No handlers of its own: the menu and free text start it as the ``status`` journey.
"""

from __future__ import annotations

from bot.callbacks import MenuAction, MenuCb
from bot.conversation import Turn
from bot.keyboards.inline import inline
from bot.keyboards.menu import main_menu
from eligibility import explain
from store.applications import family_applications


async def status_step(turn: Turn) -> None:
    """List the applications, newest first, each with its timeline."""
    _, family_id = await turn.person()  # type: ignore[misc]
    applications = await family_applications(turn.session, family_id)
    if not applications:
        buttons = inline(turn.l10n, ("menu-apply", MenuCb(action=MenuAction.apply)))
        await turn.reply("status-none", reply_markup=buttons)
        return
    items = [
        {
            "number": a.id,
            "program": explain.program_name(a.program, turn.locale),
            "status": turn.l10n.t(f"application-{a.status.replace('_', '-')}"),
            "events": [
                {"at": e.at, "status": turn.l10n.t(f"application-{e.status.replace('_', '-')}")}
                for e in a.events
            ],
        }
        for a in applications
    ]
    await turn.reply("status-list", applications=items, reply_markup=main_menu(turn.l10n))
