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
import math
from functools import partial
from typing import Annotated

import typer
from rich.table import Table

from chipalloc.solve.cli.common import (
    DebugOpt,
    ForceOpt,
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
    slug,
    write_tables,
)
from chipalloc.solve.cli.pareto import GroupOpt, MipGapOpt, WindowOpt, read_groups

COLUMNS = [
    "group",
    "direction",
    "status",
    "pflops_years",
    "share",
    "objective",
    "optimum_pflops_years",
    "optimum_share",
    "folder",
    "message",
    "iterations",
    "rebuilt",
    "seconds",
]


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


def folder_names(keys: list[str]) -> dict[str, str]:
    """A distinct safe subfolder name per key (``vendor:nvidia-min`` -> ``vendor-nvidia-min``)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        base = slug(key) or "plan"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        names[key] = name
    return names


def _alternatives(scenario, groups, slack, window, directions, seed, mip_gap, overrides,
                  variant, out, workers, scheduler, force, quiet):  # fmt: skip
    import time

    from chipalloc.solve.report.html import write_study_png
    from chipalloc.solve.whatif.independence import AlternativesStudy, extreme_cases, mga_cases
    from chipalloc.solve.whatif.parallel import run_cases

    if not groups:
        raise fail("invalid", "give at least one --group operator:NAME or vendor:NAME")
    sc = load(scenario, overrides, variant)
    found, periods = read_groups(sc, groups, window)
    protect = inputs_of(sc, overrides)
    target = out or default_out(sc, "-alternatives")
    check_out(target, force, protect)
    keys = [f"{g.label}-{d}" for g in found for d in ("min", "max")]
    keys += [f"mga-{i}" for i in range(1, directions + 1)]
    folders = folder_names(keys)
    cases = extreme_cases(found, folders) + mga_cases(found, directions, seed, folders)
    start = time.perf_counter()
    study = partial(AlternativesStudy, groups=found, window=periods, slack=slack, mip_gap=mip_gap)
    rows = run_cases(
        sc, cases, workers=workers, scheduler=scheduler, title="alternatives",
        progress=not quiet, study=study,
    )  # fmt: skip
    report_failures(rows, "alternative")
    optimum = next((r["optimum"] for r in rows if r.get("optimum")), None)
    table, files = _tidy(rows, cases, optimum)
    unit = objective_unit(sc)
    meta = {
        "scenario": sc.name,
        "objective": sc.settings.objective,
        "objective_unit": unit,
        "share_of": "demand" if sc.settings.objective == "min_cost" else "compute",
        "slack": slack,
        "groups": [g.label for g in found],
        "window": [periods[0], periods[-1]],
        "directions": directions,
        "seed": seed,
        "optimum": optimum,
        "failed": int((table["status"] != "optimal").sum()),
        "seconds": round(time.perf_counter() - start, 3),
    }
    documents = {"alternatives": json.loads(json.dumps(meta, default=_plain))}
    write_tables(target, {"alternatives": table}, documents, force, protect, files)
    write_study_png(target, "alternatives")
    if not quiet:
        console.print(_screen(table, slack, unit, meta["share_of"]))
        console.print(
            f"Alternatives written to [bold]{printable(str(target))}[/] (alternatives.csv, "
            "alternatives.png, one results folder per plan)"
        )


def _plain(value):
    return value.item() if hasattr(value, "item") else str(value)


def _tidy(rows, cases, optimum):
    """alternatives.csv (one row per extreme; one per group for an MGA plan) and the
    plans' files by ``folder/name``."""
    import pandas as pd

    out, files = [], {}
    for row, case in zip(rows, cases, strict=True):
        folder = case.folder if row.get("files") else ""
        for name, data in (row.get("files") or {}).items():
            files[f"{folder}/{name}"] = data
        if case.group == "all":
            labels = list(case.weights)
            expanded = []
            for g in labels:
                numbers = (row.get("groups") or {}).get(g, {})
                expanded.append({**row, "group": g, **numbers})
        else:
            expanded = [row]
        for r in expanded:
            best = (optimum or {}).get(r["group"], {})
            r = {
                **r,
                "folder": folder,
                "optimum_pflops_years": best.get("pflops_years", math.nan),
                "optimum_share": best.get("share", math.nan),
            }
            out.append({c: r.get(c, math.nan) for c in COLUMNS})
    return pd.DataFrame(out, columns=COLUMNS), files


def ranges(table):
    """Per group: least and greatest share and PFLOPS-years among its min and max plans."""
    ok = table[(table["status"] == "optimal") & table["direction"].isin(["min", "max"])]
    out = {}
    for group, rows in ok.groupby("group", sort=False):
        out[group] = {
            "low": float(rows["share"].min()),
            "high": float(rows["share"].max()),
            "optimum": float(rows["optimum_share"].iloc[0]),
        }
    return out


def _screen(table, slack: float, unit: str, share_of: str) -> Table:
    """The range of each group's share within the slack, and the optimum's own share."""
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
