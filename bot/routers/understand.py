"""Free text when no flow waits for it: the NLU says what the resident wants.

Intents map to the same journeys as the menu. Two messages in a row that are not
understood get an offer of a person (issue 5: "two consecutive misunderstandings").
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import Message

from bot.callbacks import MenuAction, MenuCb
from bot.conversation import Turn
from bot.keyboards.inline import inline
from bot.keyboards.menu import main_menu
from bot.locale import asked_for, clear_keeping_locale
from nlu import FALLBACK_INTENT, ParseResult
from nlu.lexicons import deletion_request, policy_topic, report_phrases
from nlu.relatives import acting_for
from staff.cases import describe, open_for_resident

INTENT_JOURNEYS = {
    "apply_assistance": "precheck",
    "give_consent": "precheck",
    "check_benefits": "benefits",
    "check_status": "status",
    "report_change": "change",
    "revoke_consent": "revoke",
}
"""Intents that start a journey needing a known person."""

FOR_SOMEONE_ELSE = ("apply_assistance", "check_benefits", "check_status")
"""Intents whose journey reads one family's data: asked for another person ("帮我妈申请"),
they run for that person (the ``for_other`` journey)."""

SHORT_REPLIES = {
    "greet": "welcome",
    "thank": "thanks",
    "bot_challenge": "bot-challenge",
    "affirm": "menu-prompt",
    "deny": "menu-prompt",
    "inform": "inform-without-flow",
}
"""Intents answered with one text and the menu."""

MISUNDERSTOOD_LIMIT = 2


async def free_text(message: Message, turn: Turn) -> None:
    """Parse and act on free text at the menu."""
    if asked_for(message.text):
        # "I do not speak Chinese": the middleware switched already; say so and offer the menu
        # (the NLU would read it as a refusal).
        await turn.reply("language-set", reply_markup=main_menu(turn.l10n))
        return
    if report_phrases().search(message.text or ""):
        # No intent of its own in the NLU data: "下载报告", "我想攞返份核查报告".
        await turn.go("report")
        return
    if deletion_request().search(message.text or ""):
        # PIPL art. 47: the NLU reads "删除我的个人信息" as revoking consent; it is not.
        await turn.go("deletion")
        return
    parsed = await turn.nlu.parse(message.text or "")  # type: ignore[union-attr]
    await act_on(turn, parsed)


async def act_on(turn: Turn, parsed: ParseResult) -> None:
    """The ``free_text`` journey: do what ``parsed`` asks; count what is not understood."""
    intent = parsed.intent_name
    follows_policy = (await turn.data()).get("last_answer") == "policy"
    await turn.state.update_data(last_answer=None)
    region = parsed.entity("region")
    if follows_policy and region and intent in ("inform", "out_of_scope", FALLBACK_INTENT):
        await turn.go("policy", region=region)  # "佛山呢" right after the standards of Guangzhou
        return
    if intent in ("apply_assistance", "ask_policy") and (
        parsed.entity("program") == "temporary_assistance"
    ):
        await turn.go("temporary_assistance")  # the pre-check does not cover 临时救助
        return
    if intent == "inform" and parsed.entity("life_event"):
        intent = "report_change"  # "我老公没工作了" tells a change even when read as inform
    if intent in (FALLBACK_INTENT, "out_of_scope"):
        await _not_understood(
            turn, "out-of-scope" if intent == "out_of_scope" else "not-understood"
        )
        return
    await turn.state.update_data(misunderstood=0)
    declined = (await turn.data()).get("declined")
    if declined and intent in ("affirm", "give_consent"):
        await turn.go(declined)  # "我想了想，还是同意吧" after refusing: the authorization again
        return
    topic = policy_topic(parsed.text)
    for_whom = acting_for(parsed.text) if intent in FOR_SOMEONE_ELSE else None
    if for_whom is not None:  # "帮我妈申请特困": her case, on her consent
        await turn.go("for_other", relative=for_whom, wanted=INTENT_JOURNEYS[intent])
        return
    if intent in INTENT_JOURNEYS and not (intent == "check_benefits" and topic == "review"):
        if intent == "apply_assistance":  # "屋企三个人，住番禺": compared with the records
            said = {"household_size": parsed.entity("person_count"), "region": region}
            await turn.state.update_data(said={k: v for k, v in said.items() if v})
        if intent == "report_change":
            # The resident's words as typed: the NLU's text is normalised ("二胎" → "2胎").
            await turn.state.update_data(
                life_event=parsed.entity("life_event"), change_note=turn.message.text
            )
        await turn.go(INTENT_JOURNEYS[intent])
    elif intent == "ask_policy" or (intent == "check_benefits" and topic == "review"):
        # "我家的低保是不是要停了？" asks about reviews, not for the list of benefits
        await turn.go("policy", region=region, program=parsed.entity("program"), topic=topic)
    elif intent in ("ask_human", "complain"):
        await turn.go("handoff", kind="complaint" if intent == "complain" else "handoff")
    elif intent == "goodbye":
        # Saying goodbye signs out, so a shared phone does not keep showing the family's data.
        await clear_keeping_locale(turn.state)
        await turn.reply("goodbye", reply_markup=main_menu(turn.l10n))
    else:
        await turn.reply(
            SHORT_REPLIES.get(intent, "menu-prompt"), reply_markup=main_menu(turn.l10n)
        )


async def _not_understood(turn: Turn, key: str) -> None:
    count = int((await turn.data()).get("misunderstood") or 0) + 1
    if count >= MISUNDERSTOOD_LIMIT:
        await turn.state.update_data(misunderstood=0)
        buttons = inline(
            turn.l10n,
            ("offer-human-yes", MenuCb(action=MenuAction.human)),
            ("menu-prompt-short", MenuCb(action=MenuAction.apply)),
        )
        # Off-topic twice was understood, just not ours: say so rather than "I did not follow".
        await turn.reply("offer-human", understood=key == "out-of-scope", reply_markup=buttons)
        if key == "not-understood":  # staff see where the assistant fails; low until asked
            summary = describe("not_understood", locale=turn.locale)
            await open_for_resident(turn.session, await turn.resident(), kind="handoff",
                                    summary=summary, priority="low")  # fmt: skip
        return
    await turn.state.update_data(misunderstood=count)
    await turn.reply(key, reply_markup=main_menu(turn.l10n))


def make_router() -> Router:
    """The understand router: free text when no flow waits for it."""
    router = Router(name="understand")
    router.message.register(free_text, StateFilter(None), F.text)
    return router
