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

from bot.callbacks import MenuAction, MenuCb, PrecheckCb
from bot.conversation import Turn, said_for_staff, this_month, today
from bot.documents import document_file
from bot.keyboards.inline import inline
from bot.keyboards.menu import main_menu
from eligibility import explain
from eligibility.answers import rule_figures
from eligibility.documents import render_verification_report
from eligibility.people import member_names, members_without, registered_applicant, relation_text
from eligibility.precheck import load_family, run_precheck
from eligibility.result import PROGRAMS, PrecheckResult
from eligibility.stated import differences
from staff.cases import describe, open_for_resident
from store.applications import open_applications, programs_to_apply, submit_application
from store.benefits import happiness_list
from store.consent import consented_members
from store.identity import get_person
from store.pii import mask_id_number, mask_name
from store.prechecks import latest_precheck
from templates import Texts


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


async def receiving(turn: Turn, family: Any) -> dict[str, Any]:
    """Program → benefit line, for what the family or a member receives today."""
    listing = await happiness_list(turn.session, family, today())
    return {line.program: line for group in listing.groups for line in group.lines}


async def precheck_step(turn: Turn) -> None:
    """The ``precheck`` journey: say whose consent is missing, run the pre-check, explain it,
    offer the next steps.

    Without the registered applicant's consent nothing can be verified: a member who is not
    the applicant is told so, and how the applicant gives it (their own consent is kept).
    """
    person_id, family_id = await turn.person()  # type: ignore[misc]
    family = await load_family(turn.session, family_id)
    consented = await consented_members(turn.session, family)
    if person_id not in consented:  # revoked or expired since: ask for it again
        await turn.state.update_data(consented=False)
        await turn.go("precheck")
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
    await _said_and_registered(turn, family)
    await turn.reply("precheck-running")
    done = await run_precheck(
        turn.session, family_id, this_month(), actor=f"chat:{turn.sender_hash[:16]}"
    )
    await turn.state.update_data(precheck_id=done.record_id)
    names = member_names(family, turn.l10n, viewer_id=person_id)
    text = explain.explain_precheck(turn.l10n, done.result, names, await receiving(turn, family))
    disputable = done.result.status("dibao") == "ineligible"
    await turn.message.answer(text, reply_markup=_after_buttons(turn.l10n, disputable=disputable))
    if any(p.status == "needs_home_visit" for p in done.result.programs.values()):
        relations = {f"p{m.person_id}": relation_text(turn.l10n, m.relation)
                     for m in family.members}  # fmt: skip
        flags = [explain.flag_text(f, relations, turn.locale) for f in done.result.flags]
        reason = describe("home_visit", locale=turn.locale, flags=flags)
        await turn.go("handoff", kind="home_visit", reason=reason, precheck_id=done.record_id)


async def _said_and_registered(turn: Turn, family: Any) -> None:
    """Say how what the resident typed with the request differs from the register; keep the
    differences for a caseworker (:func:`bot.conversation.said_for_staff`)."""
    said = (await turn.data()).get("said")
    if not said:  # nothing typed this time: differences said before stay for the case
        return
    found = [d.as_dict() for d in differences(family, said)]
    await turn.state.update_data(said=None, said_differences=found)
    if found:
        await turn.reply("precheck-differences", differences=found)


async def dispute_pressed(callback: CallbackQuery, turn: Turn) -> None:
    """对结果有异议: a caseworker reviews the refusal (a dispute case with the pre-check)."""
    await callback.answer()
    known = await turn.person()
    record = await _latest(turn, known[1]) if known else None
    if known is None or record is None:
        await turn.go("precheck")
        return
    await turn.go("handoff", kind="dispute", reason=describe("dispute", locale=turn.locale),
                  precheck_id=record.id)  # fmt: skip


async def _latest(turn: Turn, family_id: int) -> Any:
    """The pre-check shown in this conversation, else the family's latest (or None)."""
    shown = (await turn.data()).get("precheck_id")
    return await latest_precheck(turn.session, family_id, shown_id=shown)


async def apply_pressed(callback: CallbackQuery, callback_data: PrecheckCb, turn: Turn) -> None:
    """提交申请: for a program the family neither receives nor has already applied for.

    The person chooses among them (a button per program). When the pre-check favours none,
    dibao may still be applied for: a pre-check is not a decision (PIPL art. 24).
    """
    await callback.answer()
    known = await turn.person()
    record = await _latest(turn, known[1]) if known else None
    if known is None or record is None:
        await turn.go("precheck")
        return
    family = await load_family(turn.session, known[1])
    result = PrecheckResult.model_validate(record.result)
    pending = await open_applications(turn.session, family.id)
    have = await receiving(turn, family)
    statuses = {code: program.status for code, program in result.programs.items()}
    candidates = programs_to_apply(statuses, have, pending)
    chosen = [c for c in candidates if c == callback_data.program]
    if not candidates or (callback_data.program and not chosen):
        await _nothing_to_apply(turn, pending, have)
    elif chosen:
        others = [c for c in candidates if c != chosen[0]]
        await _apply(turn, known, chosen[0], record.id, others)
    else:
        await turn.reply(
            "precheck-apply-which",
            pending=[
                {"number": a.id, "program": explain.program_name(p, turn.locale)}
                for p, a in pending.items()
            ],
            reply_markup=_program_buttons(turn, candidates),
        )


def _program_buttons(
    turn: Turn, programs: list[str], *more: tuple[str, MenuCb]
) -> InlineKeyboardMarkup:
    """A button per program to apply for, one a row, then ``more`` (text key, payload)."""
    builder = InlineKeyboardBuilder()
    for code in programs:
        payload = PrecheckCb(action="apply", program=code)
        builder.button(text=explain.program_name(code, turn.locale), callback_data=payload)
    for key, payload in more:
        builder.button(text=turn.l10n.t(key), callback_data=payload)
    builder.adjust(1)
    return builder.as_markup()


async def _apply(
    turn: Turn, known: tuple[int, int], program: str, precheck_id: int, others: list[str]
) -> None:
    """Submit ``program``; offer the ``others`` still open to apply for, and the status."""

    name = explain.program_name(program, turn.locale)
    application = await submit_application(
        turn.session, family_id=known[1], applicant_person_id=known[0], program=program,
        channel="chat", precheck_id=precheck_id,
    )  # fmt: skip
    # A caseworker of the family's region accepts and investigates it (审核确认办法).
    summary = describe("application", locale=turn.locale, programs=[name])
    await open_for_resident(
        turn.session, await turn.resident(), kind="application", precheck_id=precheck_id,
        summary=summary + await said_for_staff(turn),
    )  # fmt: skip
    buttons = _program_buttons(turn, others, ("menu-status", MenuCb(action=MenuAction.status)))
    await turn.reply("precheck-applied", number=application.id, program=name,
                     others=[explain.program_name(c, turn.locale) for c in others],
                     steps=rule_figures(this_month())["process"],
                     reply_markup=buttons)  # fmt: skip


async def _nothing_to_apply(turn: Turn, pending: dict[str, Any], have: dict[str, Any]) -> None:
    await turn.reply(
        "precheck-nothing-to-apply",
        pending=[{"number": a.id, "program": explain.program_name(p, turn.locale)}
                 for p, a in pending.items()],
        receiving=[explain.program_name(p, turn.locale) for p in have if p in PROGRAMS],
        reply_markup=inline(turn.l10n, ("menu-status", MenuCb(action=MenuAction.status)),
                            ("menu-change", MenuCb(action=MenuAction.change))),
    )  # fmt: skip


async def report_pressed(callback: CallbackQuery, turn: Turn) -> None:
    """下载核查报告: the verification report of the latest pre-check, as an HTML document."""
    await callback.answer()
    await send_report(turn)


async def send_report(turn: Turn) -> None:
    """The ``report`` journey: the latest pre-check's report (pre-checking first when there
    is none)."""
    known = await turn.person()
    record = await _latest(turn, known[1]) if known else None
    if known is None or record is None:
        await turn.go("precheck")
        return
    family = await load_family(turn.session, known[1])
    applicant = await get_person(turn.session, known[0])
    html = render_verification_report(
        PrecheckResult.model_validate(record.result),
        {
            "applicant_name": mask_name(applicant.name),
            "applicant_id": mask_id_number(applicant.id_number),
            "data_sources": record.data_sources,
            "case_number": f"P{record.id}",
            "member_names": member_names(family, turn.l10n, viewer_id=known[0]),
            "preliminary": True,
        },
        turn.locale,
    )
    stem = turn.l10n.t("precheck-report-filename", number=f"P{record.id}")
    document = await document_file(html, stem, pdf=turn.on_telegram)
    await turn.message.answer_document(
        document,
        caption=turn.l10n.t("precheck-report-caption"),
        reply_markup=_after_buttons(turn.l10n),
    )


def make_router() -> Router:
    """The pre-check router: the buttons under a pre-check (apply, report, dispute)."""
    router = Router(name="precheck")
    router.callback_query.register(dispute_pressed, PrecheckCb.filter(F.action == "dispute"))
    router.callback_query.register(apply_pressed, PrecheckCb.filter(F.action == "apply"))
    router.callback_query.register(report_pressed, PrecheckCb.filter(F.action == "report"))
    return router
