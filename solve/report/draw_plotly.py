"""A chart description (solve/report/figure.py) as an interactive plotly figure.

Categorical axes keep the given order (quarters read as ``2026Q3``, never as dates) and
label every k-th category; the legend sits above the plot area; hover shows exact values.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from chipalloc.solve.report.figure import WIDTH, Chart, Panel, Series

SHADE = "rgba(214, 39, 40, 0.13)"
SYMBOLS = {"o": "circle", "x": "x", "^": "triangle-up"}


def to_plotly(chart: Chart) -> go.Figure:
    """The figure: one subplot per panel, ``chart.columns`` to a row."""
    cols = min(chart.columns, max(len(chart.panels), 1))
    rows = max(math.ceil(len(chart.panels) / cols), 1)
    many = len(chart.panels) > 1
    if many:
        fig = make_subplots(
            rows=rows,
            cols=cols,
            subplot_titles=[p.title for p in chart.panels],
            vertical_spacing=min(80 / max(chart.height - 190, 1), 0.3),
            horizontal_spacing=0.06,
        )
    else:
        fig = go.Figure()
    shown: set[str] = set()
    for i, panel in enumerate(chart.panels):
        cell = {"row": i // cols + 1, "col": i % cols + 1} if many else {}
        for series in panel.series:
            trace = _trace(series, panel.horizontal)
            trace.update(
                legendgroup=series.name, showlegend=series.legend and series.name not in shown
            )
            if series.legend:
                shown.add(series.name)
            fig.add_trace(trace, **cell)
        if panel.heatmap is not None:
            fig.add_trace(_heatmap(panel), **cell)
        _axes(fig, panel, cell)
    _layout(fig, chart, many)
    return fig


def _by_period(panel: Panel) -> bool:
    """Vertical series over categories: hover shows every series of a category at once."""
    return panel.categories is not None and not panel.horizontal and panel.heatmap is None


def _trace(s: Series, horizontal: bool) -> go.BaseTraceType:
    if s.kind == "bar":
        values = s.y if s.base is None else _minus(s.y, s.base)
        bar = go.Bar(name=s.name, marker_color=s.colour, base=s.base)
        if s.hatch:
            bar.update(
                marker={"color": "rgba(255,255,255,0)", "line": {"color": s.colour, "width": 1.5}},
                marker_pattern={"shape": "/", "fgcolor": s.colour},
            )
    else:
        mode = "markers" if s.kind == "markers" else "lines+markers" if s.points else "lines"
        values = s.y
        bar = go.Scatter(name=s.name, mode=mode, cliponaxis=s.kind != "markers")
        bar.update(line={"color": s.colour, "width": 2.5 if s.points else 2})
        bar.update(marker={"color": s.colour, "symbol": SYMBOLS[s.marker]})
        if s.kind == "step":
            bar.update(line_shape="hvh")
        if s.dash:
            bar.update(line_dash="dash")
        if s.fill:
            bar.update(fill="tonexty", fillcolor=_alpha(s.colour, 0.3))
        if s.kind == "markers":
            bar.update(marker_size=11)
    if horizontal:
        bar.update(x=values, y=s.x, orientation="h")
    else:
        bar.update(x=s.x, y=values)
    if s.hover is not None:
        bar.update(
            customdata=s.hover,
            hovertemplate=f"{s.name}: %{{customdata:,.4~f}} {s.hover_unit}<extra></extra>",
        )
    return bar


def _minus(values: list, base: list | float) -> list:
    bases = base if isinstance(base, list) else [base] * len(values)
    return [v - b for v, b in zip(values, bases, strict=True)]


def _alpha(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _heatmap(panel: Panel) -> go.Heatmap:
    h = panel.heatmap
    return go.Heatmap(
        z=h.z,
        x=h.x,
        y=h.y,
        zmin=0.0,
        zmax=h.top,
        colorscale="Reds",
        colorbar={"title": {"text": h.unit, "side": "right"}},
        hovertemplate="%{y} in %{x}: %{z:,.0f} " + h.unit + "<extra></extra>",
        xgap=1,
        ygap=1,
    )


def _axes(fig: go.Figure, panel: Panel, cell: dict) -> None:
    """Category order and ticks, axis titles, value axis from 0, shading, the base line."""
    cats, values = fig.update_xaxes, fig.update_yaxes
    if panel.horizontal:
        cats, values = values, cats
    if panel.heatmap is not None:
        values(autorange="reversed", type="category", title_text=panel.y_title, **cell)
    else:
        values(title_text=panel.y_title or None, **cell)
        if panel.zero:
            values(rangemode="tozero", **cell)
    if panel.categories is not None:
        order = panel.categories
        step = math.ceil(len(order) / panel.most) if order else 1
        cats(
            type="category",
            categoryorder="array",
            categoryarray=order,
            tickmode="array",
            tickvals=order[::step],
            **cell,
        )
        if panel.horizontal:  # the first category on top
            cats(autorange="reversed", **cell)
    cats(title_text=panel.x_title, **cell)
    for i in panel.shade:
        fig.add_vrect(x0=i - 0.5, x1=i + 0.5, fillcolor=SHADE, line_width=0, layer="below", **cell)
    if panel.vline is not None:
        line = {"color": "#111111", "dash": "dot"}
        fig.add_vline(x=panel.vline, line=line, annotation_text="base", **cell)
    if panel.note:
        fig.add_annotation(
            text=panel.note, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False
        )


def _layout(fig: go.Figure, chart: Chart, many: bool) -> None:
    """Title, size, white template; the legend just above the plot area."""
    margin = {"t": 130 if many else 120, "l": 90, "r": 30, "b": 70}
    gap = 30 if many else 8
    fig.update_layout(
        title=chart.heading,
        template="plotly_white",
        width=WIDTH,
        height=chart.height,
        barmode=chart.bars,
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "x": 0,
            "y": 1 + gap / (chart.height - margin["t"] - margin["b"]),
        },
        margin=margin,
        hovermode="x unified" if all(_by_period(p) for p in chart.panels) else "closest",
    )
    if many:
        fig.update_xaxes(tickfont={"size": 9})
