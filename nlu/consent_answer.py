"""An answer to the 一证一书 consent question, read by a strict rule instead of a model.

Consent to the processing of sensitive personal information must be given voluntarily and
explicitly (PIPL art. 14, 29). A classifier's "affirm" is a guess: ``ok``, ``知道了``,
``收到``, even ``false`` scored as yes. So only a short list of unambiguous sentences counts
as 同意 (``nlu/lexicons.yml``) — after removing spaces, punctuation and a final particle
(``我同意啦``) and mapping traditional characters (``同意授權``) — and everything else is
asked again. Refusals are read the same way, since a refusal typed in other words simply
re-asks.
"""

from __future__ import annotations

import re
from typing import Literal

from nlu.lexicons import consent_agree, consent_decline, final_particles
from nlu.normalise import normalise

Answer = Literal["agree", "decline"]

AGREE = consent_agree()
"""Sentences that are an explicit yes (lower-case, no spaces or punctuation; ``lexicons.yml``)."""

DECLINE = consent_decline()
"""Sentences that are a plain no (``lexicons.yml``)."""

_NOISE = re.compile(r"[\s\W_]+")
_PARTICLE = final_particles()


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
