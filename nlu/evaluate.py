"""Evaluate an engine on examples in Rasa's NLU format; make the held-out split.

Intent metrics count ``nlu_fallback`` as a wrong answer. Entity F1 is micro-averaged over
``(entity, normalised value)`` pairs per example, so ``[三千五](amount)`` is matched by an
amount of 3500 wherever it was read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from nlu.engine import NluEngine
from nlu.entities import EntityExtractor
from nlu.training_data import Example, normalise_example

SPLIT_SEED = 13
TEST_FRACTION = 0.2


def stratified_split(
    examples: list[Example], test_fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED
) -> tuple[list[Example], list[Example]]:
    """Split into (train, test), each intent in the same proportion, reproducibly."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        examples, test_size=test_fraction, random_state=seed,
        stratify=[e.intent for e in examples],
    )  # fmt: skip
    return list(train), list(test)


@dataclass
class EvalReport:
    """Scores of one engine on one set of examples.

    :param per_intent: intent -> ``{"precision", "recall", "f1", "support"}``.
    :param errors: misclassified examples ``{"text", "expected", "predicted", "confidence"}``.
    :param latencies_ms: time of each parse, milliseconds.
    """

    engine: str
    examples: int
    intent_accuracy: float
    macro_f1: float
    per_intent: dict[str, dict[str, float]]
    entity_precision: float
    entity_recall: float
    entity_f1: float
    errors: list[dict[str, Any]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def percentile_ms(self, q: float) -> float:
        """The ``q``-th percentile (0..100) of the parse latencies, milliseconds."""
        import numpy as np

        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the ``--json`` output of ``jiuzhu nlu eval``)."""
        return {
            "engine": self.engine,
            "examples": self.examples,
            "intent_accuracy": round(self.intent_accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "per_intent": self.per_intent,
            "entity_precision": round(self.entity_precision, 4),
            "entity_recall": round(self.entity_recall, 4),
            "entity_f1": round(self.entity_f1, 4),
            "parse_ms_p50": round(self.percentile_ms(50), 3),
            "parse_ms_p95": round(self.percentile_ms(95), 3),
            "errors": self.errors,
        }


async def evaluate(
    engine: NluEngine, examples: list[Example], extractor: EntityExtractor, name: str = ""
) -> EvalReport:
    """Parse every example with ``engine`` and score it.

    :param extractor: gives the gold entities' normalised values.
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    expected, predicted, errors, lat = [], [], [], []
    tp = fp = fn = 0
    for ex in examples:
        t0 = time.perf_counter()
        result = await engine.parse(ex.text)
        lat.append((time.perf_counter() - t0) * 1000)
        expected.append(ex.intent)
        predicted.append(result.intent_name)
        if result.intent_name != ex.intent:
            errors.append({
                "text": ex.text, "expected": ex.intent, "predicted": result.intent_name,
                "confidence": round(result.confidence, 4),
            })  # fmt: skip
        n = normalise_example(ex)
        gold = {(a.entity, _key(extractor.canonical(a.entity, n.surface(a), a.value)))
                for a in n.entities}  # fmt: skip
        got = {(e.entity, _key(e.value)) for e in result.entities}
        tp += len(gold & got)
        fp += len(got - gold)
        fn += len(gold - got)
    labels = sorted(set(expected))
    p, r, f, s = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0
    )
    per_intent = {
        lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
              "f1": round(float(f[i]), 4), "support": int(s[i])}
        for i, lab in enumerate(labels)
    }  # fmt: skip
    ep = tp / (tp + fp) if tp + fp else 1.0
    er = tp / (tp + fn) if tp + fn else 1.0
    ef = 2 * ep * er / (ep + er) if ep + er else 0.0
    accuracy = float(accuracy_score(expected, predicted)) if examples else 0.0
    macro = f1_score(expected, predicted, labels=labels, average="macro", zero_division=0)
    return EvalReport(
        engine=name or type(engine).__name__,
        examples=len(examples),
        intent_accuracy=accuracy,
        macro_f1=float(macro) if examples else 0.0,
        per_intent=per_intent,
        entity_precision=ep,
        entity_recall=er,
        entity_f1=ef,
        errors=errors,
        latencies_ms=lat,
    )


def _key(value: Any) -> str:
    """Compare 3500 and 3500.0 and "3500" as one value."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
