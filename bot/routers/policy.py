"""政策咨询: answers from the live parameters (the local standards this month).

For a known person the family's own region; else a region named in the question (the NLU
gives a 6-digit code); else the province's tiers and a question back.
"""

from __future__ import annotations

from bot.conversation import Turn, this_month
from eligibility.policy import dibao_standard, marginal_line, property_limits, tekun_standard
from eligibility.regions import PREFECTURES, region_name
from store.families import family_region


def province_standards(period: str) -> list[dict[str, object]]:
    """The 21 prefectures grouped by their (urban, rural) dibao standard in ``period``,
    highest first: ``[{"cities": ["珠海", ...], "urban": 1037.0, "rural": 1037.0}]``."""
    groups: dict[tuple[float, float], list[str]] = {}
    for code, name in PREFECTURES.items():
        urban, _ = dibao_standard(f"{code}00", "urban", period)
        rural, _ = dibao_standard(f"{code}00", "rural", period)
        groups.setdefault((urban, rural), []).append(name.removesuffix("市"))
    return [
        {"cities": cities, "urban": urban, "rural": rural}
        for (urban, rural), cities in sorted(groups.items(), reverse=True)
    ]


async def answer_policy(turn: Turn, region: str | None = None) -> None:
    """Tell the dibao standard, the marginal line and the tekun standard that apply."""
    area: str | None = None
    await turn.state.update_data(last_answer="policy")
    known = await turn.person()
    if region is None and known is not None:
        region, area = await family_region(turn.session, known[1])
    period = this_month()
    if region is None:
        await turn.reply("policy-general", period=period, groups=province_standards(period))
        await _faq_once(turn, period)
        return
    figures = []
    for each in [area] if area else ["urban", "rural"]:
        standard, _ = dibao_standard(region, each, period)
        figures.append({
            "area": turn.l10n.t(f"area-{each}"), "standard": standard,
            "marginal": marginal_line(region, each, period),
            "tekun": tekun_standard(region, each, period),
        })  # fmt: skip
    await turn.reply("policy-answer", region=region_name(region), period=period, figures=figures)
    await _faq_once(turn, period)


async def _faq_once(turn: Turn, period: str) -> None:
    # The questions every applicant has, once a conversation: "佛山呢" needs only the figures.
    if (await turn.data()).get("faq_shown"):
        return
    await turn.state.update_data(faq_shown=True)
    await turn.reply("policy-faq", limits=property_limits(period))
