"""``chipalloc sweep``: the scenario over a range of one edit, or a grid of two."""

from __future__ import annotations

import json
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
    read_yaml,
    run_study,
    show,
    write_tables,
)


def sweep(
    scenario: ScenarioArg = None,
    edit: Annotated[
        list[str] | None,
        typer.Option(
            "--edit",
            help="A swept edit in YAML, its operation holding a list or start:stop:count, e.g. "
            '"{table: chip_supply, where: {chip: GB200}, column: unit_cost_usd, '
            "scale: '0.8:1.2:9'}\". Give two for a grid.",
        ),
    ] = None,
    spec: Annotated[
        Path | None, typer.Option(help="YAML file: a list of one or two swept edits.")
    ] = None,
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
    """Solve the scenario over a range of one edit (or a grid of two): sweep.csv, sweep.png."""
    guard(
        debug,
        lambda: _sweep(
            scenario, edit or [], spec, mip_gap, overrides, variant, out, workers, scheduler,
            force, quiet,
        ),
    )  # fmt: skip


def _sweep(scenario, edits, spec, mip_gap, overrides, variant, out, workers, scheduler, force,
           quiet):  # fmt: skip
    from chipalloc.solve import api
    from chipalloc.solve.report.html import write_study_png
    from chipalloc.solve.whatif.study import SpecError
    from chipalloc.solve.whatif.sweep import parse_axis, sweep_cases

    if bool(edits) == bool(spec):
        raise fail("invalid", "give --edit (once or twice) or --spec FILE, not both")
    raw = [read_yaml(e, "--edit") for e in edits] if edits else read_spec(spec)
    try:
        if not isinstance(raw, list):
            raise SpecError("a sweep spec is a list of one or two swept edits")
        axes = [parse_axis(a) for a in raw]
        cases = sweep_cases(axes)
    except SpecError as error:
        raise fail("invalid", printable(str(error))) from None
    sc = load(scenario, overrides, variant)
    protect = inputs_of(sc, overrides, spec)
    del cases  # checked above, before the scenario is loaded; the API builds them again
    target, table, seconds = run_study(
        sc,
        lambda: api.sweep(
            sc, raw, workers=workers, scheduler=scheduler, progress=not quiet, mip_gap=mip_gap
        ),
        "sweep",
        "point",
        out,
        force,
        protect,
    )
    rows = table.attrs["runs"]
    meta = {
        "scenario": sc.name,
        "objective_unit": objective_unit(sc),
        "axes": [{"title": a.title, "edit": a.edit, "op": a.op, "values": a.values} for a in axes],
        "points": len(rows),
        "failed": int((table["status"] != "optimal").sum()),
        "rebuilt": int(table["rebuilt"].fillna(False).astype(bool).sum()),
        "seconds": seconds,
        **mip_meta(sc, mip_gap),
    }
    write_tables(
        target,
        {"sweep": table},
        {"sweep": json.loads(json.dumps(meta, default=str))},
        force,
        protect,
    )
    write_study_png(target, "sweep")
    if not quiet:
        console.print(_points_screen(table, len(axes), objective_unit(sc)))
        console.print(f"Sweep written to [bold]{printable(str(target))}[/] (sweep.csv, sweep.png)")


def _points_screen(table, n_axes: int, unit: str) -> Table:
    """The first 60 points: values, status, objective and d objective / d value."""
    screen = Table(title=f"Sweep points (objective in {unit})")
    values = [f"value_{i}" for i in range(1, n_axes + 1)]
    slopes = [f"slope_{i}" for i in range(1, n_axes + 1) if f"slope_{i}" in table.columns]
    names = ["point", *values, "status", "objective", *slopes, "rebuilt"]
    for name in names:
        screen.add_column(name.replace("slope", "d objective / d value"), justify="right")
    for r in table.head(60).to_dict("records"):
        cells = []
        for name in names:
            value = r.get(name)
            if name == "objective" or name in slopes:
                cells.append(show(value, unit))
            else:
                cells.append(printable(f"{value:,.6g}" if isinstance(value, float) else str(value)))
        screen.add_row(*cells)
    return screen
