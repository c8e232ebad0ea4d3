"""The charts of a solve's report, as plotly figures.

Periods are a categorical axis in time order (quarters read as ``2026Q3``, never as dates);
every axis names its unit; operators, vendors, chips and sites keep one colour each
(solve/palette.py). Shortfall periods are shaded red wherever compute is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from chipalloc.solve.cli.display import year_of
from chipalloc.solve.report.data import SolveFolder
from chipalloc.solve.report.palette import Palette

TOL = 1e-6
WIDTH = 1100
SHORTFALL = "rgba(214, 39, 40, 0.13)"


@dataclass
class Chart:
    """A figure with the file stem of its PNG and a sentence telling how to read it."""

    name: str
    title: str
    caption: str
    figure: go.Figure


def period_axis(
    fig: go.Figure, order: list[str], title: str | None = "period", most: int = 12
) -> None:
    """Every x axis categorical, in period order, labelled at every k-th period (<= most)."""
    step = math.ceil(len(order) / most) if order else 1
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=order,
        tickmode="array",
        tickvals=order[::step],
        title_text=title,
    )


def layout(fig: go.Figure, title: str, ytitle: str, height: int = 460, gap: int = 8) -> None:
    """Title, size, white template; the legend sits ``gap`` pixels above the plot area."""
    margin = {"t": 120, "l": 90, "r": 30, "b": 70}
    fig.update_layout(
        title=title,
        template="plotly_white",
        width=WIDTH,
        height=height,
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "x": 0,
            "y": 1 + gap / (height - margin["t"] - margin["b"]),
        },
        margin=margin,
        hovermode="x unified",
    )
    fig.update_yaxes(title_text=ytitle, rangemode="tozero")


def _shade_shortfall(fig: go.Figure, data: SolveFolder) -> None:
    """A red band over each period whose demand is not met."""
    for i, row in enumerate(data.periods.itertuples()):
        if row.unmet_pflops > TOL:
            fig.add_vrect(x0=i - 0.5, x1=i + 0.5, fillcolor=SHORTFALL, line_width=0, layer="below")


def compute_chart(data: SolveFolder, by: str, palette: Palette) -> Chart:
    """Compute in service per period, stacked by ``by`` (operator or vendor), with demand."""
    order = data.order
    pivot = data.plan.pivot_table(
        index="period", columns=by, values="compute_pflops", aggfunc="sum", fill_value=0.0
    ).reindex(order, fill_value=0.0)
    fig = go.Figure()
    for name in sorted(pivot.columns):
        fig.add_bar(x=order, y=pivot[name], name=name, marker_color=palette.colour(name))
    unmet = data.periods.set_index("period")["unmet_pflops"].reindex(order, fill_value=0.0)
    if (unmet > TOL).any():
        fig.add_bar(
            x=order,
            y=unmet,
            name="shortfall (unmet)",
            marker={"color": "rgba(255,255,255,0)", "line": {"color": "#d62728", "width": 1.5}},
            marker_pattern={"shape": "/", "fgcolor": "#d62728"},
        )
    demand = data.periods.set_index("period")["demand_pflops"].reindex(order)
    if demand.notna().any():
        label = "demand (not a constraint)" if data.maximise else "demand"
        fig.add_scatter(
            x=order,
            y=demand,
            name=label,
            mode="lines+markers",
            line={"color": palette.colour("demand"), "width": 2.5, "shape": "hvh"},
        )
    fig.update_layout(barmode="stack")
    _shade_shortfall(fig, data)
    layout(fig, f"Compute in service by {by}", "compute in service (PFLOPS, dense BF16)")
    period_axis(fig, order)
    caption = (
        f"Stacked bars: compute of the fleet in service each period, by {by}; the line is the "
        "demand target. Red bands mark periods whose demand is not met."
    )
    return Chart(f"compute_by_{by}", f"Compute in service by {by}", caption, fig)


def site_power_chart(data: SolveFolder, palette: Palette, columns: int = 3) -> Chart:
    """Facility MW used vs available, one small chart per site; built MW shaded."""
    order = data.order
    sites = data.sites
    names = list(pd.unique(sites["site"]))
    operator = sites.drop_duplicates("site").set_index("site")["operator"]
    columns = min(columns, max(len(names), 1))
    rows = max(math.ceil(len(names) / columns), 1)
    height = 190 + 230 * rows
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[f"{s} ({operator[s]})" for s in names],
        vertical_spacing=80 / (height - 190),
        horizontal_spacing=0.06,
    )
    shown: set[str] = set()
    for i, site in enumerate(names):
        table = sites[sites["site"] == site].set_index("period").reindex(order, fill_value=0.0)
        for trace in _site_traces(table, palette.colour(operator[site])):
            trace.update(legendgroup=trace.name, showlegend=trace.name not in shown)
            shown.add(trace.name)
            fig.add_trace(trace, row=i // columns + 1, col=i % columns + 1)
    layout(fig, "Facility power per site: used vs available", "", height, gap=30)
    fig.update_yaxes(title_text="facility MW", col=1)
    period_axis(fig, order, None, most=6)
    fig.update_xaxes(tickfont={"size": 9})
    caption = (
        "Bars: facility MW drawn by the fleet (IT MW x PUE). Grey line: MW the site offers "
        "without new builds; dashed green line and shading: capacity including MW built; "
        "triangles on the axis: construction started (hover for the MW)."
    )
    return Chart("site_power", "Facility power per site", caption, fig)


def _site_traces(table: pd.DataFrame, colour: str) -> list[go.BaseTraceType]:
    """Used MW bars, the no-build capacity line, built capacity and build starts of a site."""
    order = list(table.index)
    traces = [
        go.Bar(x=order, y=table["used_mw"], name="MW used", marker_color=colour),
        go.Scatter(
            x=order,
            y=table["power_mw"],
            name="MW available (no builds)",
            mode="lines",
            line={"color": "#555555", "shape": "hvh"},
        ),
    ]
    if (table["built_mw"] > TOL).any():
        traces.append(
            go.Scatter(
                x=order,
                y=table["capacity_mw"],
                name="+ built MW in service",
                mode="lines",
                fill="tonexty",
                fillcolor="rgba(89,161,79,0.3)",
                line={"color": "#59a14f", "dash": "dash", "shape": "hvh"},
            )
        )
    started = table[table["build_started_mw"] > TOL]
    if len(started):
        traces.append(
            go.Scatter(
                x=list(started.index),
                y=[0.0] * len(started),
                customdata=started["build_started_mw"],
                name="build started",
                mode="markers",
                marker={"symbol": "triangle-up", "size": 11, "color": "#2f6b2a"},
                hovertemplate="build started: %{customdata:,.1f} MW<extra></extra>",
                cliponaxis=False,
            )
        )
    return traces


def purchases_chart(data: SolveFolder, palette: Palette) -> Chart:
    """Accelerators bought per chip and period, stacked."""
    order = data.order
    pivot = data.plan.pivot_table(
        index="period", columns="chip", values="buy_units", aggfunc="sum", fill_value=0.0
    ).reindex(order, fill_value=0.0)
    fig = go.Figure()
    for chip in sorted(pivot.columns):
        if (pivot[chip] > TOL).any():
            fig.add_bar(x=order, y=pivot[chip], name=chip, marker_color=palette.colour(chip))
    fig.update_layout(barmode="stack")
    layout(fig, "Accelerators bought per period", "accelerators bought (units)")
    period_axis(fig, order)
    caption = "Units of each chip bought (and installed) in each period, all sites together."
    return Chart("purchases", "Purchases per chip", caption, fig)


def cost_chart(data: SolveFolder, palette: Palette) -> Chart:
    """Discounted cost per calendar year, stacked by kind; the shortfall penalty is left out."""
    costs = data.costs[data.costs["kind"] != "shortfall_penalty"]
    costs = costs.assign(year=costs["period"].map(year_of))
    years = list(dict.fromkeys(year_of(p) for p in data.order))
    total = costs.groupby("year")["discounted_usd"].sum()
    scale, unit = (1e9, "billion") if total.abs().max() >= 1e9 else (1e6, "million")
    fig = go.Figure()
    for kind in pd.unique(costs["kind"]):
        values = costs[costs["kind"] == kind].groupby("year")["discounted_usd"].sum()
        fig.add_bar(
            x=years,
            y=values.reindex(years, fill_value=0.0) / scale,
            name=kind,
            marker_color=palette.colour(kind),
        )
    fig.update_layout(barmode="stack")
    layout(fig, "Discounted cost by kind per year", f"USD {unit}, discounted to the start")
    period_axis(fig, years, "year")
    caption = (
        "Cost of each year discounted to the start of the horizon, by kind: capex (the share "
        "of each accelerator's life inside the horizon), facility builds, energy and lease. "
        "The shortfall penalty is not a cost paid and is left out."
    )
    return Chart("costs", "Discounted cost by kind", caption, fig)


def shadow_price_chart(data: SolveFolder) -> Chart:
    """The value of one more facility MW per site and period (in that period's money).

    A heatmap: one row per site that is ever at its power limit, one column per period. The
    colour scale stops at the 95th percentile of the nonzero values so that one spike does
    not wash out the rest; hovering shows every exact value.
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
    fig = go.Figure()
    positive = grid.to_numpy()[grid.to_numpy() > TOL]
    top = float(pd.Series(positive).quantile(0.95)) if len(positive) else 1.0
    fig.add_heatmap(
        z=grid.to_numpy(),
        x=order,
        y=list(grid.index),
        zmin=0.0,
        zmax=top,
        colorscale="Reds",
        colorbar={"title": {"text": unit, "side": "right"}},
        hovertemplate="%{y} in %{x}: %{z:,.0f} " + unit + "<extra></extra>",
        xgap=1,
        ygap=1,
    )
    if grid.empty:
        fig.add_annotation(
            text="No site is at its power limit: one more MW is worth nothing in any period.",
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
        )
    layout(fig, "Shadow price of power per site", "site", height=220 + 34 * max(len(grid), 2))
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(autorange="reversed", type="category", rangemode=None)
    period_axis(fig, order)
    caption = (
        "What one more facility MW at the site for one period is worth to the objective, in "
        f"{unit}: white means the site has spare power. Sites never at their limit are not "
        "shown; the colour scale stops at the 95th percentile (hover for exact values)."
    )
    return Chart("power_shadow_price", "Shadow price of power", caption, fig)


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
