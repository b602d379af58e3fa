"""申请/测算: the pre-check explained, then apply, download the report, or ask a person.

Every program gets its outcome, its amount and the sentence of each reason (the rule and the
figure that decided). A flag means a caseworker will visit, never a refusal. An outcome is
a pre-check, not a decision: the resident may apply anyway and may ask for a person to
review (PIPL art. 24), which the reply says.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select

from bot.callbacks import MenuAction, MenuCb, PrecheckCb
from bot.conversation import Turn, continue_as_known, target, this_month, today
from bot.documents import document_file
from bot.keyboards.inline import inline
from bot.keyboards.menu import main_menu
from bot.routers.handoff import hand_over
from eligibility import explain
from eligibility.documents import render_verification_report
from eligibility.people import member_names, members_without, registered_applicant, relation_text
from eligibility.precheck import load_family, run_precheck
from eligibility.result import PROGRAMS, PrecheckResult
from staff.cases import describe, open_for_resident
from store.applications import open_applications, submit_application
from store.benefits import happiness_list
from store.consent import valid_consent
from store.models import Family, Person
from store.models import PrecheckResult as PrecheckRecord
from store.pii import mask_id_number, mask_name
from templates import Texts

router = Router(name="precheck")

APPLY_ORDER = (
    "tekun", "dibao", "dibao_single", "low_income_marginal", "disability_living_subsidy",
    "disability_care_subsidy", "medical_insurance_subsidy",
)  # fmt: skip
"""Programs one can apply for from a pre-check, the most protective first."""


def _after_buttons(l10n: Texts, *, disputable: bool = False) -> InlineKeyboardMarkup:
    buttons = [
        ("precheck-button-apply", PrecheckCb(action="apply")),
        ("precheck-button-report", PrecheckCb(action="report")),
        ("menu-benefits", MenuCb(action=MenuAction.benefits)),
        ("menu-human", MenuCb(action=MenuAction.human)),
    ]
    if disputable:  # a refusal may be disputed: a person reviews it (PIPL art. 24)
        buttons.append(("precheck-button-dispute", PrecheckCb(action="dispute")))
    return inline(l10n, *buttons)


async def receiving(turn: Turn, family: Family) -> dict[str, Any]:
    """Program → benefit line, for what the family or a member receives today."""
    listing = await happiness_list(turn.session, family, today())
    return {line.program: line for group in listing.groups for line in group.lines}


@target("precheck")
async def precheck_step(turn: Turn) -> None:
    """Say whose consent is missing, run the pre-check, explain it, offer the next steps.

    Without the registered applicant's consent nothing can be verified: a member who is not
    the applicant is told so, and how the applicant gives it (their own consent is kept).
    """
    person_id, family_id = await turn.person()  # type: ignore[misc]
    family = await load_family(turn.session, family_id)
    consented = {
        m.person_id for m in family.members if await valid_consent(turn.session, m.person_id)
    }
    if person_id not in consented:  # revoked or expired since: ask for it again
        await turn.state.update_data(consented=False)
        await continue_as_known(turn, "precheck")
        return
    applicant_id, applicant_name = registered_applicant(family)
    if applicant_id not in consented:
        # The family's records are verified on the registered applicant's authorization.
        await turn.reply("precheck-applicant-consent-needed", applicant=applicant_name,
                         reply_markup=main_menu(turn.l10n))  # fmt: skip
        return
    missing = members_without(family, consented, today(), person_id)
    if missing:
        people = [
            {"name": n, "relation": relation_text(turn.l10n, r), "minor": minor}
            for n, r, minor in missing
        ]
        await turn.reply("precheck-missing-consents", people=people)
    await turn.reply("precheck-running")
    done = await run_precheck(
        turn.session, family_id, this_month(), actor=f"chat:{turn.sender_hash[:16]}"
    )
    await turn.state.update_data(precheck_id=done.record_id)
    names = member_names(family, turn.l10n)
    text = explain.explain_precheck(turn.l10n, done.result, names, await receiving(turn, family))
    disputable = done.result.status("dibao") == "ineligible"
    await turn.message.answer(text, reply_markup=_after_buttons(turn.l10n, disputable=disputable))
    if any(p.status == "needs_home_visit" for p in done.result.programs.values()):
        relations = {f"p{m.person_id}": relation_text(turn.l10n, m.relation)
                     for m in family.members}  # fmt: skip
        flags = [explain.flag_text(f, relations) for f in done.result.flags]
        await hand_over(turn, kind="home_visit", reason=describe("home_visit", flags=flags),
                        precheck_id=done.record_id)  # fmt: skip


@router.callback_query(PrecheckCb.filter(F.action == "dispute"))
async def dispute_pressed(callback: CallbackQuery, **data: Any) -> None:
    """对结果有异议: a caseworker reviews the refusal (a dispute case with the pre-check)."""
    await callback.answer()
    turn = Turn.of(callback.message, data)
    known = await turn.person()
    record = await _latest(turn, known[1]) if known else None
    if known is None or record is None:
        await continue_as_known(turn, "precheck")
        return
    await hand_over(turn, kind="dispute", reason=describe("dispute"),
                    precheck_id=record.id)  # fmt: skip


async def _latest(turn: Turn, family_id: int) -> PrecheckRecord | None:
    """The pre-check shown in this conversation, else the family's latest."""
    session = turn.session
    record_id = (await turn.data()).get("precheck_id")
    if record_id:
        record = await session.get(PrecheckRecord, record_id)
        if record is not None and record.family_id == family_id:
            return record
    return await session.scalar(
        select(PrecheckRecord)
        .where(PrecheckRecord.family_id == family_id)
        .order_by(PrecheckRecord.id.desc())
        .limit(1)
    )


@router.callback_query(PrecheckCb.filter(F.action == "apply"))
async def apply_pressed(callback: CallbackQuery, callback_data: PrecheckCb, **data: Any) -> None:
    """提交申请: for a program the family neither receives nor has already applied for.

    The person chooses among them (a button per program). When the pre-check favours none,
    dibao may still be applied for: a pre-check is not a decision (PIPL art. 24).
    """
    await callback.answer()
    turn = Turn.of(callback.message, data)
    known = await turn.person()
    record = await _latest(turn, known[1]) if known else None
    if known is None or record is None:
        await continue_as_known(turn, "precheck")
        return
    family = await load_family(turn.session, known[1])
    result = PrecheckResult.model_validate(record.result)
    pending = await open_applications(turn.session, family.id)
    have = await receiving(turn, family)
    favoured = [c for c in APPLY_ORDER if result.programs[c].status != "ineligible"]
    candidates = [c for c in favoured or ["dibao"] if c not in have and c not in pending]
    if callback_data.program:
        candidates = [c for c in candidates if c == callback_data.program]
    if not candidates:
        await _nothing_to_apply(turn, pending, have)
    elif callback_data.program:
        await _apply(turn, known, candidates[0], record.id)
    else:
        builder = InlineKeyboardBuilder()
        for code in candidates:
            data = PrecheckCb(action="apply", program=code)
            builder.button(text=explain.program_name(code), callback_data=data)
        builder.adjust(1)
        await turn.reply(
            "precheck-apply-which",
            pending=[
                {"number": a.id, "program": explain.program_name(p)} for p, a in pending.items()
            ],
            reply_markup=builder.as_markup(),
        )


async def _apply(turn: Turn, known: tuple[int, int], program: str, precheck_id: int) -> None:
    application = await submit_application(
        turn.session, family_id=known[1], applicant_person_id=known[0], program=program,
        channel="chat", precheck_id=precheck_id,
    )  # fmt: skip
    # A caseworker of the family's region accepts and investigates it (审核确认办法).
    await open_for_resident(
        turn.session, await turn.resident(), kind="application", precheck_id=precheck_id,
        summary=describe("application", programs=[explain.program_name(program)]),
    )  # fmt: skip
    status = inline(turn.l10n, ("menu-status", MenuCb(action=MenuAction.status)))
    await turn.reply(
        "precheck-applied", number=application.id, program=explain.program_name(program),
        reply_markup=status,
    )  # fmt: skip


async def _nothing_to_apply(turn: Turn, pending: dict[str, Any], have: dict[str, Any]) -> None:
    await turn.reply(
        "precheck-nothing-to-apply",
        pending=[{"number": a.id, "program": explain.program_name(p)} for p, a in pending.items()],
        receiving=[explain.program_name(p) for p in have if p in PROGRAMS],
        reply_markup=inline(turn.l10n, ("menu-status", MenuCb(action=MenuAction.status)),
                            ("menu-change", MenuCb(action=MenuAction.change))),
    )  # fmt: skip


@router.callback_query(PrecheckCb.filter(F.action == "report"))
async def report_pressed(callback: CallbackQuery, **data: Any) -> None:
    """下载核查报告: the verification report of the latest pre-check, as an HTML document."""
    await callback.answer()
    await send_report(Turn.of(callback.message, data))


async def send_report(turn: Turn) -> None:
    """The latest pre-check's report (pre-checking first when there is none)."""
    known = await turn.person()
    record = await _latest(turn, known[1]) if known else None
    if known is None or record is None:
        await continue_as_known(turn, "precheck")
        return
    family = await load_family(turn.session, known[1])
    applicant = await turn.session.get(Person, known[0])
    html = render_verification_report(
        PrecheckResult.model_validate(record.result),
        {
            "applicant_name": mask_name(applicant.name),
            "applicant_id": mask_id_number(applicant.id_number),
            "data_sources": record.data_sources,
            "case_number": f"P{record.id}",
            "member_names": member_names(family, turn.l10n),
            "preliminary": True,
        },
    )
    document = await document_file(html, f"核查报告-P{record.id}", pdf=turn.on_telegram)
    await turn.message.answer_document(
        document,
        caption=turn.l10n.t("precheck-report-caption"),
        reply_markup=_after_buttons(turn.l10n),
    )
