"""NLU: local engine vs Rasa DIET on a held-out split of our own training data.

Run: ``.venv/bin/python -m benchmarks.nlu_eval [--skip-rasa] [--json] [--repeat 5]``.

The examples of ``nlu/data`` are split stratified by intent (20 % held out, seed 13). Each
engine is trained on the other 80 % only: the local engine in-process, Rasa with
``rasa train nlu`` in its own venv (built by ``jiuzhu nlu rasa-setup``; skipped with a note
when missing), then served on a free loopback port. Both parse the held-out texts through
the same :class:`~nlu.engine.NluEngine` interface; the figures are intent accuracy,
macro-F1, entity F1 and parse latency p50/p95 (the local engine in-process; Rasa including
the HTTP round trip, as the bot sees it). Nothing here is asserted: figures are for the
report.
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


def main(argv: list[str] | None = None) -> int:
    """Print the comparison table (or JSON)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-rasa", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, help="latency passes over the test set")
    args = ap.parse_args(argv)

    data = training_data.load()
    train, test = stratified_split(data.examples)
    with tempfile.TemporaryDirectory(prefix="jiuzhu-nlu-bench-") as tmp:
        work = Path(tmp)
        local, local_s = run_local(work, train, test, args.repeat)
        extractor = LocalNlu(work / "x", data).extractor
        rasa = (
            "skipped (--skip-rasa)" if args.skip_rasa
            else run_rasa(work, train, test, args.repeat, extractor)
        )  # fmt: skip

    rows = [("local", local, local_s)]
    if not isinstance(rasa, str):
        rows.append(("rasa", rasa[0], rasa[1]))
    out = {
        "examples": len(data.examples),
        "train": len(train),
        "test": len(test),
        "split_seed": SPLIT_SEED,
        "engines": {
            name: {
                "intent_accuracy": round(r.intent_accuracy, 4),
                "macro_f1": round(r.macro_f1, 4),
                "entity_f1": round(r.entity_f1, 4),
                "parse_ms_p50": round(r.percentile_ms(50), 3),
                "parse_ms_p95": round(r.percentile_ms(95), 3),
                "train_seconds": round(s, 1),
                "errors": len(r.errors),
            }
            for name, r, s in rows
        },
    }
    if isinstance(rasa, str):
        out["rasa"] = rasa
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(
        f"NLU held-out split: {len(train)} train / {len(test)} test examples "
        f"(stratified, seed {SPLIT_SEED})"
    )
    print(f"{'engine':8} {'accuracy':>9} {'macro-F1':>9} {'entity-F1':>10} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'train s':>8}")  # fmt: skip
    for name, r, s in rows:
        print(
            f"{name:8} {r.intent_accuracy:9.3f} {r.macro_f1:9.3f} {r.entity_f1:10.3f} "
            f"{r.percentile_ms(50):8.3f} {r.percentile_ms(95):8.3f} {s:8.1f}"
        )
    if isinstance(rasa, str):
        print(f"rasa     {rasa}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
