"""The report page of a compare folder: each variant's key numbers beside the base's.

compare.csv (solve/compare.py) has one row per run, the base (``variant`` = ``base``, else
the first row) first; the ``<metric>_delta`` columns are recomputed here, not read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chipalloc.solve.report import mip
from chipalloc.solve.report.data import ReportError, read_table
from chipalloc.solve.report.figure import Chart, Panel, Series
from chipalloc.solve.report.palette import Palette
from chipalloc.solve.report.panels import (
    KEY,
    amount,
    grid_height,
    html_table,
    ok_rows,
    outputs,
    panels,
    study_meta,
    tidy,
)

Summary = list[tuple[str, str | list[str]]]


def _names(frame: pd.DataFrame) -> list[str]:
    """Variant names, a variant with no optimal plan named with its status: ``x (infeasible)``."""
    ok = ok_rows(frame)
    status = frame["status"].astype(str) if "status" in frame else pd.Series("", index=frame.index)
    return [
        v if good else f"{v} ({s})" for v, good, s in zip(frame["variant"], ok, status, strict=True)
    ]


def key_numbers_chart(frame: pd.DataFrame, palette: Palette) -> Chart:
    """One panel per output (its unit in the panel title), a bar per variant, parts of a
    whole (cost kinds, operators, vendors) stacked; a variant with no optimal plan has no
    bar and its status in its name."""
    found = panels(frame)
    names = _names(frame)
    drawn = []
    for panel in found:
        series = []
        for column, name in zip(panel.columns, panel.names, strict=True):
            colour = (
                palette.colour(name)
                if panel.parts
                else [palette.colour(v) for v in frame["variant"]]
            )
            series.append(
                Series(name, names, frame[column].tolist(), colour=colour, legend=panel.parts)
            )
        zero = panel.columns != ["objective"]
        drawn.append(Panel(series, panel.title, categories=names, zero=zero))
    caption = "One panel per output, one bar per variant; cost kinds, operators and vendors "
    caption += "are stacked. A variant with no optimal plan has no bars and its status in its name."
    columns = min(3, max(len(drawn), 1))
    height = grid_height(len(drawn), columns)
    heading = "Key numbers by variant"
    return Chart("compare", heading, caption, heading, drawn, columns, height)


def change_chart(frame: pd.DataFrame, base: int, key: list[str], palette: Palette) -> Chart:
    """Each key output of each variant as a change in percent of the base's (no bar where
    the base's value is 0 or the variant has no optimal plan)."""
    base_name = frame.at[base, "variant"]
    names = dict(zip(frame.index, _names(frame), strict=True))
    reference = frame.loc[base, key]
    series = []
    for i, row in frame.drop(index=base).iterrows():
        pct = [
            100 * (row[c] - reference[c]) / abs(reference[c]) if reference[c] else None for c in key
        ]
        series.append(Series(names[i], key, pct, colour=palette.colour(row["variant"])))
    title = f"change against {base_name} (%)"
    panel = Panel(series, x_title="output", y_title=title, categories=key, horizontal=True)
    caption = "Each key output of each variant in percent of the base's (blank where the "
    caption += "base's value is 0)."
    height = 220 + 26 * len(key) * len(series)
    heading = f"Change against {base_name} (%)"
    return Chart(
        "compare_change", "Change against the base", caption, heading, [panel], 1, height, "group"
    )


def compare_page(folder: Path) -> tuple[str, Summary, list[Chart], list[str]]:
    """(title, summary rows, charts, tables) for compare.csv."""
    frame = tidy(read_table(folder, "compare", text=("variant",)))
    if frame.empty:
        raise ReportError("compare.csv: no rows")
    meta = study_meta(folder, "compare")
    unit = meta.get("objective_unit")
    is_base = frame["variant"] == "base"
    base = int(is_base.idxmax()) if is_base.any() else 0
    base_name = frame.at[base, "variant"]
    palette = Palette([*frame["variant"], *(n for p in panels(frame) for n in p.names)])
    key = [c for c in KEY if c in frame] or outputs(frame)[:6]
    charts = [key_numbers_chart(frame, palette)]
    if len(frame) > 1 and key:
        charts.append(change_chart(frame, base, key, palette))
    others = frame.drop(index=base)

    def show(value: float, column: str) -> str:
        return amount(value, column, unit if column == "objective" else None)

    rows = [
        [c, *(show(v, c) for v in frame[c]), *(show(v - frame.at[base, c], c) for v in others[c])]
        for c in outputs(frame)
    ]
    header = ["output", *frame["variant"], *(f"{v} - {base_name}" for v in others["variant"])]
    ok = ok_rows(frame)
    summary: Summary = [
        ("Variants", ", ".join(frame["variant"])),
        ("Base", base_name),
        ("Not optimal", [f"{r.variant}: {r.status}" for r in frame[~ok].itertuples()] or "none"),
        *mip.study_rows(meta, frame),
    ]
    for c in key:
        values = zip(frame["variant"], frame[c], strict=True)
        summary.append((c, ", ".join(f"{v}: {show(x, c)}" for v, x in values)))
    return "Variant comparison", summary, charts, [html_table(header, rows, "Side by side")]
