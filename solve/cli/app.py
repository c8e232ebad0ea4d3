"""The chipalloc command line: solve, validate, init.

Exit status: 0 optimal; 2 invalid scenario or overrides; 3 infeasible; 4 time limit
reached; 5 unbounded; 1 any other failure (an existing results folder without --force,
a solver error, a plan that fails the checker). Pyomo and HiGHS load only when a command
needs them, so ``--help`` answers at once.
"""

from __future__ import annotations

import gc
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    help="Plan which AI accelerators to buy, when, and where: a Pyomo + HiGHS LP.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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
    err.print(f"[bold red]{status}[/]: {message}", soft_wrap=True)
    return typer.Exit(EXIT[status])


def _load(scenario: Path | None, overrides: Path | None, variant: str | None):
    from chipalloc.data import Problem, ScenarioError
    from chipalloc.solve.cli.display import problems_table
    from chipalloc.solve.pipeline import load

    if overrides is not None and variant is None:
        raise _fail("invalid", "--overrides needs --variant NAME")
    try:
        return load(scenario, overrides, variant)
    except ScenarioError as error:
        where = f" in {error.context}" if error.context else ""
        if err.is_terminal:
            shown = [
                Problem(escape(p.file), escape(p.message), p.row, p.column and escape(p.column))
                for p in error.problems
            ]
            err.print(problems_table(shown, escape("Invalid scenario" + where)))
        else:
            for problem in error.problems:
                err.print(escape(str(problem)), soft_wrap=True)
        raise _fail("invalid", escape(f"{len(error.problems)} problem(s) found{where}")) from None


@app.command()
def solve(
    scenario: ScenarioArg = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder [default: results/<name>].")
    ] = None,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds HiGHS may run.", min=0)] = None,
    threads: Annotated[int | None, typer.Option(help="HiGHS threads.", min=0)] = None,
    method: Annotated[
        str,
        typer.Option(
            help="HiGHS method: choose (by size), simplex, ipm (with crossover), ipm-nox "
            "(interior point without crossover), pdlp."
        ),
    ] = "choose",
    solver_log: Annotated[Path | None, typer.Option(help="Write HiGHS's log here.")] = None,
    highs_option: Annotated[
        list[str] | None,
        typer.Option(
            help="A HiGHS option NAME=VALUE, repeatable (e.g. presolve=off); wins over the "
            "method's own options."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing results folder.")] = False,
    report: Annotated[
        bool, typer.Option("--report", help="Also write report.html and PNG charts there.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Solve a scenario and write the optimal plan to a results folder."""
    _guard(
        debug,
        lambda: _solve(
            scenario,
            out,
            overrides,
            variant,
            time_limit,
            threads,
            method,
            solver_log,
            quiet,
            force,
            report,
            highs_option or [],
        ),
    )


def _solve(
    scenario,
    out,
    overrides,
    variant,
    time_limit,
    threads,
    method,
    solver_log,
    quiet,
    force,
    report=False,
    highs_option: list[str] | None = None,
) -> None:
    from chipalloc.solve.backend.options import METHODS, SolveOptions, parse_highs_options
    from chipalloc.solve.cli.display import show_results
    from chipalloc.solve.pipeline import solve as run_solve
    from chipalloc.solve.pipeline import timed, write
    from chipalloc.solve.results.write import CheckFailed

    if method not in METHODS:
        raise _fail("invalid", f"--method must be one of {', '.join(METHODS)}")
    try:
        highs_options = parse_highs_options(highs_option or [])
    except ValueError as bad:
        raise _fail("invalid", escape(str(bad))) from None
    timings: dict[str, float] = {}
    with timed(timings, "load"):
        sc = _load(scenario, overrides, variant)
    target = out or Path("results") / sc.name
    if target.exists() and not force:
        raise _fail("error", f"{target} exists; use --force to replace it")
    _warn(sc.warnings)
    options = SolveOptions(
        time_limit=time_limit,
        threads=threads,
        method=method,
        solver_log=solver_log,
        highs_options=highs_options,
    )
    run = run_solve(sc, options, timings)
    if run.solver.retried and not quiet:
        err.print(f"[yellow]note[/]: HiGHS ran twice ({escape(run.solver.retried)})")
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
    _warn_shortfall(run)
    if report:
        from chipalloc.solve.cli.report import report_folder

        report_folder(target)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        err.print(f"[yellow]warning[/]: {escape(warning)}", soft_wrap=True)


def _warn_shortfall(run) -> None:
    """Unmet demand is not an error, but the planner must not miss it (MODEL.md section 4)."""
    from chipalloc.solve.explain.diagnose import shortfall

    short = shortfall(run.solver, run.results.summary.get("unmet_pflops", {}))
    if short is None:
        return
    head, *rest = short.lines()
    err.print(f"[bold yellow]WARNING[/]: {escape(head)}", soft_wrap=True)
    for line in rest:
        err.print(f"  {escape(line)}", soft_wrap=True)


def _explain(run) -> None:
    """Why a solve did not reach an optimal plan, in MODEL.md terms; nothing is written."""
    outcome = run.outcome
    if outcome.status == "infeasible":
        from chipalloc.solve.explain.diagnose import explain_infeasible

        err.print("[bold red]infeasible[/]: no plan satisfies every constraint; these conflict:")
        diagnosis = explain_infeasible(run.solver, outcome.fixed_conflicts)
        for line in diagnosis.lines():
            err.print(f"  {escape(line)}", soft_wrap=True)
        if not diagnosis.conflicts:
            err.print("  (HiGHS found no conflicting rows to report; rerun with --solver-log)")
        err.print(f"(found by {diagnosis.method} in {diagnosis.seconds:.2f}s; nothing was written)")
    elif outcome.status == "time_limit":
        err.print(
            f"[bold red]time_limit[/]: HiGHS stopped at its limit ({escape(outcome.message)}) "
            "before proving a plan optimal; nothing was written. Raise --time-limit.",
            soft_wrap=True,
        )
    else:
        err.print(f"[bold red]{outcome.status}[/]: {escape(outcome.message)}; nothing was written")


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
        _warn(sc.warnings)
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
            f"[bold red]error[/]: {type(error).__name__}: {escape(str(error))} (rerun with "
            "--debug for the traceback)"
        )
        raise typer.Exit(1) from None


# Commands defined in their own modules register themselves on ``app`` when imported.
import chipalloc.solve.cli.generate  # noqa: E402,F401
import chipalloc.solve.cli.report  # noqa: E402,F401
import chipalloc.solve.cli.studies  # noqa: E402,F401


def main() -> None:
    """The ``chipalloc`` console command.

    When the command ends the process ends: ``gc.freeze()`` spares the exit its last sweep of
    the Pyomo model's reference cycles (0.4 s of a 50x10x60 solve), which would free memory
    the operating system reclaims anyway.
    """
    try:
        app()
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
