"""Time each phase of ``chipalloc solve`` in one process and print them as JSON.

    python benchmarks/phases.py SCENARIO OUT [--method M] [--time-limit SECONDS]

Phases: load (read + validate), build (Pyomo model), handoff (model into HiGHS), solve
(HiGHS, plus reading the solution into the model), extract (results tables), write (tables,
plan checker, atomic rename). ``imports`` is the time to import chipalloc's solve stack.
With ``--time-limit`` HiGHS may stop early: the phases up to the solve are still reported
(how the 200x20x120 overhead was measured without waiting for its solve).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

start = time.perf_counter()
from chipalloc.solve.backend.options import SolveOptions  # noqa: E402
from chipalloc.solve.pipeline import load, solve, timed, write  # noqa: E402

IMPORTS = time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="chipalloc solve, phase by phase")
    ap.add_argument("scenario", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--method", default="choose")
    ap.add_argument("--time-limit", type=float, default=None)
    args = ap.parse_args(argv)
    timings: dict[str, float] = {"imports": IMPORTS}
    with timed(timings, "load"):
        sc = load(args.scenario)
    options = SolveOptions(method=args.method, time_limit=args.time_limit)
    run = solve(sc, options, timings)
    if run.outcome.status == "optimal":
        write(run, args.out, options, force=True)
    elif args.time_limit is None:
        raise SystemExit(f"not optimal: {run.outcome}")
    timings["highs_run"] = run.solver.highs.getRunTime()
    timings["status"] = run.outcome.status
    timings["fleet_form"] = getattr(run.model, "fleet_form", "window")
    h = run.solver.highs
    timings["lp"] = {"rows": h.getNumRow(), "cols": h.getNumCol(), "nnz": h.getNumNz()}
    json.dump(timings, sys.stdout)
    print()


if __name__ == "__main__":
    main()
