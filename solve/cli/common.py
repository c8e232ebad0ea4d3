"""What every command shares: consoles, exit codes, options, and the error guard.

Exit status: 0 optimal (or the study ran and wrote its folder); 2 invalid scenario,
overrides or spec; 3 infeasible; 4 time limit reached; 5 unbounded; 1 any other failure
(an existing results folder without --force, a solver error, a plan that fails the
checker). Pyomo and HiGHS load only when a command needs them, so ``--help`` answers at once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

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

OutOpt = Annotated[
    Path | None, typer.Option(help="Output folder (default: results/<name>-<command>).")
]
WorkersOpt = Annotated[
    int | None, typer.Option(help="Worker processes (default: every core).", min=1)
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address (tcp://HOST:PORT) to run on instead of locally."),
]
ForceOpt = Annotated[bool, typer.Option(help="Replace an existing output folder.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]


def objective_unit(sc) -> str:
    return "PFLOPS-years" if sc.settings.objective == "max_compute" else "USD"


def show(value: Any, unit: str) -> str:
    from chipalloc.solve.cli.display import money

    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) == float("inf"):
            return "inf" if value > 0 else "-inf"
        if unit == "USD":
            return "-" + money(-value) if value < 0 else money(value)
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"
    return escape(str(value))


def write_tables(out: Path, tables: dict, documents: dict, force: bool) -> None:
    from chipalloc.solve.results.write import write_folder

    try:
        write_folder(out, tables, documents, force=force)
    except FileExistsError:
        raise fail("error", f"{out} exists; use --force to replace it") from None


def read_yaml(text: str, what: str) -> Any:
    """YAML text through the scenario's safe loader (no aliases, bounded messages)."""
    from chipalloc.data import limits

    if len(text) > limits.MAX_YAML_BYTES:
        raise fail(
            "invalid", escape(f"{what} {limits.too_large(len(text), limits.MAX_YAML_BYTES)}")
        )
    try:
        return limits.parse_yaml(text)
    except limits.InputError as error:
        raise fail("invalid", escape(f"{what} {error}")) from None


def read_spec(path: Path) -> Any:
    """A sweep or tornado spec: a regular YAML file under the size cap (data.limits)."""
    from chipalloc.data import limits

    try:
        return limits.load_yaml_file(path)
    except limits.InputError as error:
        raise fail("invalid", escape(f"{path} {error}")) from None


def run_study(sc, cases, kind: str, what: str, out, force, workers, scheduler, quiet):
    """Run the cases of a compare, sweep or tornado study in parallel.

    Returns (target folder, result rows, seconds). The target defaults to
    ``results/<scenario>-<kind>`` and is refused, before any solve, if it exists without --force.
    """
    from chipalloc.solve.whatif.parallel import run_cases

    target = out or Path("results") / f"{sc.name}-{kind}"
    if target.exists() and not force:
        raise fail("error", f"{target} exists; use --force to replace it")
    start = time.perf_counter()
    rows = run_cases(
        sc, cases, workers=workers, scheduler=scheduler, title=kind, progress=not quiet
    )
    report_failures(rows, what)
    return target, rows, round(time.perf_counter() - start, 3)


def report_failures(rows: list[dict], what: str) -> None:
    failed = [r for r in rows if r["status"] != "optimal"]
    if failed and all(r["status"] == "invalid" for r in rows):
        raise fail("invalid", escape(f"every {what} is invalid: {rows[0]['message']}"))
    if failed:
        err.print(
            f"[yellow]warning[/]: {len(failed)} of {len(rows)} {what}s found no optimal plan "
            "(see the status and message columns)"
        )


def fail(status: str, message: str) -> typer.Exit:
    err.print(f"[bold red]{status}[/]: {message}", soft_wrap=True)
    return typer.Exit(EXIT[status])


def load(scenario: Path | None, overrides: Path | None, variant: str | None):
    from chipalloc.data import Problem, ScenarioError
    from chipalloc.solve.cli.display import problems_table
    from chipalloc.solve.pipeline import load

    if overrides is not None and variant is None:
        raise fail("invalid", "--overrides needs --variant NAME")
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
        raise fail("invalid", escape(f"{error.count} problem(s) found{where}")) from None


def guard(debug: bool, action) -> None:
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


def warn(warnings: list[str]) -> None:
    for warning in warnings:
        err.print(f"[yellow]warning[/]: {escape(warning)}", soft_wrap=True)


def warn_shortfall(run) -> None:
    """Unmet demand is not an error, but the planner must not miss it (MODEL.md section 4)."""
    from chipalloc.solve.explain.diagnose import shortfall

    short = shortfall(run.solver, run.results.summary.get("unmet_pflops", {}))
    if short is None:
        return
    head, *rest = short.lines()
    err.print(f"[bold yellow]WARNING[/]: {escape(head)}", soft_wrap=True)
    for line in rest:
        err.print(f"  {escape(line)}", soft_wrap=True)


def explain(run) -> None:
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
