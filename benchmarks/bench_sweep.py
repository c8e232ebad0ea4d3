"""Sweep benchmark: a whole `chipalloc sweep` process against one cold `chipalloc solve`.

    python benchmarks/bench_sweep.py [SCENARIO | SxCxT] [--points 50] [--kind price|power]
                                     [--workers 1,2] [--check 3] [--out benchmarks/results]

SCENARIO is a folder, ``default`` (the embedded scenario) or a generated size such as
``50x10x60`` (``chipalloc generate``, seed 0). The sweep is a price sweep by default: the unit
price of one chip (``--chip``; default the first NVIDIA chip) scaled from 0.8 to 1.2 in
``--points`` steps; ``--kind power`` scales the largest site's power ramp from 0.5 to 1.5.

Timed, each as a fresh process: one cold ``chipalloc solve`` (median of ``--repeats``), and
the sweep with each worker count of ``--workers``. Reported: sweep time / cold solve time
(issue 6: at most 10 for a 50-point price sweep of 50x10x60) and the speed-up from 1 to 2
workers. Checked: every worker count gives the same objectives, and ``--check`` points
(first, middle, last, ...) equal a cold solve of the same edited scenario (relative 1e-7).
Writes ``<out>/sweep-<name>.json`` and ``.md``.
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

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import CHIPALLOC, run_child, scenario_for  # noqa: E402

from chipalloc.data import load_scenario  # noqa: E402
from chipalloc.solve.whatif.study import Case, Study  # noqa: E402


def sweep_edit(base, kind: str, points: int, chip: str | None) -> dict:
    """The swept edit: a chip's unit price (0.8 .. 1.2) or the largest site's power (0.5 .. 1.5)."""
    if kind == "power":
        site = base.site_power.groupby("site")["power_mw"].sum().idxmax()
        return {
            "table": "site_power",
            "where": {"site": site},
            "column": "power_mw",
            "scale": f"0.5:1.5:{points}",
        }
    if chip is None:  # the NVIDIA chip with the most supply (else any chip's)
        supply = base.chip_supply.groupby("chip")["max_units"].sum()
        nvidia = set(base.chips.loc[base.chips["vendor"] == "nvidia", "chip"])
        chip = str((supply[supply.index.isin(nvidia)] if nvidia else supply).idxmax())
    return {
        "table": "chip_supply",
        "where": {"chip": chip},
        "column": "unit_cost_usd",
        "scale": f"0.8:1.2:{points}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="default")
    ap.add_argument("--points", type=int, default=50)
    ap.add_argument("--kind", choices=["price", "power"], default="price")
    ap.add_argument("--chip", default=None)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--repeats", type=int, default=2, help="cold solves (median)")
    ap.add_argument("--check", type=int, default=3, help="points re-solved cold to compare")
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "chipalloc-bench")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()

    if Path(args.scenario).is_dir():
        folder = Path(args.scenario)
    else:
        folder = scenario_for(args.scenario, args.cache)
    base = load_scenario(folder)
    edit = sweep_edit(base, args.kind, args.points, args.chip)
    work = Path(tempfile.mkdtemp(prefix="chipalloc-sweep-bench-"))

    cold = []
    for i in range(args.repeats):
        wall, _, _ = run_child(
            [CHIPALLOC, "solve", str(folder), "--out", str(work / f"cold-{i}"), "-q"],
            args.timeout,
        )
        cold.append(wall)
    cold_s = statistics.median(cold)

    sweeps: dict[int, dict] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        out = work / f"sweep-{workers}"
        argv = [CHIPALLOC, "sweep", str(folder), "--edit", yaml.safe_dump(edit, width=1000)]
        argv += ["--workers", str(workers), "--out", str(out), "-q"]
        wall, rss, _ = run_child(argv, args.timeout)
        table = pd.read_csv(out / "sweep.csv")
        assert (table["status"] == "optimal").all(), table["status"].value_counts()
        sweeps[workers] = {"wall": wall, "rss": rss, "table": table}
    shutil.rmtree(work, ignore_errors=True)  # the tables are read

    first = next(iter(sweeps.values()))["table"]
    for run in sweeps.values():
        gap = (run["table"]["objective"] - first["objective"]).abs() / first["objective"].abs()
        assert gap.max() < 1e-7, f"worker counts disagree by {gap.max():.1e}"
    last = len(first) - 1
    picks = sorted({round(i * last / max(1, args.check - 1)) for i in range(args.check)})
    op = next(k for k in ("scale", "set", "add") if k in edit)
    worst = 0.0
    for i in picks:
        row = first.iloc[i]
        case = Case({"point": int(row["point"])}, [{**edit, op: float(row["value_1"])}])
        fresh = Study(base).evaluate(case)
        worst = max(worst, abs(fresh["objective"] - row["objective"]) / abs(fresh["objective"]))
    assert worst < 1e-7, f"sweep and cold solves differ by {worst:.1e}"

    one = sweeps.get(1)
    result = {
        "scenario": args.scenario,
        "points": args.points,
        "sweep": f"{edit['table']}[{edit['where']}].{edit['column']} scale {edit['scale']}",
        "cold_solve_s": round(cold_s, 2),
        "cold_solve_runs_s": [round(c, 2) for c in cold],
        "sweep_s": {w: round(r["wall"], 2) for w, r in sweeps.items()},
        "sweep_per_cold_solve": {w: round(r["wall"] / cold_s, 2) for w, r in sweeps.items()},
        "speedup_vs_1_worker": (
            {w: round(one["wall"] / r["wall"], 2) for w, r in sweeps.items()} if one else {}
        ),
        "median_point_s": round(float(first["seconds"].iloc[1:].median()), 3),
        "first_point_s": round(float(first["seconds"].iloc[0]), 2),
        "rebuilt_points": int(first["rebuilt"].sum()),
        "checked_points": [int(first.iloc[i]["point"]) for i in picks],
        "max_rel_objective_diff_vs_cold": worst,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)),
    }
    lines = [
        f"{args.points}-point sweep of {args.scenario}: {result['sweep']}",
        "",
        "| run | wall s | / one cold solve | speed-up vs 1 worker |",
        "|---|---|---|---|",
        f"| one cold `chipalloc solve` (median of {args.repeats}) | {cold_s:.2f} | 1.00 | |",
    ]
    for w, r in sweeps.items():
        speed = result["speedup_vs_1_worker"].get(w, "")
        lines.append(
            f"| `chipalloc sweep`, {w} worker(s) | {r['wall']:.2f} | "
            f"{r['wall'] / cold_s:.2f} | {speed} |"
        )
    lines += [
        "",
        f"Median warm point {result['median_point_s']} s (first point, cold: "
        f"{result['first_point_s']} s); points rebuilt: {result['rebuilt_points']}; points "
        f"{result['checked_points']} re-solved cold agree to {worst:.1e}.",
    ]
    table = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"sweep-{args.scenario if not Path(args.scenario).is_dir() else base.name}-{args.kind}"
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
