"""``chipalloc solve``: solve a scenario and write the optimal plan to a results folder.

A MIP (MODEL.md section 7) stopped at its time limit with a plan writes that plan, marked not
optimal, and exits 4; without a plan it writes summary.json alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chipalloc.solve.cli.common import (
    EXIT,
    DebugOpt,
    MipGapOpt,
    OverridesOpt,
    ScenarioArg,
    VariantOpt,
    check_out,
    console,
    default_out,
    err,
    explain,
    fail,
    guard,
    inputs_of,
    load,
    printable,
    warn,
    warn_shortfall,
)


def solve(
    scenario: ScenarioArg = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Results folder [default: results/<name>, the name made safe]."),
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
    mip_gap: MipGapOpt = 1e-4,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    force: Annotated[
        bool, typer.Option(help="Replace an existing results folder that chipalloc wrote.")
    ] = False,
    report: Annotated[
        bool, typer.Option("--report", help="Also write report.html and PNG charts there.")
    ] = False,
    xlsx: Annotated[
        bool, typer.Option("--xlsx", help="Also write results.xlsx (one sheet per table).")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Solve a scenario and write the optimal plan to a results folder."""
    guard(
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
            xlsx,
            mip_gap,
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
    xlsx: bool = False,
    mip_gap: float = 1e-4,
) -> None:
    from chipalloc.data.discrete import is_mip
    from chipalloc.solve.api import solve as api_solve
    from chipalloc.solve.backend.options import METHODS, SolveOptions, parse_highs_options
    from chipalloc.solve.cli.display import MipProgress, show_mip, show_results, spinner
    from chipalloc.solve.pipeline import timed, write_summary_only
    from chipalloc.solve.results.write import CheckFailed, RefusedTarget

    if method not in METHODS:
        raise fail("invalid", f"--method must be one of {', '.join(METHODS)}")
    try:
        highs_options = parse_highs_options(highs_option or [])
    except ValueError as bad:
        raise fail("invalid", printable(bad)) from None
    timings: dict[str, float] = {}
    with timed(timings, "load"):
        sc = load(scenario, overrides, variant)
    target = out or default_out(sc)
    protect = inputs_of(sc, overrides)
    check_out(target, force, protect)
    warn(sc.warnings)
    options = SolveOptions(
        time_limit=time_limit,
        threads=threads,
        method=method,
        solver_log=solver_log,
        highs_options=highs_options,
        mip_gap=mip_gap,
    )
    mip_line = None  # a MIP shows its incumbent, bound and gap instead of a spinner
    if is_mip(sc) and not quiet:
        mip_line = MipProgress(err, sc.settings.objective == "max_compute")
        options.progress = mip_line
    try:
        spin = spinner(quiet or mip_line is not None)
        result = api_solve(sc, options=options, timings=timings, progress=spin)
    finally:
        if mip_line is not None:
            mip_line.close()
    run = result.run
    if run.solver.retried and not quiet:
        err.print(f"[yellow]note[/]: HiGHS ran twice ({printable(run.solver.retried)})")
    outcome = run.outcome
    if not outcome.has_plan:
        if outcome.problem == "mip" and outcome.status == "time_limit":
            write_summary_only(run, target)
        explain(run)
        raise typer.Exit(EXIT.get(outcome.status, 1))
    try:
        result.write(
            target,
            force,
            xlsx=xlsx,
            extra={"variant": variant, "overrides": str(overrides) if overrides else None},
            protect=protect,
        )
    except (RefusedTarget, FileExistsError) as refused:
        raise fail("error", printable(refused)) from None
    except CheckFailed as failed:
        for problem in failed.problems[:20]:
            err.print(f"  {printable(problem)}", soft_wrap=True)
        raise fail("error", "the solution fails the plan checker; nothing was written") from None
    if not quiet:
        show_results(console, sc, run.results, run.timings)
        if outcome.problem == "mip":
            show_mip(console, run)
        console.print(f"Results written to [bold]{printable(target)}[/]")
    warn_shortfall(run)
    if outcome.status == "time_limit":
        err.print(
            f"[bold yellow]time_limit[/]: {printable(outcome.message)}; the plan written is "
            f"not proved optimal (gap {outcome.mip_gap:.3g}, asked for {mip_gap:g})",
            soft_wrap=True,
        )
    if report:
        from chipalloc.solve.cli.report import report_folder

        report_folder(target)
    if outcome.status == "time_limit":
        raise typer.Exit(EXIT["time_limit"])
