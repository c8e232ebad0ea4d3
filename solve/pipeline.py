"""One solve from scenario to results folder: load, build, solve, extract, check, write.

Each phase is timed; the CLI and the sensitivity tools call these functions.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.core as pyo

from chipalloc.data import BASE_DIR, Scenario, apply_variant, load_overrides, load_scenario
from chipalloc.model import build_model
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.backend.solver import Outcome, Solver, highs_version
from chipalloc.solve.results.checker import check_results
from chipalloc.solve.results.extract import Results, extract, mip_summary
from chipalloc.solve.results.reduced_costs import reduced_cost_table
from chipalloc.solve.results.units import fractional_note
from chipalloc.solve.results.write import file_hashes, package_version, write_folder


@dataclass
class Run:
    """A solved (or failed) scenario with its timings in seconds per phase."""

    scenario: Scenario
    model: pyo.ConcreteModel
    solver: Solver
    outcome: Outcome
    results: Results | None
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    """Add the wall time of the block to ``timings[phase]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - start


def load(
    path: str | Path | None = None, overrides: str | Path | None = None, variant: str | None = None
) -> Scenario:
    """The scenario at ``path`` (default: the embedded base), with a variant applied."""
    scenario = load_scenario(path or BASE_DIR)
    if variant is not None:
        if overrides is None:
            overrides = Path(path or BASE_DIR) / "variants.yaml"
        notes: list[str] = []
        edits = load_overrides(overrides, notes)
        # a variant rebuilds the scenario: keep what was said about scenario.yaml itself
        base_notes = [w for w in scenario.warnings if w.startswith("scenario.yaml")]
        scenario = apply_variant(scenario, edits, variant)
        scenario.warnings[:0] = [w for w in base_notes + notes if w not in scenario.warnings]
    return scenario


def solve(
    scenario: Scenario,
    options: SolveOptions | None = None,
    timings: dict[str, float] | None = None,
    fleet_form: str = "auto",
    progress: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> Run:
    """Build (fleet in ``fleet_form``: window, recursion, or auto by size) and solve;
    extract results when there is a plan (optimal, or a MIP's incumbent at a time limit).
    ``progress()`` is entered around build and solve (the CLI's spinner)."""
    timings = {} if timings is None else timings
    with progress():
        with timed(timings, "build"):
            model = build_model(scenario, fleet_form=fleet_form)
            solver = Solver(model, options)
        with timed(timings, "handoff"):
            solver.load()
        with timed(timings, "solve"):
            outcome = solver.solve()
    results = None
    if outcome.has_plan:
        with timed(timings, "extract"):
            results = extract(scenario, solver, outcome)
    return Run(scenario, model, solver, outcome, results, timings)


def manifest(run: Run, options: SolveOptions, extra: dict[str, Any]) -> dict[str, Any]:
    """Versions, options and a hash of every input file, to reproduce the run."""
    source = Path(run.scenario.source)
    return {
        "chipalloc": package_version("chipalloc"),
        "pyomo": package_version("pyomo"),
        "highspy": package_version("highspy"),
        "highs": highs_version(),
        "python": platform.python_version(),
        "scenario": run.scenario.name,
        "scenario_folder": str(source.resolve()),
        "inputs": file_hashes(source) if source.is_dir() else {},
        "options": {
            "time_limit": options.time_limit,
            "threads": options.threads,
            "method": options.method,
            "highs_options": options.highs_options,
        },
        **extra,
    }


def write(
    run: Run,
    out: Path,
    options: SolveOptions,
    force: bool,
    extra: dict[str, Any] | None = None,
    protect: Iterable[Path] = (),
    prices: bool = True,
) -> None:
    """Check the plan against the scenario, then write the results folder atomically.

    ``prices=False`` leaves reduced_costs.csv's prices empty (a plan whose LP had another
    objective than the scenario's: ``chipalloc alternatives``).

    ``force`` replaces only a folder chipalloc wrote, and never one that is or holds the
    scenario folder or a path of ``protect`` (``results.write.check_target``).
    """
    assert run.results is not None, "only a run with a plan has results to write"
    summary = summary_of(run)
    tables = tables_of(run)
    if not prices:
        reduced = tables["reduced_costs"].copy()
        for column in ("reduced_cost", "break_even_unit_cost_usd"):
            if column in reduced:
                reduced[column] = float("nan")
        tables["reduced_costs"] = reduced
    with timed(run.timings, "write"):
        write_folder(
            out,
            tables,
            {"summary": summary, "manifest": manifest(run, options, extra or {})},
            force=force,
            verify=lambda staged: check_results(run.scenario, staged),
            protect=[Path(run.scenario.source), *protect],
        )


def summary_of(run: Run) -> dict[str, Any]:
    """summary.json of a run with a plan: the results' summary, solver facts, warnings,
    timings."""
    assert run.results is not None, "only a run with a plan has a summary"
    return {
        **run.results.summary,
        "solver": "highs",
        "solver_version": highs_version(),
        "iterations": run.outcome.iterations,
        "method": run.solver.method,
        **({"retried": run.solver.retried} if run.solver.retried else {}),
        "fleet_form": getattr(run.model, "fleet_form", "window"),
        **({"fractional_units": note} if (note := fractional_note(run.scenario)) else {}),
        "warnings": run.scenario.warnings,
        "timings_s": {k: round(v, 4) for k, v in run.timings.items()},
    }


def tables_of(run: Run) -> dict[str, pd.DataFrame]:
    """Every CSV table of a run's results folder, by name (``name.csv``)."""
    assert run.results is not None, "only a run with a plan has results tables"
    res = run.results
    return {
        "plan": res.plan,
        "sites": res.sites,
        "costs": res.costs,
        "duals": res.duals,
        "reduced_costs": reduced_cost_table(run.scenario, run.solver),
        "periods": period_table(run.scenario, res),
        **({"contracts": res.contracts} if res.contracts is not None else {}),
        **res.discrete,
    }


def write_summary_only(run: Run, out: Path) -> None:
    """A MIP stopped at its time limit without a plan: ``out`` holds summary.json alone
    (status, problem, the bound HiGHS proved, the gap asked for)."""
    outcome = run.outcome
    summary = {
        "status": outcome.status,
        "objective": None,
        "sense": "min" if run.model.objective.sense == pyo.minimize else "max",
        "scenario": run.scenario.name,
        **mip_summary(outcome),
        "message": outcome.message,
        "solver": "highs",
        "solver_version": highs_version(),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")


def period_table(scenario: Scenario, res: Results) -> pd.DataFrame:
    """periods.csv: per period, years, demand_pflops, compute_pflops (in service), unmet_pflops.

    compute_pflops = sum of plan.csv compute_pflops in the period; unmet_pflops is the
    shortfall of summary.json (0 for max_compute, where demand is not a constraint).
    """
    compute = res.plan.groupby("period")["compute_pflops"].sum()
    unmet = res.summary.get("unmet_pflops", {})
    labels = scenario.period_labels
    return pd.DataFrame(
        {
            "period": labels,
            "years": scenario.years,
            "demand_pflops": scenario.periods["demand_pflops"].to_numpy(dtype=float),
            "compute_pflops": [float(compute.get(p, 0.0)) for p in labels],
            "unmet_pflops": [float(unmet.get(p, 0.0)) for p in labels],
        }
    )
