"""The report pages of sweep and tornado folders.

sweep.csv: the swept values in ``value_1`` [``value_2``], a ``status`` (and ``message``) per
point, then the outputs. Every output is drawn against value_1; a second axis gives one
line per value_2. tornado.csv: ``parameter``, ``low_objective``, ``high_objective``,
``base_objective`` (and ``<side>_status``); the bars run from the base to each case, the
widest swing on top. A point or case with no optimal plan is shown as failed on every
page: a red cross, its status in the label or summary, never a value of 0.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chipalloc.solve.report import mip
from chipalloc.solve.report.data import ReportError, read_table
from chipalloc.solve.report.figure import FAILED, Chart, Panel, Series
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


def sweep_chart(
    frame: pd.DataFrame, swept: list[str], titles: list[str], duals_note: str = ""
) -> Chart:
    """Small multiples: each output (its unit in the panel title) against value_1, one line
    per value_2 for a grid; points with no optimal plan are red crosses at the panel's
    lowest value; ``duals_note`` closes the caption when a panel draws shadow prices.
    report.html, charts/sweep.png and the sweep.png of ``chipalloc sweep``."""
    x = swept[0]
    ok = ok_rows(frame)
    found = panels(frame, singles_only=len(swept) > 1)
    groups = list(frame.groupby(swept[1], sort=True)) if len(swept) > 1 else [(None, frame)]
    palette = Palette([str(g) for g, _ in groups] + [n for p in found for n in p.names])
    numeric = pd.api.types.is_numeric_dtype(frame[x])
    categories = None if numeric else [str(v) for v in dict.fromkeys(frame[x])]

    def xs(values: pd.Series) -> list:
        return values.tolist() if numeric else [str(v) for v in values]

    failed = frame[~ok]
    drawn = []
    for panel in found:
        series = []
        for value, group in groups:
            good = group[ok.loc[group.index]]
            for column, name in zip(panel.columns, panel.names, strict=True):
                label = name if value is None else f"{titles[1]} = {value}"
                colour = palette.colour(label if value is None else str(value))
                legend = value is not None or panel.parts
                line = Series(label, xs(good[x]), good[column].tolist(), "line", colour)
                line.points, line.legend = True, legend
                series.append(line)
        zero = panel.columns != ["objective"]
        if len(failed):
            known = frame.loc[ok, panel.columns].stack()
            bottom = 0.0 if zero or known.empty else float(known.min())
            y = [bottom] * len(failed)
            series.append(
                Series("no optimal plan", xs(failed[x]), y, "markers", FAILED, marker="x")
            )
        drawn.append(Panel(series, panel.title, titles[0], categories=categories, zero=zero))
    caption = "One panel per output against the swept value; points with no optimal plan are "
    caption += "red crosses at the bottom of each panel (their reasons in the summary)."
    if any(c.startswith("dual_") for p in found for c in p.columns):
        caption += duals_note
    heading = f"Outputs against {titles[0]}"
    columns = min(3, max(len(drawn), 1))
    height = grid_height(len(drawn), columns)
    return Chart(
        "sweep", "Outputs against the swept value", caption, heading, drawn, columns, height
    )


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
    summary += mip.study_rows(meta, frame)
    header = [*swept, "status", *(c for c in outputs(frame) if c in KEY)]
    rows = [
        [str(r.get(c, "")) if c in (*swept, "status") else amount(r[c], c) for c in header]
        for r in frame.to_dict("records")
    ]
    charts = [sweep_chart(frame, swept, titles, mip.duals_caption(meta))]
    return "Sweep", summary, charts, [html_table(header, rows, "Points")]


def tornado_chart(frame: pd.DataFrame, base: float | None, unit: str | None) -> Chart:
    """Horizontal bars from the base objective (``unit``) to each parameter's low and high
    case, in ``frame``'s order from the top; a case with no optimal plan draws no bar, a red
    cross at the base and is named in the parameter's label. report.html,
    charts/tornado.png and the tornado.png of ``chipalloc tornado``."""
    labels = [_label(r) for r in frame.to_dict("records")]
    low, high = frame["low_objective"], frame["high_objective"]
    origin = [base] * len(frame) if base is not None else pd.concat([low, high], axis=1).min(axis=1)
    origin = [float(o) if pd.notna(o) else 0.0 for o in origin]
    series = []
    for side, colour in (("low", "#4e79a7"), ("high", "#f28e2b")):
        values = frame[f"{side}_objective"].tolist()
        series.append(Series(f"{side} case", labels, values, colour=colour, base=origin))
    missing = [
        (label, at)
        for label, at, lo, hi in zip(labels, origin, low, high, strict=True)
        for v in (lo, hi)
        if pd.isna(v)
    ]
    if missing:
        names, at = [m[0] for m in missing], [m[1] for m in missing]
        series.append(Series("case with no optimal plan", names, at, "markers", FAILED, marker="x"))
    panel = Panel(
        series,
        x_title="parameter",
        y_title=f"objective ({unit})" if unit else "objective",
        categories=labels,
        horizontal=True,
        zero=False,
        vline=base,
    )
    for s in series:  # trace order bottom to top, as plotly lists horizontal bars
        s.x, s.y = s.x[::-1], s.y[::-1]
        if isinstance(s.base, list):
            s.base = s.base[::-1]
    caption = "Each bar runs from the base objective to the objective in the parameter's low "
    caption += "(blue) or high (orange) case; the widest swing is on top. A case with no "
    caption += "optimal plan has no bar: a red cross at the base, and its label says so."
    heading = "Tornado: the objective in each parameter's low and high case"
    return Chart(
        "tornado", "Tornado", caption, heading, [panel], 1, 240 + 40 * len(frame), "overlay"
    )


def _status(row: dict, side: str) -> str:
    """``optimal`` or what went wrong in one case (tornado.csv ``<side>_status``)."""
    status = row.get(f"{side}_status")
    if isinstance(status, str) and status:
        return status
    return "optimal" if pd.notna(row[f"{side}_objective"]) else "no optimal plan"


def _label(row: dict) -> str:
    """The parameter, with the cases that have no optimal plan: ``x (low case infeasible)``."""
    bad = [f"{s} case {_status(row, s)}" for s in ("low", "high") if _status(row, s) != "optimal"]
    return f"{row['parameter']} ({', '.join(bad)})" if bad else str(row["parameter"])


def tornado_page(folder: Path) -> tuple[str, Summary, list[Chart], list[str]]:
    """(title, summary rows, charts, tables) for tornado.csv; a case with no optimal plan
    has no objective (never 0) and its parameter no swing: it is ranked last."""
    frame = read_table(
        folder, "tornado", ("low_objective", "high_objective"), ("parameter",), blank=None
    )
    meta = study_meta(folder, "tornado")
    unit = meta.get("objective_unit")
    known = frame["base_objective"].dropna() if "base_objective" in frame else pd.Series()
    base = float(known.iloc[0]) if len(known) else None
    for side in ("low", "high"):  # a case that is not optimal has no objective
        solved = [_status(r, side) == "optimal" for r in frame.to_dict("records")]
        frame[f"{side}_objective"] = frame[f"{side}_objective"].where(solved)
    frame = frame.assign(swing=(frame["high_objective"] - frame["low_objective"]).abs())
    ranked = frame.sort_values("swing", ascending=False, na_position="last", kind="stable")
    summary: Summary = [("Parameters", str(len(frame)))]
    if base is not None:
        summary.append(("Base objective", amount(base, "", unit)))
    if ranked["swing"].notna().any():
        top = ranked.iloc[0]
        summary.append(("Largest swing", f"{top['parameter']}: {amount(top['swing'], '', unit)}"))
    bad = [_label(r) for r in ranked.to_dict("records") if pd.isna(r["swing"])]
    if bad:
        summary.append(("Not solved", bad))
    summary += mip.study_rows(meta, frame)

    def case(row: dict, side: str) -> str:
        status = _status(row, side)
        return amount(row[f"{side}_objective"], "", unit) if status == "optimal" else status

    rows = [
        [r["parameter"], case(r, "low"), case(r, "high"), amount(r["swing"], "", unit)]
        for r in ranked.to_dict("records")
    ]
    header = ["parameter", "low case", "high case", "swing"]
    charts = [tornado_chart(ranked, base, unit)]
    return "Tornado", summary, charts, [html_table(header, rows, "Parameters by swing")]
