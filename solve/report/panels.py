"""Group the output columns of compare.csv and sweep.csv into chart panels, with units.

The columns are those of ``chipalloc.solve.whatif.sweep.summarize``: objective, total_cost_usd,
cost_<kind>_usd, compute_pflops_years, operator_<name>_pflops_years,
vendor_<name>_pflops_years, shortfall_pflops_years, built_mw, dual_<family>. Parts of a
whole (cost kinds, operators, vendors) share one panel; any other numeric column gets its
own panel titled with the unit its name announces.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from chipalloc.model.words import money

MAX_PANELS = 12
KEY = ("objective", "total_cost_usd", "compute_pflops_years", "shortfall_pflops_years", "built_mw")
"""The outputs a planner compares first."""
NOT_OUTPUTS = re.compile(
    r"^(point|value(_\d+)?|seconds|iterations|rebuilt|slope_\d+|swing|mip_gap)$"
    r"|delta|_change$|_pct$"
)
SUFFIX_UNITS = [
    ("_pflops_years", "PFLOPS-years"),
    ("_usd", "USD"),
    ("_pflops", "PFLOPS"),
    ("_mw", "MW"),
    ("_units", "units"),
    ("_share", "share"),
]
PARTS = [
    (re.compile(r"^cost_(.+)_usd$"), "cost by kind (USD, discounted)"),
    (re.compile(r"^operator_(.+)_pflops_years$"), "compute by operator (PFLOPS-years)"),
    (re.compile(r"^vendor_(.+)_pflops_years$"), "compute by vendor (PFLOPS-years)"),
]
SINGLE = {
    "objective": "objective",
    "total_cost_usd": "total cost (USD, discounted)",
    "compute_pflops_years": "compute delivered (PFLOPS-years)",
    "shortfall_pflops_years": "shortfall (PFLOPS-years)",
    "built_mw": "facility MW built",
}


@dataclass
class Panel:
    """One chart panel: its title (with unit), its columns and their legend names."""

    title: str
    columns: list[str]
    names: list[str]

    @property
    def parts(self) -> bool:
        """True when the columns are parts of a whole (drawn stacked)."""
        return len(self.columns) > 1


def unit_of(column: str) -> str:
    """The unit a column name announces by its suffix, or ''."""
    return next((unit for suffix, unit in SUFFIX_UNITS if column.endswith(suffix)), "")


def outputs(frame: pd.DataFrame) -> list[str]:
    """Numeric output columns with at least one value (not labels, timings or deltas)."""
    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c])
        and frame[c].notna().any()
        and not NOT_OUTPUTS.search(str(c))
    ]


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Outputs rounded to 10 significant digits: solver noise (12.000000000000178) must not
    set an axis's scale."""
    columns = outputs(frame)
    rounded = frame[columns].apply(lambda c: c.map(lambda v: float(f"{v:.10g}")))
    return frame.assign(**{c: rounded[c] for c in columns})


def panels(frame: pd.DataFrame, singles_only: bool = False) -> list[Panel]:
    """Panels in reading order: objective, costs, compute, shortfall, builds, duals, rest."""
    columns = outputs(frame)
    found: list[Panel] = []
    for column, title in SINGLE.items():
        if column in columns:
            found.append(Panel(title, [column], [column]))
        if column == "total_cost_usd" and not singles_only:
            found += _parts(columns, PARTS[:1])
        if column == "compute_pflops_years" and not singles_only:
            found += _parts(columns, PARTS[1:])
    used = {c for p in found for c in p.columns} | {
        c for c in columns if any(rx.match(c) for rx, _ in PARTS)
    }
    for column in columns:
        if column in used:
            continue
        if column.startswith("dual_"):
            if (frame[column].abs() > 0).any():
                found.append(Panel(f"shadow price: {column[5:]} (nominal)", [column], [column]))
            continue
        unit = unit_of(column)
        found.append(Panel(f"{column} ({unit})" if unit else column, [column], [column]))
    return found[:MAX_PANELS]


def _parts(columns: list[str], kinds: list) -> list[Panel]:
    out = []
    for pattern, title in kinds:
        hits = [(c, m.group(1)) for c in columns if (m := pattern.match(c))]
        if hits:
            out.append(Panel(title, [c for c, _ in hits], [n for _, n in hits]))
    return out


def amount(value: float | None, column: str, unit: str | None = None) -> str:
    """A number the way a planner reads it: money for USD, thousands separators otherwise."""
    if value is None or pd.isna(value):
        return ""
    if (unit or unit_of(column)) == "USD":
        return money(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def study_meta(folder: Path, kind: str) -> dict:
    """``<kind>.json`` beside the table, if any: ``objective_unit`` (``USD`` or
    ``PFLOPS-years``) and, for a sweep, ``axes`` (one entry per swept edit, value_1 first,
    each with a ``title``)."""
    path = Path(folder) / f"{kind}.json"
    try:
        meta = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def ok_rows(frame: pd.DataFrame) -> pd.Series:
    """True for rows solved to optimality (every row when there is no status column)."""
    if "status" not in frame:
        return pd.Series(True, index=frame.index)
    return frame["status"].astype(str) == "optimal"


def grid_height(panels: int, columns: int = 3) -> int:
    """Pixel height of small multiples, ``columns`` to a row, the legend above them."""
    return 150 + 280 * max(math.ceil(panels / columns), 1)


def html_table(header: list[str], rows: list[list[str]], caption: str) -> str:
    """A captioned HTML table of text cells."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f"<h2>{html.escape(caption)}</h2><table class='summary data'><tr>{head}</tr>{body}</table>"
    )
