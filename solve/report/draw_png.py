"""A chart description (solve/report/figure.py) as a PNG, drawn by matplotlib's Agg canvas.

No display and no browser: ``matplotlib.figure.Figure`` is drawn straight to a file
(never through pyplot). The PNG is ``WIDTH`` pixels wide and ``chart.height`` tall, like
the chart in report.html; values on the value axis read as 12k, 3.4M, 1.2B.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from chipalloc.solve.report.figure import FAILED, WIDTH, Chart, Panel, Series

DPI = 100


class Compact(Formatter):
    """Axis labels as 12k, 3.4M, 1.25B, with as many decimals as the tick spacing needs."""

    ticks: tuple[float, ...] = ()

    def set_locs(self, locs) -> None:
        self.ticks = tuple(locs)

    def __call__(self, value: float, pos: object = None) -> str:
        if value == 0:
            return "0"
        locs = [abs(v) for v in self.ticks] or [abs(value)]
        scale, suffix = next(
            ((s, x) for s, x in ((1e9, "B"), (1e6, "M"), (1e3, "k")) if max(locs) >= s),
            (1.0, ""),
        )
        steps = np.diff(sorted(self.ticks)) if len(self.ticks) > 1 else np.array([])
        step = float(steps[steps > 0].min()) / scale if (steps > 0).any() else 1.0
        digits = min(max(0, -math.floor(math.log10(step) + 1e-9)), 6)
        return f"{value / scale:,.{digits}f}{suffix}"


def to_png(chart: Chart, path: Path) -> Path:
    """Draw ``chart`` into ``path`` (PNG) and return the path."""
    cols = min(chart.columns, max(len(chart.panels), 1))
    rows = max(math.ceil(len(chart.panels) / cols), 1)
    fig = Figure(figsize=(WIDTH / DPI, chart.height / DPI), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    legend: dict[str, object] = {}
    for i, (ax, panel) in enumerate(zip(axes, chart.panels, strict=False)):
        _panel(ax, panel, chart.bars, legend)
        if i + cols < len(chart.panels) and not panel.horizontal:  # x title on the last row
            ax.set_xlabel("")
    for ax in axes[len(chart.panels) :]:
        ax.set_visible(False)
    if legend:  # the heading is the legend's title: constrained layout keeps both clear
        fig.legend(
            legend.values(),
            legend.keys(),
            loc="outside upper left",
            ncols=min(len(legend), 6),
            frameon=False,
            fontsize=9,
            title=chart.heading,
            title_fontproperties={"size": 14},
            alignment="left",
        )
    else:
        fig.suptitle(chart.heading, x=0.01, ha="left", fontsize=14)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def _panel(ax, panel: Panel, bars: str, legend: dict) -> None:
    """The series (or heatmap) of one panel, its axes, shading and base line."""
    ax.set_title(panel.title, fontsize=10)
    if panel.heatmap is not None:
        _heatmap(ax, panel)
    else:
        at = {c: i for i, c in enumerate(panel.categories or [])}
        bar_series = [s for s in panel.series if s.kind == "bar"]
        width = 0.8 / len(bar_series) if bars == "group" and bar_series else 0.8
        stack_pos: dict[float, float] = {}
        stack_neg: dict[float, float] = {}
        previous: tuple[np.ndarray, np.ndarray] | None = None
        for series in panel.series:
            x = np.array([at.get(v, np.nan) if at else v for v in series.x], dtype=float)
            y = np.array(series.y, dtype=float)
            if series.kind == "bar":
                k = bar_series.index(series)
                shift = (k - (len(bar_series) - 1) / 2) * width if bars == "group" else 0.0
                base = _bases(series, x, y, bars, stack_pos, stack_neg)
                length = y if series.base is None else y - base
                handle = _bars(ax, series, x + shift, length, base, width, panel.horizontal)
            else:
                handle = _line(ax, series, x, y, previous, panel.horizontal)
                previous = (x, y)
            if series.legend and series.name not in legend:
                legend[series.name] = handle
    _axes(ax, panel)


def _bases(series: Series, x, y, bars: str, pos: dict, neg: dict) -> np.ndarray:
    """Where each bar starts: ``base``, the top of the stack so far, or 0."""
    if series.base is not None:
        return np.broadcast_to(np.array(series.base, dtype=float), y.shape).copy()
    if bars != "stack":
        return np.zeros_like(y)
    base = np.zeros_like(y)
    for i, (xi, yi) in enumerate(zip(x, y, strict=True)):
        if np.isnan(yi):
            continue
        side = pos if yi >= 0 else neg
        base[i] = side.get(xi, 0.0)
        side[xi] = base[i] + yi
    return base


def _bars(ax, s: Series, x, length, base, width: float, horizontal: bool):
    style = {"color": s.colour, "label": s.name}
    if s.hatch:
        style = {"facecolor": "none", "edgecolor": s.colour, "hatch": "//", "label": s.name}
    if horizontal:
        return ax.barh(x, length, height=width, left=base, **style)
    return ax.bar(x, length, width=width, bottom=base, **style)


def _line(ax, s: Series, x, y, previous, horizontal: bool):
    if horizontal:  # markers along the value axis (a case with no plan at the base)
        return ax.scatter(y, x, marker=s.marker, color=s.colour, s=60, zorder=3, label=s.name)
    if s.kind == "markers":
        return ax.scatter(
            x, y, marker=s.marker, color=s.colour, s=60, zorder=3, clip_on=False, label=s.name
        )
    style = {"color": s.colour, "linestyle": "--" if s.dash else "-", "linewidth": 2}
    marks = {"marker": s.marker, "markersize": 5} if s.points else {}
    if s.kind == "line":
        (handle,) = ax.plot(x, y, label=s.name, **style, **marks)
        return handle
    (handle,) = ax.step(*_padded(x, y), where="mid", label=s.name, **style)
    if marks:
        ax.plot(x, y, linestyle="none", color=s.colour, **marks)
    if s.fill and previous is not None and np.array_equal(previous[0], x):
        below, above = _padded(*previous)[1], _padded(x, y)[1]
        ax.fill_between(_padded(x, y)[0], below, above, step="mid", color=s.colour, alpha=0.3)
    return handle


def _padded(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A step line that covers each category's whole width, as plotly's ``hvh`` does."""
    if len(x) == 0:
        return x, y
    return np.r_[x[0] - 0.5, x, x[-1] + 0.5], np.r_[y[0], y, y[-1]]


def _heatmap(ax, panel: Panel) -> None:
    h = panel.heatmap
    if not h.y:
        return
    z = np.array(h.z, dtype=float).reshape(len(h.y), len(h.x))
    image = ax.imshow(z, aspect="auto", cmap="Reds", vmin=0.0, vmax=h.top, interpolation="none")
    ax.set_yticks(range(len(h.y)), h.y)
    ax.figure.colorbar(image, ax=ax, format=Compact()).set_label(h.unit)
    ax.set_ylabel(panel.y_title)


def _axes(ax, panel: Panel) -> None:
    """Category ticks, titles with units, value axis from 0, shaded periods, the base line."""
    cats, values = (ax.yaxis, ax.xaxis) if panel.horizontal else (ax.xaxis, ax.yaxis)
    if panel.categories is not None:
        order = panel.categories
        step = math.ceil(len(order) / panel.most) if order else 1
        ticks = list(range(0, len(order), step))
        cats.set_ticks(ticks, [str(order[i]) for i in ticks])
        if panel.horizontal:
            ax.set_ylim(len(order) - 0.5, -0.5)  # the first category on top
        elif len(order) > 8:
            ax.tick_params(axis="x", labelrotation=45)
    if panel.heatmap is not None:
        ax.set_xlabel(panel.x_title or "")
    else:
        cats.set_label_text(panel.x_title or "")
        values.set_label_text(panel.y_title)
        values.set_major_formatter(Compact())
        ax.grid(axis="x" if panel.horizontal else "y", alpha=0.3)
        if panel.zero:  # the value axis includes 0
            limits = ax.get_xlim if panel.horizontal else ax.get_ylim
            setter = ax.set_xlim if panel.horizontal else ax.set_ylim
            low, high = limits()
            setter(min(low, 0.0), max(high, 0.0))
    for i in panel.shade:
        ax.axvspan(i - 0.5, i + 0.5, color=FAILED, alpha=0.13, linewidth=0, zorder=0)
    if panel.vline is not None:
        ax.axvline(panel.vline, color="#111111", linestyle=":", linewidth=1)
        ax.annotate("base", (panel.vline, 1.0), xycoords=("data", "axes fraction"), fontsize=9)
    if panel.note:
        ax.text(0.5, 0.5, panel.note, ha="center", va="center", transform=ax.transAxes)
