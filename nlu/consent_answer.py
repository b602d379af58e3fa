"""An answer to the 一证一书 consent question, read by a strict rule instead of a model.

Consent to the processing of sensitive personal information must be given voluntarily and
explicitly (PIPL art. 14, 29). A classifier's "affirm" is a guess: ``ok``, ``知道了``,
``收到``, even ``false`` scored as yes. So only a short list of unambiguous sentences counts
as 同意 — after removing spaces, punctuation and a final particle (``我同意啦``) and mapping
traditional characters (``同意授權``) — and everything else is asked again. Refusals are
read the same way, since a refusal typed in other words simply re-asks.
"""

from __future__ import annotations

import re
from typing import Literal

from nlu.normalise import normalise

Answer = Literal["agree", "decline"]

AGREE = frozenset(
    """
    同意 我同意 同意授权 我同意授权 同意授权书 我同意授权书 确认同意 我确认同意 同意签署
    我同意签署 我愿意授权 我授权 是的我同意 对我同意 好我同意 好的我同意 可以我同意
    同意查询 我同意查询 我同意晒 同意晒
    iagree agree iconsent yesiagree iagreetoit iagreetotheauthorization
    """.split()
)
"""Sentences that are an explicit yes (lower-case, no spaces or punctuation)."""

DECLINE = frozenset(
    """
    不同意 我不同意 不同意授权 我不同意授权 不授权 我不授权 拒绝 我拒绝 拒绝授权 我拒绝授权
    唔同意 我唔同意 唔授权 不签 我不签 不要 我不要 不用了 算了 不要查 不想授权
    no nope idisagree disagree idonotagree idontagree decline idecline
    """.split()
)
"""Sentences that are a plain no."""

_NOISE = re.compile(r"[\s\W_]+")
_PARTICLE = re.compile(r"(啦|呀|啊|的|了|哦|喔|嘅|㗎|喇|吖|呢)+$")


def consent_answer(text: str) -> Answer | None:
    """``"agree"`` or ``"decline"`` for an unambiguous answer, else None (ask again).

    :param text: what the resident typed at the consent question.
    """
    plain = _PARTICLE.sub("", _NOISE.sub("", normalise(text).lower()))
    if plain in AGREE:
        return "agree"
    if plain in DECLINE:
        return "decline"
    return None
