"""``chipalloc compare``: the base and each variant side by side, with deltas."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chipalloc.solve.cli.common import (
    DebugOpt,
    ForceOpt,
    MipGapOpt,
    OutOpt,
    OverridesOpt,
    QuietOpt,
    ScenarioArg,
    SchedulerOpt,
    WorkersOpt,
    console,
    fail,
    guard,
    inputs_of,
    load,
    mip_meta,
    objective_unit,
    printable,
    run_study,
    show,
    write_tables,
)


def compare(
    scenario: ScenarioArg = None,
    overrides: OverridesOpt = None,
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", help="Variant to compare (repeat; default all)."),
    ] = None,
    mip_gap: MipGapOpt = 1e-4,
    out: OutOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Solve the base and each variant; write compare.csv side by side with deltas."""
    guard(
        debug,
        lambda: _compare(
            scenario, overrides, variant or [], mip_gap, out, workers, scheduler, force, quiet
        ),
    )


def _compare(scenario, overrides, variants, mip_gap, out, workers, scheduler, force, quiet):
    from chipalloc.data import BASE_DIR, ScenarioError, load_overrides
    from chipalloc.solve import api
    from chipalloc.solve.whatif.compare import variant_cases

    sc = load(scenario, None, None)
    path = overrides or Path(scenario or BASE_DIR) / "variants.yaml"
    try:
        edits = load_overrides(path)
        variant_cases(edits, variants)  # checked before any solve
    except ScenarioError as error:
        raise fail("invalid", printable("; ".join(str(p) for p in error.problems))) from None
    protect = inputs_of(sc, path)
    target, table, seconds = run_study(
        sc,
        lambda: api.compare(
            sc,
            variants,
            edits,
            workers=workers,
            scheduler=scheduler,
            progress=not quiet,
            mip_gap=mip_gap,
        ),
        "compare",
        "run",
        out,
        force,
        protect,
    )
    meta = {
        "scenario": sc.name,
        "overrides": str(path),
        "objective_unit": objective_unit(sc),
        "seconds": seconds,
        **mip_meta(sc, mip_gap),
    }
    write_tables(target, {"compare": table}, {"compare": meta}, force, protect)
    if not quiet:
        console.print(_compare_screen(table, objective_unit(sc)))
        console.print(f"Comparison written to [bold]{printable(str(target))}[/]")


def _compare_screen(table, unit: str) -> Table:
    """Metrics down, runs across; each variant's cell shows its change from the base."""
    screen = Table(title=f"Variants against the base ({unit} where money)")
    screen.add_column("metric", no_wrap=True)
    for name in table["variant"]:
        screen.add_column(printable(str(name)), justify="right")
    screen.add_row("status", *[printable(str(s)) for s in table["status"]])
    metrics = [
        c
        for c in table.columns
        if not c.endswith("_delta")
        and c not in ("variant", "status", "message", "objective_delta_pct")
    ]
    for metric in metrics:
        money_like = metric.endswith("_usd") or (metric == "objective" and unit == "USD")
        cells = []
        for i, value in enumerate(table[metric]):
            cell = show(value, "USD" if money_like else "")
            delta = table[f"{metric}_delta"].iloc[i] if f"{metric}_delta" in table else None
            base = table[metric].iloc[0]
            tiny = 1e-6 * max(1.0, abs(base) if isinstance(base, float) else 1.0)
            if i and delta is not None and delta == delta and abs(delta) > tiny:
                cell += f" ({'+' if delta > 0 else ''}{show(delta, 'USD' if money_like else '')})"
            cells.append(cell)
        screen.add_row(metric, *cells)
    return screen
