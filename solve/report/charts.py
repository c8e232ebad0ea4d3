"""The charts of a solve's report, each defined once (solve/report/figure.py).

Periods are a categorical axis in time order (quarters read as ``2026Q3``, never as dates);
every axis names its unit; operators, vendors, chips and sites keep one colour each
(solve/report/palette.py). Shortfall periods are shaded red wherever compute is drawn.
"""

from __future__ import annotations

import math

import pandas as pd

from chipalloc.model.words import year_of
from chipalloc.solve.report import mip
from chipalloc.solve.report.data import SolveFolder
from chipalloc.solve.report.figure import FAILED, Chart, Heatmap, Panel, Series
from chipalloc.solve.report.palette import Palette

TOL = 1e-6


def compute_chart(data: SolveFolder, by: str, palette: Palette) -> Chart:
    """Compute in service per period (PFLOPS, dense BF16), stacked by ``by`` (operator or
    vendor); the demand line; unmet PFLOPS hatched and their periods shaded red."""
    order = data.order
    pivot = data.plan.pivot_table(
        index="period", columns=by, values="compute_pflops", aggfunc="sum", fill_value=0.0
    ).reindex(order, fill_value=0.0)
    series = [
        Series(name, order, pivot[name].tolist(), colour=palette.colour(name))
        for name in sorted(pivot.columns)
    ]
    unmet = data.periods.set_index("period")["unmet_pflops"].reindex(order, fill_value=0.0)
    if (unmet > TOL).any():
        series.append(Series("shortfall (unmet)", order, unmet.tolist(), colour=FAILED, hatch=True))
    demand = data.periods.set_index("period")["demand_pflops"].reindex(order)
    if demand.notna().any():
        label = "demand (not a constraint)" if data.maximise else "demand"
        colour = palette.colour("demand")
        series.append(Series(label, order, demand.tolist(), "step", colour, points=True))
    panel = Panel(
        series,
        x_title="period",
        y_title="compute in service (PFLOPS, dense BF16)",
        categories=order,
        shade=[i for i, v in enumerate(unmet) if v > TOL],
    )
    caption = (
        f"Stacked bars: compute of the fleet in service each period, by {by}; the line is the "
        "demand target. Red bands mark periods whose demand is not met."
    )
    title = f"Compute in service by {by}"
    return Chart(f"compute_by_{by}", title, caption, title, [panel])


def site_power_chart(data: SolveFolder, palette: Palette, columns: int = 3) -> Chart:
    """Facility MW used vs available, one small chart per site; MW built shaded, build
    starts marked (their MW on hover)."""
    order = data.order
    sites = data.sites
    names = list(pd.unique(sites["site"]))
    operator = sites.drop_duplicates("site").set_index("site")["operator"]
    columns = min(columns, max(len(names), 1))
    rows = max(math.ceil(len(names) / columns), 1)
    found = []
    for i, site in enumerate(names):
        table = sites[sites["site"] == site].set_index("period").reindex(order, fill_value=0.0)
        found.append(
            Panel(
                _site_series(table, palette.colour(operator[site])),
                title=f"{site} ({operator[site]})",
                y_title="facility MW" if i % columns == 0 else "",
                categories=order,
                most=6,
            )
        )
    caption = (
        "Bars: facility MW drawn by the fleet (IT MW x PUE). Grey line: MW the site offers "
        "without new builds; red line: MW contracted at a take-or-pay site (paid whether used "
        "or not); dashed green line and shading: capacity including MW built; "
        "triangles on the axis: construction started (hover for the MW)."
    )
    heading = "Facility power per site: used vs available"
    return Chart(
        "site_power", "Facility power per site", caption, heading, found, columns, 190 + 230 * rows
    )


def _site_series(table: pd.DataFrame, colour: str) -> list[Series]:
    """Used MW bars, the no-build capacity line, the contracted MW of a take-or-pay site,
    built capacity and build starts of a site."""
    order = list(table.index)
    series = [
        Series("MW used", order, table["used_mw"].tolist(), colour=colour),
        Series("MW available (no builds)", order, table["power_mw"].tolist(), "step", "#555555"),
    ]
    if "contracted_mw" in table and table["contracted_mw"].notna().any():
        contracted = table["contracted_mw"].fillna(0.0).tolist()
        series.append(Series("MW contracted (take-or-pay)", order, contracted, "step", "#e15759"))
    if (table["built_mw"] > TOL).any():
        capacity = table["capacity_mw"].tolist()
        series.append(
            Series(
                "+ built MW in service", order, capacity, "step", "#59a14f", dash=True, fill=True
            )
        )
    started = table[table["build_started_mw"] > TOL]
    if len(started):
        series.append(
            Series(
                "build started",
                list(started.index),
                [0.0] * len(started),
                "markers",
                "#2f6b2a",
                marker="^",
                hover=started["build_started_mw"].tolist(),
                hover_unit="MW",
            )
        )
    return series


def purchases_chart(data: SolveFolder, palette: Palette) -> Chart:
    """Accelerators bought (units) per chip and period, stacked."""
    order = data.order
    pivot = data.plan.pivot_table(
        index="period", columns="chip", values="buy_units", aggfunc="sum", fill_value=0.0
    ).reindex(order, fill_value=0.0)
    series = [
        Series(chip, order, pivot[chip].tolist(), colour=palette.colour(chip))
        for chip in sorted(pivot.columns)
        if (pivot[chip] > TOL).any()
    ]
    panel = Panel(series, x_title="period", y_title="accelerators bought (units)", categories=order)
    caption = "Units of each chip bought (and installed) in each period, all sites together."
    heading = "Accelerators bought per period"
    return Chart("purchases", "Purchases per chip", caption, heading, [panel])


def cost_chart(data: SolveFolder, palette: Palette) -> Chart:
    """Discounted cost (USD million or billion) per calendar year, stacked by kind; the
    shortfall penalty is left out."""
    costs = data.costs[data.costs["kind"] != "shortfall_penalty"]
    costs = costs.assign(year=costs["period"].map(year_of))
    years = list(dict.fromkeys(year_of(p) for p in data.order))
    total = costs.groupby("year")["discounted_usd"].sum()
    scale, unit = (1e9, "billion") if total.abs().max() >= 1e9 else (1e6, "million")
    series = []
    for kind in pd.unique(costs["kind"]):
        values = costs[costs["kind"] == kind].groupby("year")["discounted_usd"].sum()
        values = (values.reindex(years, fill_value=0.0) / scale).tolist()
        series.append(Series(kind, years, values, colour=palette.colour(kind)))
    panel = Panel(
        series, x_title="year", y_title=f"USD {unit}, discounted to the start", categories=years
    )
    caption = (
        "Cost of each year discounted to the start of the horizon, by kind: capex (the share "
        "of each accelerator's life inside the horizon), facility builds, energy and lease. "
        "The shortfall penalty is not a cost paid and is left out."
    )
    heading = "Discounted cost by kind per year"
    return Chart("costs", "Discounted cost by kind", caption, heading, [panel])


def robust_top(values) -> float:
    """The top of a colour scale: the 95th percentile of ``values``, or the upper Tukey
    fence Q3 + 1.5 (Q3 - Q1) when lower, so a block of outliers larger than 5 % of the cells
    (one expensive period at every site) is clipped too; 1.0 for no values."""
    values = pd.Series(values, dtype=float)
    if values.empty:
        return 1.0
    q1, q3, p95 = values.quantile([0.25, 0.75, 0.95])
    top = min(p95, q3 + 1.5 * (q3 - q1))
    return float(top) if top > 0 else float(values.max())


def shadow_price_chart(data: SolveFolder) -> Chart:
    """The value of one more facility MW per site and period (USD per MW in that period's
    money, or PFLOPS-years per MW for max_compute).

    A heatmap: one row per site that is ever at its power limit, one column per period. The
    colour scale stops at ``robust_top`` of the nonzero values so that one spike (even a
    whole dark column) does not wash out the rest; hovering shows every exact value.
    """
    order = data.order
    sites = data.sites
    unit = str(sites["shadow_price_unit"].iloc[0]) if "shadow_price_unit" in sites else ""
    unit = unit or ("PFLOPS-years per MW" if data.maximise else "USD per MW")
    unit += "" if data.maximise else ", nominal"
    grid = sites.pivot_table(
        index="site", columns="period", values="power_shadow_price_nominal", aggfunc="sum"
    ).reindex(columns=order, fill_value=0.0)
    grid = grid[(grid.abs() > TOL).any(axis=1)]
    grid = grid.reindex([s for s in pd.unique(sites["site"]) if s in grid.index])
    top = robust_top(grid.to_numpy()[grid.to_numpy() > TOL])
    heatmap = Heatmap(grid.to_numpy().tolist(), order, list(grid.index), top, unit)
    note = ""
    if grid.empty:
        note = "No site is at its power limit: one more MW is worth nothing in any period."
    panel = Panel(
        x_title="period", y_title="site", categories=order, heatmap=heatmap, note=note, zero=False
    )
    caption = (
        "What one more facility MW at the site for one period is worth to the objective, in "
        f"{unit}: white means the site has spare power. Sites never at their limit are not "
        "shown; the colour scale is clipped at a robust top, the 95th percentile or less, so "
        "one expensive period does not wash out the rest (hover for exact values)."
        + mip.duals_caption(data.summary)
    )
    heading = "Shadow price of power per site"
    height = 220 + 34 * max(len(grid), 2)
    return Chart(
        "power_shadow_price", "Shadow price of power", caption, heading, [panel], 1, height
    )


def solve_charts(data: SolveFolder) -> list[Chart]:
    """Every chart of a solve report, in page order."""
    names = [
        *data.plan["operator"],
        *data.plan["vendor"],
        *data.plan["chip"],
        *data.sites["site"],
        *data.sites["operator"],
    ]
    palette = Palette(names)
    return [
        compute_chart(data, "operator", palette),
        compute_chart(data, "vendor", palette),
        site_power_chart(data, palette),
        purchases_chart(data, palette),
        cost_chart(data, palette),
        shadow_price_chart(data),
    ]
