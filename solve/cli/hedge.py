"""``chipalloc hedge``: one plan for several possible futures (MODEL.md section 8)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chipalloc.solve.cli.common import (
    EXIT,
    DebugOpt,
    MipGapOpt,
    ScenarioArg,
    check_out,
    console,
    default_out,
    err,
    fail,
    guard,
    inputs_of,
    load,
    printable,
    show,
    warn,
)


def hedge(
    scenario: ScenarioArg = None,
    futures: Annotated[
        Path | None,
        typer.Option(help="Futures YAML [default: futures.yaml in the scenario folder]."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder [default: results/<name>-hedge].")
    ] = None,
    risk: Annotated[
        str | None,
        typer.Option(help="Risk measure: expected, worst_case or cvar (wins over the file's)."),
    ] = None,
    alpha: Annotated[
        float | None, typer.Option(help="cvar: the tail level, 0 < alpha < 1.")
    ] = None,
    weight: Annotated[
        float | None, typer.Option(help="cvar: weight of the tail, 0 <= weight <= 1.")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option(help="Seconds HiGHS may run (each solve).", min=0)
    ] = None,
    threads: Annotated[int | None, typer.Option(help="HiGHS threads.", min=0)] = None,
    method: Annotated[
        str,
        typer.Option(help="HiGHS method: choose (by size), simplex, ipm, ipm-nox, pdlp."),
    ] = "choose",
    mip_gap: MipGapOpt = 1e-4,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    force: Annotated[
        bool, typer.Option(help="Replace an existing results folder that chipalloc wrote.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Plan for several futures at once: common decisions up to commit_through, the rest
    adapts; reports EVPI, VSS and each future's regret."""
    guard(
        debug,
        lambda: _hedge(
            scenario, futures, out, risk, alpha, weight, time_limit, threads, method, mip_gap,
            quiet, force,
        ),
    )  # fmt: skip


def _hedge(scenario, futures, out, risk, alpha, weight, time_limit, threads, method, mip_gap,
           quiet, force):  # fmt: skip
    from chipalloc.data import ScenarioError
    from chipalloc.data.futures import MEASURES, load_futures
    from chipalloc.solve.backend.options import METHODS, SolveOptions
    from chipalloc.solve.whatif.hedge import HedgeFailed, run_hedge

    if method not in METHODS:
        raise fail("invalid", f"--method must be one of {', '.join(METHODS)}")
    if risk is not None and risk not in MEASURES:
        raise fail("invalid", f"--risk must be one of {', '.join(MEASURES)}")
    sc = load(scenario, None, None)
    path = futures or Path(sc.source) / "futures.yaml"
    try:
        fs = load_futures(sc, path, risk, alpha, weight)
    except ScenarioError as error:
        for problem in error.problems:
            err.print(printable(problem), soft_wrap=True)
        where = f" in {error.context}" if error.context else ""
        raise fail("invalid", printable(f"{error.count} problem(s) found{where}")) from None
    target = out or default_out(sc, "-hedge")
    protect = inputs_of(sc, path)
    check_out(target, force, protect)
    warn(sc.warnings + [w for w in fs.warnings if w not in sc.warnings])
    options = SolveOptions(time_limit=time_limit, threads=threads, method=method, mip_gap=mip_gap)
    try:
        h = run_hedge(fs, options)
    except HedgeFailed as failed:
        _explain(failed)
        raise typer.Exit(EXIT.get(failed.outcome.status, 1)) from None
    write_hedge(h, target, options, force, protect)
    if not quiet:
        show_hedge(h)
        console.print(f"Results written to [bold]{printable(target)}[/]")


def _explain(failed) -> None:
    from chipalloc.solve.cli.common import explain

    outcome = failed.outcome
    if outcome.status == "infeasible":
        err.print(f"[bold red]infeasible[/]: {printable(failed.what)} has no plan")
        futures = _conflict_futures(failed)
        if futures:
            err.print(f"  futures in the conflict: {printable(', '.join(futures))}")
    explain(_Run(failed.solver, outcome))


class _Run:
    def __init__(self, solver, outcome):
        self.solver = solver
        self.outcome = outcome


def _conflict_futures(failed) -> list[str]:
    """The futures named by the conflicting rows (the failing future alone, or for the
    extensive form those whose rows are in its IIS)."""
    if failed.future is not None:
        return [failed.future]
    from chipalloc.solve.explain.iis import explain_infeasible

    diagnosis = explain_infeasible(failed.solver, failed.outcome.fixed_conflicts)
    first = next(iter(failed.solver.model.FUTURES))
    names: list[str] = []
    for c in diagnosis.conflicts:
        if c.family == "nonanticipativity":
            for f in (first, c.index[0]):
                if f not in names:
                    names.append(f)
    return names


def write_hedge(h, target: Path, options, force: bool, protect) -> None:
    from chipalloc.solve.cli.common import write_tables
    from chipalloc.solve.pipeline import manifest
    from chipalloc.solve.whatif.hedge import summary, tables

    class _One:  # manifest() reads a run's scenario
        scenario = h.futures.futures[0].scenario

    document = summary(h)
    document["timings_s"] = {k: round(v, 4) for k, v in h.timings.items()}
    document["solves"] = h.solves
    document["method"] = h.solver.method
    document["fleet_form"] = getattr(h.model, "fleet_form", "window")
    document["warnings"] = h.futures.warnings
    extra = {"futures_file": str(h.futures.path), "command": "hedge"}
    write_tables(
        target,
        tables(h),
        {"summary": document, "manifest": manifest(_One, options, extra)},
        force,
        protect,
    )


def show_hedge(h) -> None:
    from rich.table import Table

    from chipalloc.model.words import money

    unit = "PFLOPS-years" if h.maximise else "USD"
    word = "compute of" if h.maximise else "cost of"
    table = Table(title=f"Futures (measure: {h.futures.measure})")
    for column in (
        "future",
        "probability",
        f"{word} the hedged plan",
        "with perfect foresight",
        "regret",
    ):
        table.add_column(column, justify="left" if column == "future" else "right")
    for f in h.futures.futures:
        table.add_row(
            printable(f.name),
            f"{f.probability:.3g}",
            show(h.z[f.name], unit),
            show(h.z_star[f.name], unit),
            show(h.regret(f.name), unit),
        )
    console.print(table)
    n = len(h.futures.futures)
    everyone = "both" if n == 2 else f"all {n}" if n > 2 else "the one"
    ref = printable(h.futures.reference)
    amount = money if unit == "USD" else (lambda v: f"{v:,.0f} PFLOPS-years")
    console.print(
        f"Knowing the future in advance would be worth {amount(h.evpi)} (EVPI = RP - WS, "
        f"RP {amount(h.rp)}, WS {amount(h.ws)})."
    )
    if h.vss is None:
        console.print(
            f"Planning for {ref} and adapting later is infeasible in "
            f"{printable(', '.join(h.eev_infeasible))}: its commitments up to "
            f"{printable(h.futures.commit_through)} cannot be kept there (EEV and VSS undefined)."
        )
    else:
        if h.vss >= 0:
            verb = "gains" if h.maximise else "saves"
        else:
            verb = "gives up" if h.maximise else "costs"
        measure = "" if h.futures.measure == "expected" else f" (under {h.futures.measure})"
        console.print(
            f"Planning for {everyone} futures{measure} {verb} {amount(abs(h.vss))} "
            f"{'more ' if h.vss < 0 and not h.maximise else ''}against planning for {ref} and "
            f"adapting later, in expectation (VSS = {'RP - EEV' if h.maximise else 'EEV - RP'})."
        )
    if h.outcome.problem == "mip":
        console.print(
            f"MIP: gap proved {h.outcome.mip_gap:.3g} (asked for "
            f"{h.outcome.mip_gap_requested:g}); shadow prices are those of the LP with every "
            "integer and binary variable fixed at its value"
        )
