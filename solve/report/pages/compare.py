"""The report page of a compare folder: each variant's key numbers beside the base's.

compare.csv (solve/compare.py) has one row per run, the base (``variant`` = ``base``, else
the first row) first; the ``<metric>_delta`` columns are recomputed here, not read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from chipalloc.solve.report.charts import WIDTH, Chart
from chipalloc.solve.report.data import ReportError, read_table
from chipalloc.solve.report.palette import Palette
from chipalloc.solve.report.panels import (
    KEY,
    amount,
    from_zero,
    grid,
    html_table,
    ok_rows,
    outputs,
    panels,
    study_meta,
    tidy,
)

Summary = list[tuple[str, str | list[str]]]


def key_numbers_chart(frame: pd.DataFrame, palette: Palette) -> Chart:
    """One panel per output; a bar per variant, parts of a whole stacked."""
    found = panels(frame)
    fig, cols = grid([p.title for p in found], "Key numbers by variant")
    shown: set[str] = set()
    for i, panel in enumerate(found):
        for column, name in zip(panel.columns, panel.names, strict=True):
            colour = (
                palette.colour(name)
                if panel.parts
                else [palette.colour(v) for v in frame["variant"]]
            )
            fig.add_bar(
                x=frame["variant"],
                y=frame[column],
                name=name,
                marker_color=colour,
                legendgroup=name,
                showlegend=panel.parts and name not in shown,
                row=i // cols + 1,
                col=i % cols + 1,
            )
            shown.add(name)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    from_zero(fig, found, cols)
    caption = "One panel per output, one bar per variant; cost kinds, operators and vendors "
    caption += "are stacked."
    return Chart("compare", "Key numbers by variant", caption, fig)


def change_chart(frame: pd.DataFrame, base: int, key: list[str], palette: Palette) -> Chart:
    """Each key output of each variant as a change in percent of the base's."""
    base_name = frame.at[base, "variant"]
    others = frame.drop(index=base)
    fig = go.Figure()
    for _, row in others.iterrows():
        reference = frame.loc[base, key]
        pct = [
            100 * (row[c] - reference[c]) / abs(reference[c]) if reference[c] else None for c in key
        ]
        fig.add_bar(
            y=key,
            x=pct,
            orientation="h",
            name=row["variant"],
            marker_color=palette.colour(row["variant"]),
        )
    fig.update_layout(
        title=f"Change against {base_name} (%)",
        template="plotly_white",
        width=WIDTH,
        height=220 + 26 * len(key) * len(others),
        barmode="group",
        xaxis_title=f"change against {base_name} (%)",
        yaxis={"autorange": "reversed", "title": "output"},
    )
    caption = "Each key output of each variant in percent of the base's (blank where the "
    caption += "base's value is 0)."
    return Chart("compare_change", "Change against the base", caption, fig)


def compare_page(folder: Path) -> tuple[str, Summary, list[Chart], list[str]]:
    """(title, summary rows, charts, tables) for compare.csv."""
    frame = tidy(read_table(folder, "compare", text=("variant",)))
    if frame.empty:
        raise ReportError("compare.csv: no rows")
    unit = study_meta(folder, "compare").get("objective_unit")
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
    ]
    for c in key:
        values = zip(frame["variant"], frame[c], strict=True)
        summary.append((c, ", ".join(f"{v}: {show(x, c)}" for v, x in values)))
    return "Variant comparison", summary, charts, [html_table(header, rows, "Side by side")]
