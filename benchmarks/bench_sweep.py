"""Sweep benchmark: a 50-point sweep of the default scenario on one persistent model against
50 cold solves (a fresh model built for every point), in one process, plus the same sweep on
a process pool.

    python benchmarks/bench_sweep.py [SCENARIO] [--points 50] [--workers 2] [--site S]
                                     [--out benchmarks/results]

The sweep scales one site's power ramp (default: Abilene, the largest early site of the
default scenario; else the site with the most MW) from 50% to 150%: values only, so the
warm sweep never rebuilds. Both paths
produce the same row per point (``Study.evaluate``: apply the edits, solve, summarize); the
script checks that every warm objective equals its cold one and prints a Markdown table,
also written to ``<out>/sweep.md`` with the raw numbers in ``<out>/sweep.json``
(``sweep-<name>.*`` for another scenario).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from chipalloc.data import BASE_DIR, load_scenario
from chipalloc.solve.parallel import run_cases
from chipalloc.solve.sweep import Case, Study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=BASE_DIR)
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--site", default=None)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()

    base = load_scenario(args.scenario)
    site = args.site or "abilene"
    if site not in set(base.sites["site"]):
        site = base.site_power.groupby("site")["power_mw"].sum().idxmax()
    edit = {"table": "site_power", "where": {"site": site}, "column": "power_mw"}
    factors = [float(f) for f in np.linspace(0.5, 1.5, args.points)]
    cases = [
        Case({"point": i, "value_1": f}, [{**edit, "scale": f}], slopes=True)
        for i, f in enumerate(factors, start=1)
    ]

    start = time.perf_counter()
    study = Study(base)
    warm = [study.evaluate(case) for case in cases]
    warm_s = time.perf_counter() - start

    start = time.perf_counter()
    cold = [Study(base).evaluate(case) for case in cases]
    cold_s = time.perf_counter() - start

    start = time.perf_counter()
    pooled = run_cases(base, cases, workers=args.workers, progress=False)
    pool_s = time.perf_counter() - start

    worst = max(
        abs(w["objective"] - c["objective"]) / abs(c["objective"])
        for w, c in zip(warm, cold, strict=True)
    )
    assert all(r["status"] == "optimal" for r in warm + cold + pooled)
    assert worst < 1e-7, f"warm and cold objectives differ by {worst:.2e}"
    result = {
        "scenario": base.name,
        "points": len(cases),
        "sweep": f"site_power[site={site}].power_mw scale 0.5 .. 1.5",
        "warm_s": round(warm_s, 2),
        "cold_s": round(cold_s, 2),
        "ratio": round(cold_s / warm_s, 1),
        "pool_workers": args.workers,
        "pool_s": round(pool_s, 2),
        "rebuilt_warm": sum(bool(r["rebuilt"]) for r in warm),
        "warm_first_point_s": round(warm[0]["seconds"], 2),
        "warm_median_point_s": round(sorted(r["seconds"] for r in warm[1:])[len(warm) // 2], 3),
        "cold_median_point_s": round(sorted(r["seconds"] for r in cold)[len(cold) // 2], 3),
        "max_rel_objective_diff": worst,
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)),
    }
    table = "\n".join(
        [
            "| run | wall s | per point s (median) |",
            "|---|---|---|",
            f"| {len(cases)} cold solves (model rebuilt each point) | {result['cold_s']} | "
            f"{result['cold_median_point_s']} |",
            f"| {len(cases)}-point sweep, one persistent model | {result['warm_s']} | "
            f"{result['warm_median_point_s']} (first point {result['warm_first_point_s']}) |",
            f"| same sweep, {args.workers} worker processes | {result['pool_s']} | |",
            "",
            f"Cold / warm: **{result['ratio']}x**; largest relative objective difference "
            f"warm vs cold {worst:.1e}.",
        ]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "sweep" if args.scenario == BASE_DIR else f"sweep-{base.name}"
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
