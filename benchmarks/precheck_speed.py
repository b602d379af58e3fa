"""Pre-check speed: one-family what-if latency, and a million families in one simulation.

Run: ``.venv/bin/python -m benchmarks.precheck_speed [--families 1000000] [--repeat 300]``.
Prints p50/p95 of :func:`eligibility.service.evaluate_one` on the four story families, the
throughput of :func:`eligibility.service.evaluate` (typed results) on 10 000 families, and, in a
fresh child process so its peak RSS is its own, the seconds and peak RSS of one
:func:`eligibility.service.simulate` over N synthetic families (arrays built with numpy).
Nothing here is asserted: figures are for the report.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

# Regions of the stories plus one per tier; weights are arbitrary.
REGIONS = np.array([440106, 440304, 440781, 440203, 441825, 445303, 441900, 440705],
                   dtype=np.int32)


def synthetic_arrays(n_families: int, seed: int = 7):
    """SituationArrays for ``n_families`` random families of 1–8 people (mean ≈ 3), 2024-06."""
    from eligibility.service import SituationArrays, income_window

    rng = np.random.default_rng(seed)
    sizes = rng.choice(np.arange(1, 9), size=n_families,
                       p=[0.18, 0.24, 0.26, 0.17, 0.08, 0.04, 0.02, 0.01])
    n_persons = int(sizes.sum())
    person_family = np.repeat(np.arange(n_families, dtype=np.int64), sizes)
    starts = np.cumsum(sizes) - sizes
    position = np.arange(n_persons) - np.repeat(starts, sizes)
    role = np.where(position == 0, 0, np.where(position == 1, 1, 2)).astype(np.int64)
    birth = (np.datetime64("1940-01-01")
             + rng.integers(0, 80 * 365, size=n_persons).astype("timedelta64[D]"))
    earner = position < 2
    income = np.where(earner, rng.gamma(2.0, 900.0, size=n_persons), 0.0).round(2)
    disabled = rng.random(n_persons) < 0.06
    person = {
        "birth_date": birth,
        "disability_grade": np.where(disabled, rng.integers(1, 5, size=n_persons), 0),
        "disability_category": np.where(disabled, rng.integers(1, 8, size=n_persons), 0),
        "serious_illness": rng.random(n_persons) < 0.02,
        "declared_supporter_outside_household": rng.random(n_persons) < 0.1,
    }
    business = (rng.random(n_families) < 0.05).astype(np.int32)
    family = {
        "region": rng.choice(REGIONS, size=n_families),
        "area": rng.integers(0, 2, size=n_families),
        "residential_properties": rng.choice([0, 1, 2], size=n_families, p=[0.3, 0.6, 0.1]),
        "financial_assets": rng.exponential(15000.0, size=n_families).round(2),
        "vehicles_car": (rng.random(n_families) < 0.08).astype(np.int32),
        "vehicles_e_bike": rng.integers(0, 2, size=n_families),
        "business_count": business,
        "business_micro_count": business * (rng.random(n_families) < 0.7),
    }
    # the same income in each month of the window the rules average
    months = {month: {"monthly_income": income, "income_wage": income}
              for month in income_window("2024-06")}
    return SituationArrays(period="2024-06", family=family, person=person,
                           person_family=person_family, person_role=role, person_months=months)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def batch(n_families: int) -> dict[str, float]:
    """Build arrays and run ONE simulation over ``n_families`` (run in its own process)."""
    from eligibility.system import tax_benefit_system

    tax_benefit_system()
    rss_before = _peak_rss_mib()
    t0 = time.perf_counter()
    arrays = synthetic_arrays(n_families)
    t1 = time.perf_counter()
    from eligibility.service import simulate

    result = simulate(arrays)
    t2 = time.perf_counter()
    statuses = np.bincount(result.family["dibao_status"], minlength=3)
    return {
        "families": n_families,
        "persons": len(arrays.person_family),
        "build_arrays_s": round(t1 - t0, 2),
        "simulate_s": round(t2 - t1, 2),
        "peak_rss_mib": round(_peak_rss_mib(), 0),
        "peak_rss_before_mib": round(rss_before, 0),
        "dibao_ineligible_eligible_visit": statuses.tolist(),
    }


def what_if(repeat: int) -> dict[str, float]:
    """p50/p95 of evaluate_one over the four story families (after one warm-up each)."""
    sys.path.insert(0, ".")
    from eligibility.service import evaluate, evaluate_one
    from tests.eligibility.stories import story_a, story_b, story_c, story_d

    families = [story_a(), story_b(), story_c(), story_d(), story_d(visited=True)]
    for s in families:
        evaluate_one(s)
    times = []
    for i in range(repeat):
        s = families[i % len(families)]
        t = time.perf_counter()
        evaluate_one(s)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    many = [families[i % len(families)] for i in range(10_000)]
    t = time.perf_counter()
    evaluate(many)
    per_10k = time.perf_counter() - t
    return {
        "what_if_p50_ms": round(statistics.median(times), 2),
        "what_if_p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "evaluate_10k_typed_results_s": round(per_10k, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--batch-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.batch_only:
        print(json.dumps(batch(args.families)))
        return
    print(json.dumps(what_if(args.repeat)))
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.precheck_speed", "--batch-only",
         "--families", str(args.families)],
        capture_output=True, text=True, check=True)
    print(child.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
