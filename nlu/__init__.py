"""NLU: what a resident wants (intent) and the facts they give (entities).

The Rasa project in this folder (``config.yml``, ``domain.yml``, ``data/``) is the single
source of training data. Two engines implement :class:`NluEngine`:

- :class:`LocalNlu` (default): scikit-learn, trained from that data, embedded;
- :class:`RasaNlu`: a client for a Rasa server's ``POST /model/parse`` that falls back to
  :class:`LocalNlu` while the server is down or slow.

The bot calls ``result = await engine.parse(text)`` on every message, then reads
``result.intent_name``, ``result.confidence`` and ``result.entity("amount")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nlu.engine import NluEngine
from nlu.local import LocalNlu
from nlu.normalise import normalise
from nlu.rasa_client import RasaNlu
from nlu.result import FALLBACK_INTENT, INTENTS, Entity, Intent, ParseResult

if TYPE_CHECKING:
    from jiuzhu.settings import Settings

__all__ = [
    "FALLBACK_INTENT",
    "INTENTS",
    "Entity",
    "Intent",
    "LocalNlu",
    "NluEngine",
    "ParseResult",
    "RasaNlu",
    "get_engine",
    "normalise",
]


def local_engine(settings: Settings) -> LocalNlu:
    """The local engine, its model kept in ``<data_dir>/nlu``."""
    return LocalNlu.from_settings(settings)


def get_engine(settings: Settings) -> NluEngine:
    """The engine ``settings.nlu_engine`` names (``local`` or ``rasa``).

    A Rasa engine uses ``rasa_url``, ``rasa_token`` and ``rasa_timeout`` (seconds), and the
    local engine as its fallback. Creating either is cheap: the local model is loaded (or
    trained, a few seconds) on the first parse.
    """
    local = local_engine(settings)
    if settings.nlu_engine == "rasa":
        token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
        return RasaNlu(settings.rasa_url, token=token, timeout=settings.rasa_timeout,
                       fallback=local)  # fmt: skip
    return local
