"""查看我的待遇: the happiness list (幸福清单) of the family and each member.

Every benefit from every department with its monthly amount, since when, who pays and the
next review; the monthly total; and "you may also qualify for" from the latest pre-check.
Also as a downloadable HTML document.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.callbacks import BenefitsCb, MenuAction, MenuCb
from bot.conversation import Turn, today
from bot.documents import document_file
from bot.keyboards.inline import inline
from bot.keyboards.menu import main_menu
from eligibility import explain
from eligibility.people import relation_text, relations_from
from eligibility.precheck import load_family
from eligibility.regions import region_name
from store.applications import open_applications
from store.benefits import HappinessList, happiness_list
from store.pii import mask_name
from store.prechecks import latest_precheck, still_possible
from templates import Texts, render_document


def program_title(l10n: Texts, code: str) -> str:
    """A program's name: the rules' own programs first, then other departments' benefits."""
    key = f"benefit-{code.replace('_', '-')}"
    return l10n.t(key) if key in l10n else explain.program_name(code, l10n.locale)


async def _context(turn: Turn, family: Any, hl: HappinessList, viewer_id: int) -> dict[str, Any]:
    people = {m.person_id: m for m in family.members}
    relations = relations_from(family, viewer_id)  # as the person signed in sees them
    groups = []
    for group in hl.groups:
        member = people.get(group.person_id) if group.person_id else None
        who = mask_name(member.person.name) if member else turn.l10n.t("benefits-whole-family")
        groups.append({
            "who": who,
            "relation": relation_text(turn.l10n, relations[member.person_id]) if member else "",
            "lines": [
                {"program": program_title(turn.l10n, line.program), "department": line.department,
                 "amount": line.monthly_amount, "since": line.start_date,
                 "next_review": line.next_review}
                for line in group.lines
            ],
        })  # fmt: skip
    latest = await latest_precheck(turn.session, family.id)
    applied = await open_applications(turn.session, family.id)  # applied for: not suggested
    suggestions = [
        {"program": explain.program_name(code, turn.locale),
         "status": explain.status_text(status, turn.locale)}
        for code, status in still_possible(latest, hl.programs | set(applied))
    ]  # fmt: skip
    return {
        "groups": groups,
        "total": hl.monthly_total,
        "on": hl.on,
        "region": region_name(family.region_code),
        "suggestions": suggestions,
        "checked": latest is not None,
    }


async def benefits_step(turn: Turn) -> None:
    """The ``benefits`` journey: the happiness list in the chat, with the document and a
    pre-check on offer."""
    person_id, family_id = await turn.person()  # type: ignore[misc]
    family = await load_family(turn.session, family_id)
    listing = await happiness_list(turn.session, family, today())
    context = await _context(turn, family, listing, person_id)
    buttons = inline(
        turn.l10n,
        ("benefits-button-document", BenefitsCb(action="document")),
        ("menu-apply", MenuCb(action=MenuAction.apply)),
        ("menu-human", MenuCb(action=MenuAction.human)),
    )
    await turn.reply("benefits-list", reply_markup=buttons, **context)


async def document_pressed(callback: CallbackQuery, turn: Turn) -> None:
    """下载幸福清单: the same list as a document (PDF on Telegram, else HTML)."""
    await callback.answer()
    known = await turn.person()
    if known is None:
        await turn.go("benefits")
        return
    family = await load_family(turn.session, known[1])
    listing = await happiness_list(turn.session, family, today())
    context = await _context(turn, family, listing, known[0])
    html = render_document("happiness_list", turn.locale, **context)
    stem = turn.l10n.t("benefits-document-filename", on=f"{today():%Y%m%d}")
    document = await document_file(html, stem, pdf=turn.on_telegram)
    caption, menu = turn.l10n.t("benefits-document-caption"), main_menu(turn.l10n)
    await turn.message.answer_document(document, caption=caption, reply_markup=menu)


def make_router() -> Router:
    """The benefits router: the happiness list's download button."""
    router = Router(name="benefits")
    router.callback_query.register(document_pressed, BenefitsCb.filter(F.action == "document"))
    return router
