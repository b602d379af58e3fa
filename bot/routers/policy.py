"""政策咨询: answers from the live parameters (the local standards this month).

For a known person the family's own region; else a region named in the question (the NLU
gives a 6-digit code); else the province's tiers and a question back.
"""

from __future__ import annotations

from bot.conversation import Turn, this_month
from eligibility.policy import dibao_standard, marginal_line, tekun_standard
from eligibility.regions import region_name
from store.models import Family


async def answer_policy(turn: Turn, region: str | None = None) -> None:
    """Tell the dibao standard, the marginal line and the tekun standard that apply."""
    area = None
    known = await turn.person()
    if region is None and known is not None:
        family = await turn.session.get(Family, known[1])
        region, area = family.region_code, family.area
    if region is None:
        await turn.reply("policy-general")
        await turn.reply("policy-faq")
        return
    period = this_month()
    figures = []
    for each in [area] if area else ["urban", "rural"]:
        standard, _ = dibao_standard(region, each, period)
        figures.append({
            "area": turn.l10n.t(f"area-{each}"), "standard": standard,
            "marginal": marginal_line(region, each, period),
            "tekun": tekun_standard(region, each, period),
        })  # fmt: skip
    await turn.reply("policy-answer", region=region_name(region), period=period, figures=figures)
    await turn.reply("policy-faq")
