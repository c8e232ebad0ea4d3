"""The report pages of sweep and tornado folders.

sweep.csv: the swept values in ``value_1`` [``value_2``], a ``status`` (and ``message``) per
point, then the outputs. Every output is drawn against value_1; a second axis gives one
line per value_2. tornado.csv: ``parameter``, ``low_objective``, ``high_objective`` and
``base_objective``; the bars run from the base to each case, the widest swing on top.
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


def sweep_chart(frame: pd.DataFrame, swept: list[str], titles: list[str]) -> Chart:
    """Small multiples of each output against value_1 (failed points left out)."""
    x = swept[0]
    ok = ok_rows(frame)
    found = panels(frame, singles_only=len(swept) > 1)
    groups = list(frame.groupby(swept[1], sort=True)) if len(swept) > 1 else [(None, frame)]
    palette = Palette([str(g) for g, _ in groups] + [n for p in found for n in p.names])
    fig, cols = grid([p.title for p in found], f"Outputs against {titles[0]}")
    shown: set[str] = set()
    for i, panel in enumerate(found):
        for value, group in groups:
            good = group[ok.loc[group.index]]
            for column, name in zip(panel.columns, panel.names, strict=True):
                label = name if value is None else f"{titles[1]} = {value}"
                fig.add_scatter(
                    x=good[x],
                    y=good[column],
                    mode="lines+markers",
                    name=label,
                    line={"color": palette.colour(label if value is None else str(value))},
                    legendgroup=label,
                    showlegend=label not in shown and (value is not None or panel.parts),
                    row=i // cols + 1,
                    col=i % cols + 1,
                )
                shown.add(label)
    fig.update_xaxes(title_text=titles[0])
    from_zero(fig, found, cols)
    if not pd.api.types.is_numeric_dtype(frame[x]):
        fig.update_xaxes(type="category")
    caption = "One panel per output against the swept value; points that did not solve to "
    caption += "optimality are left out (see the summary)."
    return Chart("sweep", "Outputs against the swept value", caption, fig)


def sweep_page(folder: Path) -> tuple[str, Summary, list[Chart], list[str]]:
    """(title, summary rows, charts, tables) for sweep.csv."""
    frame = tidy(read_table(folder, "sweep"))
    swept = [c for c in ("value_1", "value_2") if c in frame.columns]
    if not swept:
        raise ReportError("sweep.csv: missing column value_1 (the swept value)")
    meta = study_meta(folder, "sweep")
    axes = [a.get("title") if isinstance(a, dict) else a for a in meta.get("axes") or []]
    titles = [str(axes[i] or c) if i < len(axes) else c for i, c in enumerate(swept)]
    unit = meta.get("objective_unit")
    frame = frame.sort_values(swept, kind="stable")
    ok = ok_rows(frame)
    summary: Summary = [
        ("Points", f"{len(frame)} ({int(ok.sum())} optimal)"),
        ("Swept", "; ".join(f"{c} = {t}" for c, t in zip(swept, titles, strict=True))),
    ]
    if "objective" in frame and ok.any():
        low, high = frame.loc[ok, "objective"].agg(["min", "max"])
        summary.append(("Objective", f"{amount(low, '', unit)} to {amount(high, '', unit)}"))
    failed = frame[~ok]
    if len(failed):
        why = failed["message"] if "message" in failed else failed["status"]
        points = zip(failed[swept[0]], why, strict=True)
        summary.append(("Not solved", [f"{swept[0]} = {v}: {m}" for v, m in points]))
    header = [*swept, "status", *(c for c in outputs(frame) if c in KEY)]
    rows = [
        [str(r.get(c, "")) if c in (*swept, "status") else amount(r[c], c) for c in header]
        for r in frame.to_dict("records")
    ]
    charts = [sweep_chart(frame, swept, titles)]
    return "Sweep", summary, charts, [html_table(header, rows, "Points")]


def tornado_chart(frame: pd.DataFrame, base: float | None, unit: str | None) -> Chart:
    """Horizontal bars from the base objective to the low and high case, widest on top."""
    origin = base if base is not None else frame[["low_objective", "high_objective"]].min(axis=1)
    fig = go.Figure()
    for side, colour in (("low", "#4e79a7"), ("high", "#f28e2b")):
        fig.add_bar(
            y=frame["parameter"],
            x=frame[f"{side}_objective"] - origin,
            base=origin,
            orientation="h",
            name=f"{side} case",
            marker_color=colour,
            hovertemplate="%{y}: %{x:+,.4s} against the base<extra>" + side + "</extra>",
        )
    if base is not None:
        fig.add_vline(x=base, line={"color": "#111111", "dash": "dot"}, annotation_text="base")
    fig.update_layout(
        title="Tornado: the objective in each parameter's low and high case",
        barmode="overlay",
        template="plotly_white",
        width=WIDTH,
        height=200 + 40 * len(frame),
        xaxis_title=f"objective ({unit})" if unit else "objective",
        yaxis={"type": "category", "title": "parameter"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    )
    caption = "Each bar runs from the base objective to the objective in the parameter's low "
    caption += "(blue) or high (orange) case; the widest swing is on top."
    return Chart("tornado", "Tornado", caption, fig)


def tornado_page(folder: Path) -> tuple[str, Summary, list[Chart], list[str]]:
    """(title, summary rows, charts, tables) for tornado.csv."""
    frame = read_table(folder, "tornado", ("low_objective", "high_objective"), ("parameter",))
    unit = study_meta(folder, "tornado").get("objective_unit")
    known = frame["base_objective"].dropna() if "base_objective" in frame else pd.Series()
    base = float(known.iloc[0]) if len(known) else None
    frame = frame.assign(swing=(frame["high_objective"] - frame["low_objective"]).abs())
    ranked = frame.sort_values("swing", ascending=False, na_position="last", kind="stable")
    summary: Summary = [("Parameters", str(len(frame)))]
    if base is not None:
        summary.append(("Base objective", amount(base, "", unit)))
    if ranked["swing"].notna().any():
        top = ranked.iloc[0]
        summary.append(("Largest swing", f"{top['parameter']}: {amount(top['swing'], '', unit)}"))
    failed = ranked[ranked["swing"].isna()]
    if len(failed):
        summary.append(("Not solved", ", ".join(failed["parameter"])))
    rows = [
        [r.parameter, *(amount(v, "", unit) for v in (r.low_objective, r.high_objective, r.swing))]
        for r in ranked.itertuples()
    ]
    header = ["parameter", "low case", "high case", "swing"]
    charts = [tornado_chart(ranked.iloc[::-1], base, unit)]
    return "Tornado", summary, charts, [html_table(header, rows, "Parameters by swing")]
