"""``chipalloc pareto``: what each level of independence from one group costs (MODEL.md 10.1).

For each cap eps: the scenario's model plus ``independence``: S_g - eps * T <= 0, one warm
re-solve of one persistent model per cap; pareto.csv holds cap, status, objective, share
(S_g / T reached), marginal_cost_per_point (-mu * T / 100) and the PFLOPS-years of the group
and of the whole fleet in the window.
"""

from __future__ import annotations

import json
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
    check_out,
    console,
    default_out,
    fail,
    guard,
    inputs_of,
    load,
    mip_meta,
    objective_unit,
    printable,
    report_failures,
    show,
    write_tables,
)

GroupOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--group", help="operator:NAME or vendor:NAME (a site's operator, a chip's vendor)."
    ),
]
WindowOpt = Annotated[
    str | None,
    typer.Option(help="Periods FROM:TO counted in S_g and T (default: the whole horizon)."),
]


def read_groups(sc, texts: list[str], window: str | None):
    """The groups and window periods, or exit 2 naming what the scenario lacks."""
    from chipalloc.model.independence import GroupError, parse_group, parse_window

    try:
        groups = [parse_group(t, sc) for t in texts]
        periods = parse_window(window, sc)
    except GroupError as error:
        raise fail("invalid", printable(error)) from None
    labels = [g.label for g in groups]
    if len(set(labels)) != len(labels):
        raise fail("invalid", "a group is given twice")
    return groups, periods


def parse_caps(text: str) -> list[float]:
    """``0.6,0.5,0.4``: caps in [0, 1]."""
    try:
        caps = [float(x) for x in str(text).split(",") if x.strip()]
    except ValueError:
        raise fail("invalid", printable(f"--caps {text!r}: comma-separated numbers")) from None
    if not caps or any(not 0.0 <= c <= 1.0 for c in caps):
        raise fail("invalid", printable(f"--caps {text!r}: each cap is a share in [0, 1]"))
    return caps


def pareto(
    scenario: ScenarioArg = None,
    group: GroupOpt = None,
    caps: Annotated[
        str, typer.Option(help="Caps on the group's share of PFLOPS-years, comma-separated.")
    ] = "0.6,0.5,0.4,0.3,0.2",
    window: WindowOpt = None,
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
    """The cost of independence: the objective for each cap on a group's share (pareto.csv)."""
    guard(
        debug,
        lambda: _pareto(
            scenario, group or [], caps, window, mip_gap, overrides, variant, out, workers,
            scheduler, force, quiet,
        ),
    )  # fmt: skip


def _pareto(scenario, groups, caps, window, mip_gap, overrides, variant, out, workers,
            scheduler, force, quiet):  # fmt: skip
    from chipalloc.solve.api import pareto
    from chipalloc.solve.report.html import write_study_png

    if len(groups) != 1:
        raise fail("invalid", "give exactly one --group operator:NAME or vendor:NAME")
    values = parse_caps(caps)
    sc = load(scenario, overrides, variant)
    (group,), periods = read_groups(sc, groups, window)
    protect = inputs_of(sc, overrides)
    target = out or default_out(sc, "-pareto")
    check_out(target, force, protect)
    table = pareto(
        sc, groups[0], values, window=window, mip_gap=mip_gap, workers=workers,
        scheduler=scheduler, progress=not quiet,
    )  # fmt: skip
    report_failures(table.attrs["runs"], "cap")
    unit = objective_unit(sc)
    meta = {
        "scenario": sc.name,
        "objective": sc.settings.objective,
        "objective_unit": unit,
        "marginal_unit": f"{unit} per point",
        "group": group.label,
        "window": [periods[0], periods[-1]],
        "caps": values,
        "failed": int((table["status"] != "optimal").sum()),
        "rebuilt": int(table["rebuilt"].fillna(False).astype(bool).sum()),
        "seconds": round(table.attrs["seconds"], 3),
        **mip_meta(sc, mip_gap),
    }
    write_tables(
        target, {"pareto": table}, {"pareto": json.loads(json.dumps(meta))}, force, protect
    )
    write_study_png(target, "pareto")
    if not quiet:
        console.print(_screen(table, group.label, unit))
        console.print(
            f"Pareto written to [bold]{printable(str(target))}[/] (pareto.csv, pareto.png)"
        )


def _screen(table, label: str, unit: str) -> Table:
    """cap, status, objective, share reached, marginal cost per point."""
    screen = Table(title=f"Cost of independence from {printable(label)} (objective in {unit})")
    for name in ("cap", "status", "objective", "share", f"{unit} per point"):
        screen.add_column(name, justify="right")
    for r in table.to_dict("records"):
        share = r.get("share")
        screen.add_row(
            f"{r['cap']:.0%}",
            printable(r["status"]),
            show(r.get("objective"), unit),
            "" if share != share or share is None else f"{share:.1%}",
            show(r.get("marginal_cost_per_point"), unit),
        )
    return screen
