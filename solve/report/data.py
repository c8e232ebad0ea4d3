"""Read a results folder for the report, checking every file and column it needs.

A folder is a hedge (summary.json + futures.csv), a solve (summary.json + plan.csv), a
compare (compare.csv), a sweep (sweep.csv) or a tornado (tornado.csv). Problems are
reported as ReportError naming the file, the row (as a spreadsheet shows it: header =
row 1) and the column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from chipalloc.solve.report.mip import NUMERIC, TABLES

KINDS = {
    "compare": "compare.csv",
    "sweep": "sweep.csv",
    "tornado": "tornado.csv",
    "pareto": "pareto.csv",
    "alternatives": "alternatives.csv",
}
TEXT_COLUMNS = ("period", "site", "operator", "chip", "vendor", "kind", "family", "unit")
TEXT_COLUMNS += ("start_period", "cluster", "campus", "fabric")  # the MIP tables (report.mip)


class ReportError(Exception):
    """A results folder the report cannot read: missing file, column or a bad number."""


def detect_kind(folder: Path) -> str:
    """``hedge``, ``solve``, ``compare``, ``sweep``, ``tornado``, ``pareto`` or
    ``alternatives``, from the files in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such results folder")
    if (folder / "summary.json").is_file() and (folder / "futures.csv").is_file():
        return "hedge"
    if (folder / "summary.json").is_file() and (folder / "plan.csv").is_file():
        return "solve"
    for kind, name in KINDS.items():
        if (folder / name).is_file():
            return kind
    raise ReportError(
        f"{folder} is not a results folder: expected summary.json + plan.csv (solve), "
        "compare.csv, sweep.csv, tornado.csv, pareto.csv or alternatives.csv"
    )


def read_table(
    folder: Path,
    name: str,
    numeric: tuple[str, ...] = (),
    text: tuple[str, ...] = (),
    blank: float | None = 0.0,
) -> pd.DataFrame:
    """``<name>.csv`` with the ``numeric`` and ``text`` columns required and checked.

    An empty numeric cell reads as ``blank``; ``None`` keeps it missing (NaN), for values
    that do not exist, such as the objective of a case with no optimal plan.
    """
    path = Path(folder) / f"{name}.csv"
    if not path.is_file():
        raise ReportError(f"{path.name}: file not found in {folder}")
    try:
        frame = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ReportError(f"{path.name}: cannot be read as CSV ({error})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in (*numeric, *text) if c not in frame.columns]
    if missing:
        raise ReportError(f"{path.name}: missing column(s) {', '.join(missing)}")
    for column in numeric:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(bad.idxmax())
            raise ReportError(
                f"{path.name} row {row + 2} column {column}: {frame.at[row, column]!r} "
                "is not a number"
            )
        frame[column] = values if blank is None else values.fillna(blank)
    for column in text:
        frame[column] = frame[column].fillna("").astype(str)
    return frame


@dataclass
class SolveFolder:
    """The tables of a solve's results folder, with periods in time order."""

    summary: dict
    plan: pd.DataFrame
    sites: pd.DataFrame
    costs: pd.DataFrame
    duals: pd.DataFrame
    periods: pd.DataFrame  # period, years, demand_pflops (NaN when unknown), compute, unmet
    discrete: dict[str, pd.DataFrame] = field(default_factory=dict)
    """The MIP's racks, builds, clusters and fabrics tables the folder holds (MODEL.md 7.5)."""

    @property
    def order(self) -> list[str]:
        return list(self.periods["period"])

    @property
    def maximise(self) -> bool:
        return self.summary.get("sense") == "max"


def load_solve(folder: Path) -> SolveFolder:
    """Read summary.json, plan.csv, sites.csv, costs.csv, duals.csv and periods.csv, and
    those of racks.csv, builds.csv, clusters.csv and fabrics.csv that exist (a MIP).

    periods.csv is optional (folders written before it existed): without it, the period
    order is costs.csv's, each period counts 0.25 years, demand is unknown and compute
    is the sum of plan.csv.
    """
    folder = Path(folder)
    try:
        summary = json.loads((folder / "summary.json").read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ReportError(f"summary.json: cannot be read ({error})") from None
    if not isinstance(summary, dict):
        raise ReportError("summary.json: expected an object")
    plan = read_table(
        folder,
        "plan",
        ("buy_units", "fleet_units", "it_mw", "compute_pflops"),
        ("period", "site", "operator", "chip", "vendor"),
    )
    sites = read_table(
        folder,
        "sites",
        ("power_mw", "built_mw", "capacity_mw", "used_mw", "build_started_mw"),
        ("period", "site", "operator"),
    )
    for column in ("power_shadow_price", "power_shadow_price_nominal"):
        if column not in sites:
            sites[column] = 0.0
    costs = read_table(folder, "costs", ("discounted_usd",), ("period", "kind"))
    duals = (
        read_table(folder, "duals", ("shadow_price",), ("family",))
        if (folder / "duals.csv").is_file()
        else pd.DataFrame(columns=["family", "shadow_price"])
    )
    if (folder / "periods.csv").is_file():
        periods = read_table(
            folder,
            "periods",
            ("years", "demand_pflops", "compute_pflops", "unmet_pflops"),
            ("period",),
        )
    else:
        periods = _periods_without_file(summary, plan, costs, sites)
    discrete = {
        name: read_table(
            folder,
            name,
            tuple(c for c in columns if c in NUMERIC),
            tuple(c for c in columns if c not in NUMERIC),
        )
        for name, (_, columns) in TABLES.items()
        if (folder / f"{name}.csv").is_file()
    }
    return SolveFolder(summary, plan, sites, costs, duals, periods, discrete)


def _periods_without_file(
    summary: dict, plan: pd.DataFrame, costs: pd.DataFrame, sites: pd.DataFrame
) -> pd.DataFrame:
    """A periods table from the other files (demand unknown: NaN)."""
    order = list(pd.unique(pd.concat([costs["period"], sites["period"], plan["period"]])))
    compute = plan.groupby("period")["compute_pflops"].sum()
    unmet = summary.get("unmet_pflops") or {}
    return pd.DataFrame(
        {
            "period": order,
            "years": 0.25,
            "demand_pflops": float("nan"),
            "compute_pflops": [float(compute.get(p, 0.0)) for p in order],
            "unmet_pflops": [float(unmet.get(p, 0.0) or 0.0) for p in order],
        }
    )
