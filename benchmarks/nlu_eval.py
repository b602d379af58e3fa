"""NLU: local engine vs Rasa DIET, on a held-out split and on an unseen test set.

Run: ``.venv/bin/python -m benchmarks.nlu_eval [--skip-rasa] [--json] [--repeat 5]``.

Two test sets, each engine trained afresh for each:

- **held-out split**: the examples of ``nlu/data`` split stratified by intent (20 % held
  out, seed 13); the engines train on the other 80 %.
- **unseen set**: ``benchmarks/data/nlu_unseen.yml``, 25 sentences per intent written
  without reading the training data; the engines train on all of ``nlu/data``. It is the
  honest figure: near-paraphrases inside one data set flatter a split.

The local engine trains in-process; Rasa with ``rasa train nlu`` in its own venv (built by
``jiuzhu nlu rasa-setup``; skipped with a note when missing), then is served on a free
loopback port. Both parse the test texts through the same :class:`~nlu.engine.NluEngine`
interface; the figures are intent accuracy, macro-F1, entity F1 and parse latency p50/p95
(the local engine in-process; Rasa including the HTTP round trip, as the bot sees it).
Nothing here is asserted: figures are for the report. ``--seeds 13,1,2,3,4`` gives the local
accuracy over several splits instead. ``jiuzhu nlu eval --data FILE`` lists the misclassified
examples.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nlu import LocalNlu, RasaNlu, rasa_env, training_data
from nlu.evaluate import SPLIT_SEED, EvalReport, evaluate, stratified_split


async def _timed(engine: Any, texts: list[str], repeat: int) -> list[float]:
    lat = []
    for _ in range(repeat):
        for t in texts:
            t0 = time.perf_counter()
            await engine.parse(t)
            lat.append((time.perf_counter() - t0) * 1000)
    return lat


def run_local(work: Path, train: list, test: list, repeat: int) -> tuple[EvalReport, float]:
    """Train on ``train`` and evaluate on ``test``; returns the report and training seconds."""
    engine = LocalNlu(work / "local")
    t0 = time.perf_counter()
    engine.train(train)
    seconds = time.perf_counter() - t0
    report = asyncio.run(evaluate(engine, test, engine.extractor, "local"))
    report.latencies_ms = asyncio.run(_timed(engine, [e.text for e in test], repeat))
    return report, seconds


def run_rasa(
    work: Path, train: list, test: list, repeat: int, extractor: Any
) -> tuple[EvalReport, float] | str:
    """Train Rasa on ``train``, serve it, evaluate on ``test``; or why it was skipped."""
    venv = rasa_env.default_venv()
    if not rasa_env.is_ready(venv):
        return f"Rasa venv not built at {venv} (run `jiuzhu nlu rasa-setup`)"
    t0 = time.perf_counter()
    model = rasa_env.train(venv, work, work / "models", train, echo=lambda s: None)
    seconds = time.perf_counter() - t0
    token = secrets.token_urlsafe(12)
    with rasa_env.start_server(venv, work, model, token=token) as server:

        async def go() -> EvalReport:
            async with RasaNlu(server.url, token=token, timeout=10, fallback=None) as rasa:
                await rasa.status()
                await _timed(rasa, [e.text for e in test[:20]], 1)  # warm-up
                report = await evaluate(rasa, test, extractor, "rasa")
                report.latencies_ms = await _timed(rasa, [e.text for e in test], repeat)
                return report

        return asyncio.run(go()), seconds


UNSEEN = Path(__file__).resolve().parent / "data" / "nlu_unseen.yml"


def _row(report: EvalReport, seconds: float) -> dict[str, Any]:
    return {
        "intent_accuracy": round(report.intent_accuracy, 4),
        "macro_f1": round(report.macro_f1, 4),
        "entity_f1": round(report.entity_f1, 4),
        "parse_ms_p50": round(report.percentile_ms(50), 3),
        "parse_ms_p95": round(report.percentile_ms(95), 3),
        "train_seconds": round(seconds, 1),
        "errors": len(report.errors),
    }


def _local_over_seeds(seeds: list[int]) -> int:
    """Local intent accuracy on the held-out split of each seed, and the mean: one seed's
    20 % is a small sample of a varied set."""
    data = training_data.load()
    accuracies = []
    with tempfile.TemporaryDirectory(prefix="jiuzhu-nlu-bench-") as tmp:
        for seed in seeds:
            train, test = stratified_split(data.examples, seed=seed)
            report, _ = run_local(Path(tmp) / str(seed), train, test, repeat=0)
            accuracies.append(report.intent_accuracy)
            print(f"seed {seed:>4}: local accuracy {report.intent_accuracy:.3f}", flush=True)
    print(f"mean over {len(seeds)} seeds: {sum(accuracies) / len(accuracies):.3f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Print the comparison table (or JSON)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-rasa", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, help="latency passes over the test set")
    ap.add_argument(
        "--seeds", help="also: local accuracy over these split seeds, e.g. 13,1,2,3,4"
    )
    args = ap.parse_args(argv)
    if args.seeds:
        return _local_over_seeds([int(x) for x in args.seeds.split(",")])

    data = training_data.load()
    train, test = stratified_split(data.examples)
    unseen = training_data.load(UNSEEN).examples
    split = f"held-out split ({len(train)} train / {len(test)} test, seed {SPLIT_SEED})"
    whole = f"unseen set ({len(data.examples)} train / {len(unseen)} test, {UNSEEN.name})"
    test_sets = {split: (train, test), whole: (data.examples, unseen)}
    out: dict[str, Any] = {"examples": len(data.examples), "split_seed": SPLIT_SEED}
    with tempfile.TemporaryDirectory(prefix="jiuzhu-nlu-bench-") as tmp:
        extractor = LocalNlu(Path(tmp) / "x", data).extractor
        for n, (label, (tr, te)) in enumerate(test_sets.items()):
            work = Path(tmp) / str(n)
            rows = {"local": _row(*run_local(work, tr, te, args.repeat))}
            rasa = (
                "skipped (--skip-rasa)" if args.skip_rasa
                else run_rasa(work, tr, te, args.repeat, extractor)
            )  # fmt: skip
            rows["rasa"] = rasa if isinstance(rasa, str) else _row(*rasa)
            out[label] = rows
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    for label, rows in out.items():
        if not isinstance(rows, dict):
            continue
        print(f"NLU, {label}")
        print(f"{'engine':8} {'accuracy':>9} {'macro-F1':>9} {'entity-F1':>10} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'train s':>8}")  # fmt: skip
        for name, r in rows.items():
            if isinstance(r, str):
                print(f"{name:8} {r}")
                continue
            print(
                f"{name:8} {r['intent_accuracy']:9.3f} {r['macro_f1']:9.3f} "
                f"{r['entity_f1']:10.3f} {r['parse_ms_p50']:8.3f} {r['parse_ms_p95']:8.3f} "
                f"{r['train_seconds']:8.1f}"
            )
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
