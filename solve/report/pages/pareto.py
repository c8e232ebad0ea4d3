"""The report page of a pareto folder (``chipalloc pareto``, MODEL.md 10.1).

pareto.csv: ``cap``, ``status``, ``objective``, ``share`` (S_g / T reached) and
``marginal_cost_per_point`` (-mu * T / 100) per cap. The chart: the cost of independence
curve (objective against the cap, the cap falling to the right) beside the marginal cost of
one more point of cap; a cap with no optimal plan is a red cross, never a value.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chipalloc.solve.report import mip
from chipalloc.solve.report.data import read_table
from chipalloc.solve.report.figure import FAILED, Chart, Panel, Series
from chipalloc.solve.report.panels import amount, html_table, ok_rows, study_meta

Summary = list[tuple[str, str | list[str]]]


def pareto_chart(frame: pd.DataFrame, group: str, unit: str, duals_note: str = "") -> Chart:
    """Objective (``unit``) against the cap in %, and marginal cost per point of cap (a dual:
    ``duals_note`` closes the caption). report.html, charts/pareto.png and the pareto.png of
    ``chipalloc pareto``."""
    ok = ok_rows(frame)
    good, failed = frame[ok], frame[~ok]
    x = (good["cap"] * 100).tolist()
    curve = Series("objective", x, good["objective"].tolist(), "line", "#4e79a7", points=True)
    reached = Series(
        "share reached", x, (good["share"] * 100).tolist(), "markers", "#59a14f", legend=False
    )
    marginal = Series(
        "marginal cost per point",
        x,
        good["marginal_cost_per_point"].tolist(),
        "line",
        "#f28e2b",
        points=True,
    )
    first = [curve]
    second = [marginal]
    if len(failed):
        low = float(good["objective"].min()) if len(good) else 0.0
        xs = (failed["cap"] * 100).tolist()
        first.append(
            Series("no optimal plan", xs, [low] * len(failed), "markers", FAILED, marker="x")
        )
        second.append(
            Series("no optimal plan", xs, [0.0] * len(failed), "markers", FAILED, marker="x")
        )
    panels = [
        Panel(first, "cost of independence", f"cap on {group}'s share (%)", f"objective ({unit})",
              zero=False),
        Panel(second, "marginal cost of one point", f"cap on {group}'s share (%)",
              f"{unit} per point of cap"),
        Panel([reached], "share reached", f"cap on {group}'s share (%)", "share reached (%)"),
    ]  # fmt: skip
    caption = (
        f"Left: the objective when {group}'s share of PFLOPS-years is capped (lower caps to "
        "the left of the highest); middle: what one more point off the cap costs (-mu T / 100, "
        "mu the cap's dual); right: the share the plan reaches. Red crosses: caps with no plan."
        + duals_note
    )
    heading = f"The cost of independence from {group}"
    return Chart("pareto", "Cost of independence", caption, heading, panels, 3, 460)


def pareto_page(folder: Path) -> tuple[str, Summary, list[Chart], list[str]]:
    """(title, summary rows, charts, tables) for pareto.csv."""
    frame = read_table(folder, "pareto", ("cap",), ("status",), blank=None).sort_values(
        "cap", ascending=False, kind="stable"
    )
    for column in ("objective", "share", "marginal_cost_per_point"):
        frame[column] = pd.to_numeric(frame.get(column), errors="coerce")
    meta = study_meta(folder, "pareto")
    unit = meta.get("objective_unit") or "USD"
    group = str(meta.get("group") or (frame["group"].iloc[0] if "group" in frame else "group"))
    ok = ok_rows(frame)
    summary: Summary = [
        ("Group", group),
        ("Caps", f"{len(frame)} ({int(ok.sum())} optimal)"),
    ]
    window = meta.get("window")
    if window:
        summary.append(("Window", f"{window[0]} to {window[1]}"))
    if ok.any():
        low, high = frame.loc[ok, "objective"].agg(["min", "max"])
        summary.append(("Objective", f"{amount(low, '', unit)} to {amount(high, '', unit)}"))
    failed = frame[~ok]
    if len(failed):
        caps = zip(failed["cap"], failed["status"], strict=True)
        summary.append(("Not solved", [f"cap {c:.0%}: {s}" for c, s in caps]))
    summary += mip.study_rows(meta, frame)
    header = ["cap", "status", "objective", "share reached", f"{unit} per point"]
    rows = [
        [
            f"{r['cap']:.0%}",
            str(r["status"]),
            amount(r["objective"], "", unit),
            "" if pd.isna(r["share"]) else f"{r['share']:.1%}",
            amount(r["marginal_cost_per_point"], "", unit),
        ]
        for r in frame.to_dict("records")
    ]
    charts = [pareto_chart(frame, group, unit, mip.duals_caption(meta))]
    return "Cost of independence", summary, charts, [html_table(header, rows, "Caps")]
