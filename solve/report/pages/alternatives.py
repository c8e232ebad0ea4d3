"""The report page of an alternatives folder (``chipalloc alternatives``, MODEL.md 10.2).

alternatives.csv: per group and direction (``min``, ``max``, ``mga-1`` ..) the status, the
group's PFLOPS-years and share, the objective, and the optimum's own share. The chart: for
each group a bar from its least to its greatest share within the slack, the optimum's share
(a black marker) and the MGA plans' shares (grey crosses).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chipalloc.solve.report.data import read_table
from chipalloc.solve.report.figure import Chart, Panel, Series
from chipalloc.solve.report.panels import amount, html_table, ok_rows, study_meta

Summary = list[tuple[str, str | list[str]]]


def share_ranges(frame: pd.DataFrame) -> pd.DataFrame:
    """group, low, high (shares of the min and max plans) and optimum, groups in order."""
    ok = frame[ok_rows(frame) & frame["direction"].isin(["min", "max"])]
    rows = []
    for group, part in ok.groupby("group", sort=False):
        rows.append(
            {
                "group": group,
                "low": float(part["share"].min()),
                "high": float(part["share"].max()),
                "optimum": float(part["optimum_share"].iloc[0]),
            }
        )
    return pd.DataFrame(rows, columns=["group", "low", "high", "optimum"])


def alternatives_chart(frame: pd.DataFrame, slack: float, share_of: str) -> Chart:
    """Range bars of each group's share (%) within the slack against the optimum's share.
    report.html, charts/alternatives.png and the alternatives.png of the command."""
    spans = share_ranges(frame)
    labels = spans["group"].tolist()
    series = [
        Series(
            "range within the slack",
            labels,
            (spans["high"] * 100).tolist(),
            colour="#4e79a7",
            base=(spans["low"] * 100).tolist(),
        ),
        Series("optimum", labels, (spans["optimum"] * 100).tolist(), "markers", "#222222"),
    ]
    mga = frame[ok_rows(frame) & frame["direction"].str.startswith("mga")]
    mga = mga[mga["group"].isin(labels)]
    if len(mga):
        series.append(
            Series(
                "MGA plans",
                mga["group"].tolist(),
                (mga["share"] * 100).tolist(),
                "markers",
                "#9c9c9c",
                marker="x",
            )
        )
    panel = Panel(
        series,
        x_title="group",
        y_title=f"share of {share_of} (%)",
        categories=labels,
        horizontal=True,
    )
    for s in series:  # trace order bottom to top, as plotly lists horizontal bars
        if s.kind == "bar":
            s.x, s.y = s.x[::-1], s.y[::-1]
            s.base = s.base[::-1]
    caption = (
        f"Each bar runs from the least to the greatest share a group can have in a plan within "
        f"{slack:.0%} of the optimum; the black marker is the optimum's own share, grey crosses "
        "the MGA plans."
    )
    heading = f"Shares within {slack:.0%} of the optimum"
    return Chart(
        "alternatives", "Near-optimal ranges", caption, heading, [panel], 1,
        240 + 60 * max(len(labels), 1), "overlay",
    )  # fmt: skip


def alternatives_page(folder: Path) -> tuple[str, Summary, list[Chart], list[str]]:
    """(title, summary rows, charts, tables) for alternatives.csv."""
    frame = read_table(folder, "alternatives", (), ("group", "direction", "status"), blank=None)
    for column in ("pflops_years", "share", "objective", "optimum_share"):
        frame[column] = pd.to_numeric(frame.get(column), errors="coerce")
    meta = study_meta(folder, "alternatives")
    unit = meta.get("objective_unit") or "USD"
    slack = float(meta.get("slack") or 0.0)
    share_of = meta.get("share_of") or "demand"
    summary: Summary = [("Slack", f"{slack:.2%} of the optimum")]
    optimum = (meta.get("optimum") or {}).get("objective")
    if optimum is not None:
        summary.append(("Optimum", amount(optimum, "", unit)))
    spans = share_ranges(frame)
    summary.append(
        (
            "Ranges",
            [
                f"{r.group}: {r.low:.1%} to {r.high:.1%} (optimum {r.optimum:.1%})"
                for r in spans.itertuples()
            ],
        )
    )
    failed = frame[~ok_rows(frame)]
    if len(failed):
        summary.append(
            ("Not solved", [f"{r.group} {r.direction}: {r.status}" for r in failed.itertuples()])
        )
    header = ["group", "direction", "status", "share", "PFLOPS-years", "objective", "folder"]
    rows = [
        [
            str(r["group"]),
            str(r["direction"]),
            str(r["status"]),
            "" if pd.isna(r["share"]) else f"{r['share']:.1%}",
            amount(r["pflops_years"], "_pflops_years"),
            amount(r["objective"], "", unit),
            "" if pd.isna(r.get("folder")) else str(r.get("folder")),
        ]
        for r in frame.to_dict("records")
    ]
    charts = [alternatives_chart(frame, slack, share_of)]
    return "Near-optimal alternatives", summary, charts, [html_table(header, rows, "Plans")]
