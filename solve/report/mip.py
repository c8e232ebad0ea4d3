"""What a report shows of a MIP (MODEL.md 7.5), read from the folder alone.

A solve folder whose summary.json says ``problem: mip`` gains summary rows (the gap proved
against the gap asked for, the best bound, whether the plan is proved optimal), the note
that its shadow prices are those of the LP with every integer and binary variable fixed,
beside every panel of duals, and a table per discrete decision the folder holds
(racks.csv, builds.csv, clusters.csv, fabrics.csv). A study of a MIP scenario (its
``<kind>.json`` ``problem: mip``) gains one row: the gap asked for and the largest proved.
An LP folder shows none of it.
"""

from __future__ import annotations

import math

import pandas as pd

from chipalloc.model.words import money
from chipalloc.solve.report.panels import amount, html_table

Summary = list[tuple[str, str | list[str]]]

FIXED_LP = (
    "those of the LP with every integer and binary variable fixed at its value (MODEL.md "
    "7.5): they hold only while the discrete decisions stay"
)
"""What a MIP's shadow prices, reduced costs and ranging are."""
MAX_ROWS = 200
"""Rows of a discrete table shown in the report; the CSV beside it has them all."""

TABLES = {
    "racks": (
        "Whole racks bought",
        {
            "period": "period",
            "site": "site",
            "chip": "chip",
            "units_per_rack": "units per rack",
            "racks": "racks",
            "buy_units": "units bought",
        },
    ),
    "builds": (
        "Campus builds, one project per site",
        {
            "site": "site",
            "start_period": "project starts",
            "period": "period",
            "build_mw": "MW whose construction starts",
        },
    ),
    "clusters": (
        "Training clusters, each on one campus",
        {
            "cluster": "cluster",
            "campus": "campus",
            "period": "period",
            "pflops_needed": "PFLOPS needed",
            "pflops_available": "PFLOPS available",
        },
    ),
    "fabrics": ("Network fabric per site", {"site": "site", "fabric": "fabric"}),
}
"""results file -> (heading, its columns and their headers), in MODEL.md 7.5's order."""

NUMERIC = ("units_per_rack", "racks", "buy_units", "build_mw", "pflops_needed", "pflops_available")
"""The numeric columns of TABLES (data.read_table checks them)."""


def is_mip(summary: dict) -> bool:
    """Whether summary.json (or a study's ``<kind>.json``) is of a MIP."""
    return summary.get("problem") == "mip"


def gap(value) -> str:
    """A relative gap in percent: ``0.01%`` for 1e-4; ``unknown`` when missing."""
    if not isinstance(value, int | float) or math.isnan(value):
        return "unknown"
    return f"{100 * value:.3g}%"


def _bound(summary: dict) -> str:
    value = summary.get("mip_bound")
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "none proved"
    if summary.get("sense") == "max":
        return f"{value:,.0f} PFLOPS-years: no plan delivers more"
    return f"{money(value)}: no plan has a lower objective"


def summary_rows(summary: dict) -> Summary:
    """The MIP's rows of a solve's (or a hedge's) summary table (none for an LP)."""
    if not is_mip(summary):
        return []
    proved = (
        "yes: within the gap asked for"
        if summary.get("proved_optimal")
        else "no: HiGHS stopped at its limit; the plan is the best it found"
    )
    asked = gap(summary.get("mip_gap_requested"))
    return [
        ("Problem", "MIP: discrete decisions of MODEL.md section 7"),
        ("MIP gap", f"proved {gap(summary.get('mip_gap'))}, asked for {asked} (relative)"),
        ("Best bound", _bound(summary)),
        ("Proved optimal", proved),
    ]


def duals_rows(summary: dict) -> Summary:
    """The note on a MIP's shadow prices, for the row after those it qualifies."""
    return [("Shadow prices, reduced costs", FIXED_LP)] if is_mip(summary) else []


def duals_caption(summary: dict) -> str:
    """The note, to close the caption of a chart of a MIP's duals ('' for an LP)."""
    if not is_mip(summary):
        return ""
    return f" A MIP: its shadow prices, reduced costs and ranging are {FIXED_LP}."


def tables_html(tables: dict[str, pd.DataFrame]) -> list[str]:
    """One captioned HTML table per discrete table of the folder, in TABLES' order."""
    out = []
    for name, (heading, columns) in TABLES.items():
        frame = tables.get(name)
        if frame is None:
            continue
        shown = frame.head(MAX_ROWS)
        rows = [
            [amount(r[c], c) if c in NUMERIC else str(r[c]) for c in columns]
            for r in shown.to_dict("records")
        ]
        more = f", the first {MAX_ROWS} of {len(frame)} rows" if len(frame) > MAX_ROWS else ""
        caption = f"{heading} ({name}.csv{more})"
        if not rows:
            caption += ": none"
        out.append(html_table(list(columns.values()), rows, caption))
    return out


def study_rows(meta: dict, frame: pd.DataFrame) -> Summary:
    """A study of a MIP scenario: the gap every run was asked for and the largest proved (the
    ``mip_gap`` columns of its table), and what its shadow prices are."""
    if not is_mip(meta):
        return []
    proved = [frame[c] for c in frame.columns if str(c).endswith("mip_gap")]
    largest = pd.concat(proved).max() if proved else float("nan")
    asked = gap(meta.get("mip_gap_requested"))
    return [
        (
            "Problem",
            f"MIP: every run asked to be proved within {asked}, largest gap proved "
            f"{gap(largest)}; its shadow prices are {FIXED_LP}",
        )
    ]
