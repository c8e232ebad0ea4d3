"""``chipalloc alternatives``: how far plans within a slack of the optimum can differ
(MODEL.md 10.2).

Z* is the optimum; with ``near_optimal`` (objective <= (1 + delta) Z*, or >= (1 - delta) Z*
for max_compute) each group's S_g is minimised and maximised; ``--directions N`` adds N
seeded MGA plans (minimise a random weighted sum of the groups' S_g). alternatives.csv: group,
direction (min, max, mga-1 ..), status, pflops_years, share (S_g / D_W for min_cost, S_g / T
for max_compute), objective, and the optimum's own numbers; each plan is a results folder
(section 6) in its own subfolder (``vendor-nvidia-min/``, ``mga-1/``).
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
    objective_unit,
    printable,
    report_failures,
    show,
    write_tables,
)
from chipalloc.solve.cli.pareto import GroupOpt, WindowOpt, read_groups


def alternatives(
    scenario: ScenarioArg = None,
    group: GroupOpt = None,
    slack: Annotated[
        float, typer.Option(help="delta: plans within (1 + delta) of the optimum.", min=0)
    ] = 0.01,
    window: WindowOpt = None,
    directions: Annotated[
        int, typer.Option(help="MGA plans in N seeded random directions over the groups.", min=0)
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the MGA directions.")] = 0,
    mip_gap: MipGapOpt = 1e-9,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    out: OutOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Near-optimal alternatives: each group's least and greatest share within the slack."""
    guard(
        debug,
        lambda: _alternatives(
            scenario, group or [], slack, window, directions, seed, mip_gap, overrides,
            variant, out, workers, scheduler, force, quiet,
        ),
    )  # fmt: skip


def _alternatives(scenario, groups, slack, window, directions, seed, mip_gap, overrides,
                  variant, out, workers, scheduler, force, quiet):  # fmt: skip
    from chipalloc.model.independence import GroupError
    from chipalloc.solve.api import alternatives
    from chipalloc.solve.report.html import write_study_png

    if not groups:
        raise fail("invalid", "give at least one --group operator:NAME or vendor:NAME")
    sc = load(scenario, overrides, variant)
    read_groups(sc, groups, window)  # exit 2 naming an unknown group, period or a repeat
    protect = inputs_of(sc, overrides)
    target = out or default_out(sc, "-alternatives")
    check_out(target, force, protect)
    try:
        table = alternatives(
            sc, groups, slack, window=window, directions=directions, seed=seed,
            mip_gap=mip_gap, workers=workers, scheduler=scheduler, progress=not quiet,
        )  # fmt: skip
    except GroupError as error:
        raise fail("invalid", printable(error)) from None
    report_failures(table.attrs["runs"], "alternative")
    unit = objective_unit(sc)
    periods = table.attrs["window"]
    meta = {
        "scenario": sc.name,
        "objective": sc.settings.objective,
        "objective_unit": unit,
        "share_of": "demand" if sc.settings.objective == "min_cost" else "compute",
        "slack": slack,
        "groups": [g.label for g in table.attrs["groups"]],
        "window": [periods[0], periods[-1]],
        "directions": directions,
        "seed": seed,
        "optimum": table.attrs["optimum"],
        "failed": int((table["status"] != "optimal").sum()),
        "seconds": round(table.attrs["seconds"], 3),
    }
    documents = {"alternatives": json.loads(json.dumps(meta, default=_plain))}
    write_tables(target, {"alternatives": table}, documents, force, protect, table.attrs["files"])
    write_study_png(target, "alternatives")
    if not quiet:
        console.print(_screen(table, slack, unit, meta["share_of"]))
        console.print(
            f"Alternatives written to [bold]{printable(str(target))}[/] (alternatives.csv, "
            "alternatives.png, one results folder per plan)"
        )


def _plain(value):
    return value.item() if hasattr(value, "item") else str(value)


def _screen(table, slack: float, unit: str, share_of: str) -> Table:
    """The range of each group's share within the slack, and the optimum's own share."""
    from chipalloc.solve.whatif.independence import ranges

    best = "cost" if unit == "USD" else "compute"
    screen = Table(
        title=f"Within {slack:.0%} of the best {best}: each group's share of {share_of} "
        f"(PFLOPS-years; objective in {unit})",
        caption="\n".join(
            f"within {slack:.0%} of the best {best}, {printable(g)}'s share can be "
            f"{r['low']:.0%}-{r['high']:.0%} (optimum {r['optimum']:.0%})"
            for g, r in ranges(table).items()
        ),
    )
    for name in ("group", "direction", "status", "share", "optimum's share", "objective"):
        screen.add_column(name, justify="right")
    for r in table.to_dict("records"):
        cells = [printable(r["group"]), printable(r["direction"]), printable(r["status"])]
        for key in ("share", "optimum_share"):
            v = r.get(key)
            cells.append("" if v is None or v != v else f"{v:.1%}")
        cells.append(show(r.get("objective"), unit))
        screen.add_row(*cells)
    return screen
