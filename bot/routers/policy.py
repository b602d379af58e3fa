"""政策咨询: answers per programme from the live parameters (this month's rules).

A question names a programme (the NLU's ``program``, dibao when none) and a topic
(``nlu/lexicons.yml``'s ``policy_topics``): its conditions, what to bring, the process and
its time limits, the local amounts (saying whether a figure is the place's own standard or
the provincial floor), or reviews and what may end a benefit. The amounts are for a region
named in the question, else the family's when the person is known, else the province's
tiers and a question back. Each programme's FAQ is shown once a conversation; every answer
ends with buttons for the programme's other topics.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup

from bot.callbacks import MenuAction, MenuCb, PolicyCb
from bot.conversation import Turn, this_month, today
from bot.keyboards.inline import inline
from eligibility import explain
from eligibility.answers import TOPICS, floor_since, known_program, local_figures, rule_figures
from eligibility.policy import dibao_standard, property_limits
from eligibility.regions import PREFECTURES, region_name
from store.benefits import next_reviews
from store.families import family_region

ASKED_TOPICS = ("conditions", "materials", "process", "amounts")
"""The topics offered as buttons under an answer (``review`` is asked in words)."""

FAQ = {
    "tekun": "policy-faq-tekun",
    "disability_living_subsidy": "policy-faq-disability",
    "disability_care_subsidy": "policy-faq-disability",
    "medical_insurance_subsidy": "policy-faq-medical",
}
"""The FAQ text of a programme; dibao and the lines built on it share ``policy-faq``."""


def province_standards(period: str) -> list[dict[str, object]]:
    """The 21 prefectures grouped by their (urban, rural) dibao standard in ``period``,
    highest first: ``[{"cities": ["珠海", ...], "urban": 1037.0, "rural": 1037.0,
    "floor": True}]``; ``floor``: every city of the group has only the provincial floor."""
    groups: dict[tuple[float, float], list[str]] = {}
    floors: dict[tuple[float, float], bool] = {}
    for code, name in PREFECTURES.items():
        urban, urban_source = dibao_standard(f"{code}00", "urban", period)
        rural, rural_source = dibao_standard(f"{code}00", "rural", period)
        groups.setdefault((urban, rural), []).append(name.removesuffix("市"))
        on_floor = urban_source == rural_source == "tier_floor"
        floors[(urban, rural)] = floors.get((urban, rural), True) and on_floor
    return [
        {"cities": cities, "urban": urban, "rural": rural, "floor": floors[(urban, rural)]}
        for (urban, rural), cities in sorted(groups.items(), reverse=True)
    ]


def _buttons(turn: Turn, program: str, topic: str) -> InlineKeyboardMarkup:
    if topic == "review":
        return inline(
            turn.l10n,
            ("menu-benefits", MenuCb(action=MenuAction.benefits)),
            ("menu-change", MenuCb(action=MenuAction.change)),
            ("menu-human", MenuCb(action=MenuAction.human)),
        )
    others = [t for t in ASKED_TOPICS if t != topic]
    return inline(
        turn.l10n,
        *((f"policy-button-{t}", PolicyCb(topic=t, program=program)) for t in others),
        ("menu-apply", MenuCb(action=MenuAction.apply)),
    )


async def answer_policy(
    turn: Turn, region: str | None = None, program: str | None = None, topic: str | None = None
) -> None:
    """The ``policy`` journey: answer ``topic`` of ``program`` (both None: the standards).

    :param region: a 6-digit code named in the question, or None.
    :param program: a programme code (:data:`eligibility.result.PROGRAMS`); others read as
        dibao (:func:`eligibility.answers.known_program`).
    :param topic: one of :data:`eligibility.answers.TOPICS`; None: the amounts when a region
        is named, else the conditions.
    """
    await turn.state.update_data(last_answer="policy")
    period = this_month()
    if program is None and topic is None and region is None:
        await _standards(turn, period)
        return
    program = known_program(program)
    topic = topic if topic in TOPICS else None
    topic = topic or ("amounts" if region else "conditions")
    context: dict[str, object] = {
        "program": program, "name": explain.program_name(program, turn.locale),
        "f": rule_figures(period), "period": period,
    }  # fmt: skip
    known = await turn.person()
    if topic == "amounts":
        area = None
        if region is None and known is not None:
            region, area = await family_region(turn.session, known[1])
        areas = [area] if area else ["urban", "rural"]
        figures = local_figures(region, areas, period) if region else []
        for figure in figures:
            figure["area"] = turn.l10n.t(f"area-{figure['area']}")
        context |= {"region": region_name(region) if region else "", "figures": figures,
                    "floor_since": floor_since(period)}  # fmt: skip
    if topic == "review":
        reviews = await next_reviews(turn.session, known[1], today()) if known else {}
        context["reviews"] = [
            {"program": explain.program_name(code, turn.locale), "next_review": when}
            for code, when in reviews.items()
        ]
    buttons = _buttons(turn, program, topic)
    faq = await _faq_to_show(turn, program, period)
    await turn.reply(f"policy-{topic}", reply_markup=None if faq else buttons, **context)
    if faq:
        key, faq_context = faq
        await turn.reply(key, reply_markup=buttons, **faq_context)


async def _standards(turn: Turn, period: str) -> None:
    """Every city's dibao standard (floors marked), the FAQ once, and where to go on."""
    buttons = _buttons(turn, "dibao", "amounts")
    faq = await _faq_to_show(turn, "dibao", period)
    marginal = rule_figures(period)["marginal"]["income_multiple"]
    await turn.reply("policy-general", period=period, groups=province_standards(period),
                     floor_since=floor_since(period), marginal_multiple=marginal,
                     reply_markup=None if faq else buttons)  # fmt: skip
    if faq:
        await turn.reply(faq[0], reply_markup=buttons, **faq[1])


async def _faq_to_show(turn: Turn, program: str, period: str) -> tuple[str, dict] | None:
    # Each programme's questions once a conversation: "佛山呢" needs only the figures.
    key = FAQ.get(program, "policy-faq")
    shown = list((await turn.data()).get("faq_shown") or [])
    if key in shown:
        return None
    await turn.state.update_data(faq_shown=[*shown, key])
    if key == "policy-faq":
        return key, {"limits": property_limits(period)}
    if key == "policy-faq-disability":
        return key, {"limits_grade": rule_figures(period)["disability"]["care_max_grade"]}
    return key, {}


async def topic_pressed(callback: CallbackQuery, callback_data: PolicyCb, turn: Turn) -> None:
    """A topic button under an answer: the same programme's other topic, in any state (a
    flow waiting stays where it was)."""
    await callback.answer()
    await answer_policy(turn, program=callback_data.program, topic=callback_data.topic)


def make_router() -> Router:
    """The policy router: the topic buttons under a policy answer."""
    router = Router(name="policy")
    router.callback_query.register(topic_pressed, PolicyCb.filter())
    return router
