"""The chipalloc command line: solve, validate, init.

Exit status: 0 optimal; 2 invalid scenario or overrides; 3 infeasible; 4 time limit
reached; 5 unbounded; 1 any other failure (an existing results folder without --force,
a solver error, a plan that fails the checker). Pyomo and HiGHS load only when a command
needs them, so ``--help`` answers at once.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    help="Plan which AI accelerators to buy, when, and where: a Pyomo + HiGHS LP.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

EXIT = {"optimal": 0, "invalid": 2, "infeasible": 3, "time_limit": 4, "unbounded": 5, "error": 1}

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario folder (MODEL.md format); default: the embedded base scenario."),
]
OverridesOpt = Annotated[
    Path | None,
    typer.Option("--overrides", help="Overrides YAML (default: the scenario's variants.yaml)."),
]
VariantOpt = Annotated[str | None, typer.Option("--variant", help="Variant to apply.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks (for developers).")]


def _fail(status: str, message: str) -> typer.Exit:
    err.print(f"[bold red]{status}[/]: {message}")
    return typer.Exit(EXIT[status])


def _load(scenario: Path | None, overrides: Path | None, variant: str | None):
    from chipalloc.data import ScenarioError
    from chipalloc.solve.display import problems_table
    from chipalloc.solve.pipeline import load

    if overrides is not None and variant is None:
        raise _fail("invalid", "--overrides needs --variant NAME")
    try:
        return load(scenario, overrides, variant)
    except ScenarioError as error:
        title = "Invalid scenario" + (f" ({error.context})" if error.context else "")
        err.print(problems_table(error.problems, title))
        raise _fail("invalid", f"{len(error.problems)} problem(s) found") from None


@app.command()
def solve(
    scenario: ScenarioArg = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder [default: results/<name>].")
    ] = None,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds HiGHS may run.")] = None,
    threads: Annotated[int | None, typer.Option(help="HiGHS threads.")] = None,
    method: Annotated[
        str, typer.Option(help="HiGHS method: choose, simplex, ipm, pdlp.")
    ] = "choose",
    solver_log: Annotated[Path | None, typer.Option(help="Write HiGHS's log here.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing results folder.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Solve a scenario and write the optimal plan to a results folder."""
    _guard(
        debug,
        lambda: _solve(
            scenario, out, overrides, variant, time_limit, threads, method, solver_log, quiet, force
        ),
    )


def _solve(
    scenario, out, overrides, variant, time_limit, threads, method, solver_log, quiet, force
) -> None:
    from chipalloc.solve.display import show_results
    from chipalloc.solve.export import CheckFailed
    from chipalloc.solve.highs import METHODS, SolveOptions
    from chipalloc.solve.pipeline import solve as run_solve
    from chipalloc.solve.pipeline import timed, write

    if method not in METHODS:
        raise _fail("invalid", f"--method must be one of {', '.join(METHODS)}")
    timings: dict[str, float] = {}
    with timed(timings, "load"):
        sc = _load(scenario, overrides, variant)
    target = out or Path("results") / sc.name
    if target.exists() and not force:
        raise _fail("error", f"{target} exists; use --force to replace it")
    for warning in sc.warnings:
        err.print(f"[yellow]warning[/]: {warning}")
    options = SolveOptions(
        time_limit=time_limit, threads=threads, method=method, solver_log=solver_log
    )
    run = run_solve(sc, options, timings)
    if run.outcome.status != "optimal":
        _explain(run)
        raise typer.Exit(EXIT.get(run.outcome.status, 1))
    try:
        write(
            run,
            target,
            options,
            force,
            extra={"variant": variant, "overrides": str(overrides) if overrides else None},
        )
    except CheckFailed as failed:
        for problem in failed.problems[:20]:
            err.print(f"  {problem}")
        raise _fail("error", "the solution fails the plan checker; nothing was written") from None
    if not quiet:
        show_results(console, sc, run.results, run.timings)
        console.print(f"Results written to [bold]{target}[/]")
    unmet = sum(run.results.summary.get("unmet_pflops", {}).values())
    if unmet > 1e-6:
        err.print(
            f"[bold yellow]warning[/]: demand is not met: {unmet:,.0f} PFLOPS short "
            "in total (see summary.json unmet_pflops)"
        )


def _explain(run) -> None:
    """Why a solve did not reach an optimal plan, in MODEL.md terms."""
    outcome = run.outcome
    if outcome.status == "infeasible":
        err.print("[bold red]infeasible[/]: no plan satisfies every constraint.")
        for row in outcome.fixed_conflicts:
            err.print(
                f"  {row.family} at {', '.join(map(str, row.index))}: holds no decision "
                "and is broken by the scenario's own numbers"
            )
    elif outcome.status == "time_limit":
        err.print(
            "[bold red]time_limit[/]: HiGHS stopped at the time limit; no plan is "
            "reported as optimal."
        )
    else:
        err.print(f"[bold red]{outcome.status}[/]: {outcome.message}")


@app.command()
def validate(
    scenario: ScenarioArg = None,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check a scenario (and a variant) and report every problem found."""

    def run() -> None:
        sc = _load(scenario, overrides, variant)
        for warning in sc.warnings:
            err.print(f"[yellow]warning[/]: {warning}")
        console.print(
            f"[green]valid[/]: {sc.name} ({sc.n_periods} periods, {len(sc.chips)} "
            f"chips, {len(sc.sites)} sites, {len(sc.compatible_pairs)} chip-site "
            "pairs)"
        )

    _guard(debug, run)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="New folder for a copy of the base scenario.")],
    force: Annotated[bool, typer.Option(help="Write into an existing folder.")] = False,
) -> None:
    """Copy the default scenario into FOLDER as a starting point."""
    from chipalloc.data import BASE_DIR

    if folder.exists() and any(folder.iterdir()) and not force:
        raise _fail("error", f"{folder} exists and is not empty; use --force")
    shutil.copytree(
        BASE_DIR, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    console.print(
        f"Copied the base scenario to [bold]{folder}[/]; edit its CSV files, then "
        f"run: chipalloc solve {folder}"
    )


def _guard(debug: bool, action) -> None:
    """Run a command; unexpected errors print one line (or a traceback with --debug)."""
    try:
        action()
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        err.print("interrupted; earlier results are untouched")
        raise typer.Exit(130) from None
    except Exception as error:
        if debug:
            raise
        err.print(
            f"[bold red]error[/]: {type(error).__name__}: {error} (rerun with --debug "
            "for the traceback)"
        )
        raise typer.Exit(1) from None


# Commands defined in their own modules register themselves on ``app`` when imported.
# (Each import line below adds one group of commands.)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
