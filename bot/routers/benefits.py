"""查看我的待遇: the happiness list (幸福清单) of the family and each member.

Every benefit from every department with its monthly amount, since when, who pays and the
next review; the monthly total; and "you may also qualify for" from the latest pre-check.
Also as a downloadable HTML document.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery
from sqlalchemy import select

from bot.callbacks import BenefitsCb, MenuAction, MenuCb
from bot.conversation import Turn, continue_as_known, target, today
from bot.documents import document_file
from bot.keyboards.inline import inline
from eligibility import explain
from eligibility.people import relation_text
from eligibility.precheck import load_family
from eligibility.regions import region_name
from eligibility.result import PrecheckResult
from store.benefits import HappinessList, happiness_list
from store.models import Family
from store.models import PrecheckResult as PrecheckRecord
from store.pii import mask_name
from templates import Texts, render_document

router = Router(name="benefits")


def program_title(l10n: Texts, code: str) -> str:
    """A program's name: the rules' own programs first, then other departments' benefits."""
    key = f"benefit-{code.replace('_', '-')}"
    return l10n.t(key) if key in l10n else explain.program_name(code)


async def _context(turn: Turn, family: Family, hl: HappinessList) -> dict[str, Any]:
    people = {m.person_id: m for m in family.members}
    groups = []
    for group in hl.groups:
        member = people.get(group.person_id) if group.person_id else None
        who = mask_name(member.person.name) if member else turn.l10n.t("benefits-whole-family")
        groups.append({
            "who": who,
            "relation": relation_text(turn.l10n, member.relation) if member else "",
            "lines": [
                {"program": program_title(turn.l10n, line.program), "department": line.department,
                 "amount": line.monthly_amount, "since": line.start_date,
                 "next_review": line.next_review}
                for line in group.lines
            ],
        })  # fmt: skip
    latest = await turn.session.scalar(
        select(PrecheckRecord)
        .where(PrecheckRecord.family_id == family.id)
        .order_by(PrecheckRecord.id.desc())
        .limit(1)
    )
    suggestions = []
    if latest is not None:
        result = PrecheckResult.model_validate(latest.result)
        for code, program in result.programs.items():
            if program.status != "ineligible" and code not in hl.programs:
                suggestions.append({"program": explain.program_name(code),
                                    "status": explain.status_text(program.status)})  # fmt: skip
    return {
        "groups": groups,
        "total": hl.monthly_total,
        "on": hl.on,
        "region": region_name(family.region_code),
        "suggestions": suggestions,
        "checked": latest is not None,
    }


@target("benefits")
async def benefits_step(turn: Turn) -> None:
    """Show the happiness list in the chat, with the document and a pre-check on offer."""
    _, family_id = await turn.person()  # type: ignore[misc]
    family = await load_family(turn.session, family_id)
    context = await _context(turn, family, await happiness_list(turn.session, family, today()))
    buttons = inline(
        turn.l10n,
        ("benefits-button-document", BenefitsCb(action="document")),
        ("menu-apply", MenuCb(action=MenuAction.apply)),
        ("menu-human", MenuCb(action=MenuAction.human)),
    )
    await turn.reply("benefits-list", reply_markup=buttons, **context)


@router.callback_query(BenefitsCb.filter(F.action == "document"))
async def document_pressed(callback: CallbackQuery, **data: Any) -> None:
    """下载幸福清单: the same list as a document (PDF on Telegram, else HTML)."""
    await callback.answer()
    turn = Turn.of(callback.message, data)
    known = await turn.person()
    if known is None:
        await continue_as_known(turn, "benefits")
        return
    family = await load_family(turn.session, known[1])
    context = await _context(turn, family, await happiness_list(turn.session, family, today()))
    html = render_document("happiness_list", **context)
    document = await document_file(html, f"幸福清单-{today():%Y%m%d}", pdf=turn.on_telegram)
    await turn.message.answer_document(document, caption=turn.l10n.t("benefits-document-caption"))
