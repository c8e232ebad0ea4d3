"""``chipalloc tornado``: the low and high case of each uncertain parameter, by swing."""

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
    VariantOpt,
    WorkersOpt,
    console,
    fail,
    guard,
    inputs_of,
    load,
    mip_meta,
    objective_unit,
    printable,
    read_spec,
    run_study,
    show,
    write_tables,
)


def tornado(
    scenario: ScenarioArg = None,
    spec: Annotated[Path, typer.Option(help="YAML: parameter -> {low: edits, high: edits}.")] = ...,
    mip_gap: MipGapOpt = 1e-4,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    out: OutOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Low and high case of each uncertain parameter: tornado.csv and tornado.png by swing."""
    guard(
        debug,
        lambda: _tornado(
            scenario, spec, mip_gap, overrides, variant, out, workers, scheduler, force, quiet
        ),
    )


def _tornado(scenario, spec, mip_gap, overrides, variant, out, workers, scheduler, force, quiet):
    from chipalloc.solve import api
    from chipalloc.solve.report.html import write_study_png
    from chipalloc.solve.whatif.study import SpecError
    from chipalloc.solve.whatif.tornado import parse_tornado

    raw = read_spec(spec)
    try:
        parse_tornado(raw)  # checked before the scenario is loaded
    except SpecError as error:
        raise fail("invalid", printable(str(error))) from None
    sc = load(scenario, overrides, variant)
    protect = inputs_of(sc, overrides, spec)
    target, table, seconds = run_study(
        sc,
        lambda: api.tornado(
            sc, raw, workers=workers, scheduler=scheduler, progress=not quiet, mip_gap=mip_gap
        ),
        "tornado",
        "run",
        out,
        force,
        protect,
    )
    meta = {
        "scenario": sc.name,
        "objective_unit": objective_unit(sc),
        "spec": str(spec),
        "seconds": seconds,
        **mip_meta(sc, mip_gap),
    }
    write_tables(target, {"tornado": table}, {"tornado": meta}, force, protect)
    write_study_png(target, "tornado")
    if not quiet:
        unit = objective_unit(sc)
        base = show(table["base_objective"].iloc[0], unit)
        screen = Table(title=f"Tornado (objective in {unit}; base {base})")
        for column in ("parameter", "low case", "high case", "swing"):
            screen.add_column(column, justify="left" if column == "parameter" else "right")
        for r in table.to_dict("records"):
            screen.add_row(
                printable(r["parameter"]),
                _delta(r, "low", unit),
                _delta(r, "high", unit),
                show(r["swing"], unit),
            )
        console.print(screen)
        console.print(
            f"Tornado written to [bold]{printable(str(target))}[/] (tornado.csv, tornado.png)"
        )


def _delta(r: dict, side: str, unit: str) -> str:
    if r[f"{side}_status"] != "optimal":
        return printable(str(r[f"{side}_status"]))
    delta = r[f"{side}_delta"]
    if abs(delta) <= 1e-9 * max(1.0, abs(r["base_objective"])):
        return "0"
    return f"{'+' if delta > 0 else ''}{show(delta, unit)}"
