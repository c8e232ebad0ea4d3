"""Every chart of a report, described once and drawn by two renderers.

Design: each chart is written once, as a small neutral description (``Chart`` of
``Panel``s of ``Series``, plain lists of values with names, colours from the palette and
axis titles with units). Two renderers draw it:

- ``Chart.figure``: a plotly figure (solve/report/draw_plotly.py), embedded interactive in
  report.html (zoom, pan, exact values on hover; plotly.js inline, so it opens offline);
- ``Chart.png(path)``: a PNG drawn by matplotlib with the Agg backend
  (solve/report/draw_png.py): no display, no browser.

Why not one library for both: matplotlib's SVG in report.html would lose the hover values
planners read exact numbers from, and plotly's PNG export (kaleido) needs Chrome. The
description keeps only what a chart means (which values, stacked or not, which periods are
shaded), so the two pictures cannot drift apart; report.html, ``charts/*.png`` and the
``sweep.png``/``tornado.png`` of ``chipalloc sweep``/``tornado`` all come from the same
definition function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import plotly.graph_objects as go

WIDTH = 1100
"""Chart width in pixels (plotly) and in PNG pixels (matplotlib at 100 dpi)."""
FAILED = "#d62728"
"""Colour of a point or case with no optimal plan (and of shortfall)."""


@dataclass
class Series:
    """One named set of values drawn one way.

    ``x`` are category labels (or numbers on a numeric axis), ``y`` the values. Bars start
    at 0 (stacked on the series before them when the chart stacks) or at ``base``.
    """

    name: str
    x: list
    y: list
    kind: Literal["bar", "line", "step", "markers"] = "bar"
    colour: str | list[str] = "#4e79a7"
    points: bool = False  # markers on a line or step
    base: list[float] | float | None = None  # bars run from base to y
    hatch: bool = False  # outlined, hatched bars (shortfall)
    dash: bool = False
    fill: bool = False  # shade between this line and the series before it
    marker: Literal["o", "x", "^"] = "o"
    hover: list[float] | None = None  # one number per point, shown on hover as "name: v unit"
    hover_unit: str = ""
    legend: bool = True  # listed in the legend (once per name)


@dataclass
class Heatmap:
    """Values per row (``y``) and column (``x``), coloured from 0 to ``top`` (clipped)."""

    z: list[list[float]]
    x: list[str]
    y: list[str]
    top: float
    unit: str  # the colour bar's title


@dataclass
class Panel:
    """One plot area: its series (or a heatmap), axis titles with units."""

    series: list[Series] = field(default_factory=list)
    title: str = ""
    x_title: str | None = None  # the category (or swept value) axis
    y_title: str = ""  # the value axis
    categories: list[str] | None = None  # categorical x axis in this order; None: numeric
    most: int = 12  # at most this many category labels (every k-th)
    horizontal: bool = False  # categories on the vertical axis, values along it
    zero: bool = True  # the value axis starts at 0
    shade: list[int] = field(default_factory=list)  # category positions shaded red
    vline: float | None = None  # a dotted line labelled "base" at this value
    heatmap: Heatmap | None = None
    note: str = ""  # a sentence written across the panel (an empty heatmap)


@dataclass
class Chart:
    """A chart of the report: PNG file stem, section title, how to read it, what it draws."""

    name: str
    title: str
    caption: str
    heading: str  # the title drawn in the figure
    panels: list[Panel]
    columns: int = 1
    height: int = 460
    bars: Literal["stack", "group", "overlay"] = "stack"

    @cached_property
    def figure(self) -> go.Figure:
        """The interactive plotly figure of report.html."""
        from chipalloc.solve.report.draw_plotly import to_plotly

        return to_plotly(self)

    def png(self, path: Path) -> Path:
        """Draw the chart into ``path`` with matplotlib (Agg): no browser needed."""
        from chipalloc.solve.report.draw_png import to_png

        return to_png(self, Path(path))
