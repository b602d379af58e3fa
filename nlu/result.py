"""The result of parsing one message, shaped like Rasa's ``POST /model/parse`` response."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Intent name when no intent is confident enough (Rasa's FallbackClassifier uses the same).
FALLBACK_INTENT = "nlu_fallback"

#: The intents the bot can receive (besides :data:`FALLBACK_INTENT`).
INTENTS = (
    "greet", "goodbye", "thank", "affirm", "deny", "apply_assistance", "check_benefits",
    "check_status", "give_consent", "revoke_consent", "ask_policy", "report_change",
    "ask_human", "complain", "bot_challenge", "inform", "out_of_scope",
)  # fmt: skip

#: Entity value types: amount float|int (yuan), person_count int, program/life_event code,
#: region 6-digit code (or the text when unknown), id_number 18 characters, checksum valid.
#: ``invalid_id_number`` is an ID-shaped string whose check character or date is wrong.
ENTITIES = ("id_number", "amount", "person_count", "program", "life_event", "region")


@dataclass(frozen=True)
class Intent:
    """An intent and the engine's confidence in it (0..1)."""

    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "confidence": ...}``."""
        return {"name": self.name, "confidence": round(float(self.confidence), 4)}


@dataclass(frozen=True)
class Entity:
    """An entity found in the (normalised) text: ``text[start:end]`` is where it was read.

    :param value: normalised value (see :data:`ENTITIES`).
    :param extractor: what found it (``jiuzhu_rules``, ``DIETClassifier``, ...).
    """

    entity: str
    value: Any
    start: int
    end: int
    extractor: str

    def to_dict(self) -> dict[str, Any]:
        """``{"entity", "value", "start", "end", "extractor"}``."""
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "extractor": self.extractor,
        }


@dataclass(frozen=True)
class ParseResult:
    """What an :class:`~nlu.engine.NluEngine` understood of one message.

    :param text: the normalised text that was parsed (entity offsets refer to it).
    :param intent: the chosen intent; :data:`FALLBACK_INTENT` when below the threshold.
    :param intent_ranking: every candidate, most confident first.
    :param entities: entities with normalised values, in text order.
    :param engine: which engine answered (``local``, ``rasa``; ``local`` also when the Rasa
        client fell back).
    """

    text: str
    intent: Intent
    intent_ranking: list[Intent] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    engine: str = "local"

    @property
    def intent_name(self) -> str:
        """The chosen intent's name."""
        return self.intent.name

    @property
    def confidence(self) -> float:
        """The chosen intent's confidence (0..1)."""
        return self.intent.confidence

    def entity(self, name: str) -> Any | None:
        """The value of the first entity called ``name``, or ``None``."""
        for e in self.entities:
            if e.entity == name:
                return e.value
        return None

    def entity_values(self, name: str) -> list[Any]:
        """Every value of the entities called ``name``, in text order."""
        return [e.value for e in self.entities if e.entity == name]

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data, with Rasa's keys plus ``engine``."""
        return {
            "text": self.text,
            "intent": self.intent.to_dict(),
            "intent_ranking": [i.to_dict() for i in self.intent_ranking],
            "entities": [e.to_dict() for e in self.entities],
            "engine": self.engine,
        }


def fallback_result(text: str, engine: str, entities: list[Entity] | None = None) -> ParseResult:
    """A result that understood nothing (empty input, an engine error)."""
    return ParseResult(text, Intent(FALLBACK_INTENT, 0.0), [], entities or [], engine)
