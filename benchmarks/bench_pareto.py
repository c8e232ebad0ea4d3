"""Section 10 benchmark: whole `chipalloc pareto` and `chipalloc alternatives` processes
against one cold `chipalloc solve` of the same scenario.

    python benchmarks/bench_pareto.py [SCENARIO | SxCxT] [--caps 10] [--repeats 3]
                                      [--group vendor:nvidia] [--group2 operator:microsoft]
                                      [--out benchmarks/results]

SCENARIO is a folder, ``default`` (the embedded scenario) or a generated size such as
``50x10x60`` (``chipalloc generate``, seed 0). Timed, each as a fresh process with one
worker, in alternating rounds (cold solve, pareto, alternatives, then again): a cold
``chipalloc solve``; a ``--caps``-cap ``chipalloc pareto`` of ``--group`` (caps evenly from
0.6 down to 0.15); a two-group ``chipalloc alternatives`` (``--group`` and ``--group2``,
slack 1%: Z* and four extreme plans, each written as a results folder). Reported: medians
and each study's time / cold solve time (targets: pareto at most 3x, alternatives at most
4x), and the caps rebuilt (none expected). Writes ``<out>/pareto-<name>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import CHIPALLOC, run_child, scenario_for  # noqa: E402

TARGETS = {"pareto": 3.0, "alternatives": 4.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="default")
    ap.add_argument("--caps", type=int, default=10)
    ap.add_argument("--group", default="vendor:nvidia")
    ap.add_argument("--group2", default="operator:microsoft")
    ap.add_argument("--repeats", type=int, default=3, help="alternating rounds (median)")
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "chipalloc-bench")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()

    folder = Path(args.scenario) if Path(args.scenario).is_dir() else None
    folder = folder or scenario_for(args.scenario, args.cache)
    caps = ",".join(f"{c:.4g}" for c in np.linspace(0.6, 0.15, args.caps))
    work = Path(tempfile.mkdtemp(prefix="chipalloc-pareto-bench-"))
    argvs = {
        "solve": lambda o: [CHIPALLOC, "solve", str(folder), "--out", o, "-q"],
        "pareto": lambda o: [
            CHIPALLOC, "pareto", str(folder), "--group", args.group, "--caps", caps,
            "--workers", "1", "--out", o, "-q",
        ],
        "alternatives": lambda o: [
            CHIPALLOC, "alternatives", str(folder), "--group", args.group, "--group",
            args.group2, "--slack", "0.01", "--workers", "1", "--out", o, "-q",
        ],
    }  # fmt: skip
    walls: dict[str, list[float]] = {k: [] for k in argvs}
    tables: dict[str, pd.DataFrame] = {}
    for i in range(args.repeats):
        for kind, argv in argvs.items():
            out = work / f"{kind}-{i}"
            wall, _, _ = run_child(argv(str(out)), args.timeout)
            walls[kind].append(wall)
            if kind != "solve":
                tables[kind] = pd.read_csv(out / f"{kind}.csv")
    shutil.rmtree(work, ignore_errors=True)
    median = {k: statistics.median(v) for k, v in walls.items()}
    pareto, alternatives = tables["pareto"], tables["alternatives"]
    result = {
        "scenario": args.scenario,
        "caps": caps,
        "groups": [args.group, args.group2],
        "median_s": {k: round(v, 2) for k, v in median.items()},
        "runs_s": {k: [round(x, 2) for x in v] for k, v in walls.items()},
        "per_cold_solve": {k: round(median[k] / median["solve"], 2) for k in TARGETS},
        "targets": TARGETS,
        "pareto_status": pareto["status"].value_counts().to_dict(),
        "pareto_rebuilt_after_first": int(pareto["rebuilt"].iloc[1:].astype(bool).sum()),
        "alternatives_status": alternatives["status"].value_counts().to_dict(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)),
    }
    lines = [
        f"Section 10 on {args.scenario}: {args.caps}-cap pareto of {args.group}; alternatives "
        f"of {args.group} and {args.group2} at 1% slack; one worker; median of {args.repeats} "
        "alternating rounds",
        "",
        "| run | wall s | / one cold solve | target |",
        "|---|---|---|---|",
        f"| one cold `chipalloc solve` | {median['solve']:.2f} | 1.00 | |",
    ]
    for kind, target in TARGETS.items():
        lines.append(
            f"| `chipalloc {kind}` | {median[kind]:.2f} | {median[kind] / median['solve']:.2f} "
            f"| <= {target:g} |"
        )
    lines += [
        "",
        f"Pareto statuses {result['pareto_status']}, caps rebuilt after the first: "
        f"{result['pareto_rebuilt_after_first']}; alternatives statuses "
        f"{result['alternatives_status']}.",
    ]
    table = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    name = folder.name if Path(args.scenario).is_dir() else args.scenario
    stem = f"pareto-{name}"
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (args.out / f"{stem}.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
