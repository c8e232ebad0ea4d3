"""The discrete decisions of MODEL.md section 7 as the scenario states them, and their rules.

- racks: chips.csv ``units_per_rack`` R_k (7.1);
- projects: sites.csv ``build_fixed_cost_usd`` and ``min_build_mw`` (7.2), for sites with
  max_build_mw > 0 and either column > 0;
- campuses: sites.csv ``campus`` (7.3), an empty campus is the site's own;
- clusters.csv (7.3) and fabrics.csv (7.4).

``check_discrete`` lists the input errors of section 7 (file, row, column) and adds the
warning for a chip no fabric serves.
"""

from __future__ import annotations

import pandas as pd

from .problems import Problem
from .scenario import Scenario


def names(text: object) -> list[str]:
    """The ``;``-separated names of a cell, stripped; empty for an empty cell."""
    if not isinstance(text, str):
        return []
    return [t.strip() for t in text.split(";") if t.strip()]


def rack_sizes(sc: Scenario) -> dict[str, int]:
    """R_k for the chips with a rack rule."""
    chips = sc.chips
    if "units_per_rack" not in chips.columns:
        return {}
    given = chips.dropna(subset=["units_per_rack"])
    return {k: int(r) for k, r in zip(given["chip"], given["units_per_rack"], strict=True)}


def _column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A numeric optional column, 0 where empty or absent."""
    if column not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").fillna(0.0)


def project_sites(sc: Scenario) -> dict[str, tuple[float, float]]:
    """site -> (build_fixed_cost_usd, min_build_mw) for sites that build as one project:
    max_build_mw > 0 and either column > 0."""
    fixed = _column(sc.sites, "build_fixed_cost_usd")
    least = _column(sc.sites, "min_build_mw")
    out = {}
    for label, row in sc.sites.iterrows():
        if row["max_build_mw"] > 0 and (fixed[label] > 0 or least[label] > 0):
            out[row["site"]] = (float(fixed[label]), float(least[label]))
    return out


def campus_of(sc: Scenario) -> dict[str, str]:
    """site -> campus (the site's own name when its campus cell is empty)."""
    campus = sc.sites["campus"] if "campus" in sc.sites.columns else None
    out = {}
    for label, site in zip(sc.sites.index, sc.sites["site"], strict=True):
        value = campus[label] if campus is not None else ""
        out[site] = value if isinstance(value, str) and value.strip() else site
    return out


def cluster_window(sc: Scenario, row: dict) -> list[str]:
    """W_c: the periods from from_period (empty: the first) to to_period (empty: the last)."""
    labels = sc.period_labels
    first = sc.period_pos[row["from_period"]] if row["from_period"] else 0
    last = sc.period_pos[row["to_period"]] if row["to_period"] else len(labels) - 1
    return labels[first : last + 1]


def fabric_chips(sc: Scenario) -> dict[str, set[str]]:
    """fabric -> the chips it serves (every chip when its chips cell is empty)."""
    every = set(sc.chips["chip"])
    return {
        r["fabric"]: set(names(r["chips"])) or every
        for r in sc.tables["fabrics"].to_dict("records")
    }


def is_mip(sc: Scenario) -> bool:
    """Whether the scenario uses any feature of section 7 (then the model is a MIP)."""
    return bool(
        rack_sizes(sc)
        or project_sites(sc)
        or len(sc.tables["clusters"])
        or len(sc.tables["fabrics"])
    )


def _row(label: object) -> int:
    return int(label) + 2


def check_discrete(sc: Scenario) -> list[Problem]:
    """Input errors of section 7; a chip no fabric serves is a warning."""
    problems: list[Problem] = []
    least = _column(sc.sites, "min_build_mw")
    sites = sc.sites
    for label, most, low in zip(sites.index, sites["max_build_mw"], least, strict=True):
        if most > 0 and low > most:
            problems.append(
                Problem(
                    "sites.csv",
                    f"min_build_mw {low:g} is above max_build_mw "
                    f"{most:g}: the project could never be built",
                    row=_row(label),
                    column="min_build_mw",
                )
            )
    chips, periods = set(sc.chips["chip"]), sc.period_pos
    operators = set(sc.sites["operator"])
    for label, row in sc.tables["clusters"].iterrows():
        for column in ("from_period", "to_period"):
            if row[column] and row[column] not in periods:
                problems.append(
                    Problem(
                        "clusters.csv",
                        f"unknown period '{row[column]}' (not in periods.csv)",
                        row=_row(label),
                        column=column,
                    )
                )
        first, last = row["from_period"], row["to_period"]
        if first in periods and last in periods and periods[last] < periods[first]:
            problems.append(
                Problem(
                    "clusters.csv",
                    f"to_period '{last}' comes before from_period '{first}'",
                    row=_row(label),
                    column="to_period",
                )
            )
        problems += _unknown("clusters.csv", label, "chips", row["chips"], chips, "chip")
        problems += _unknown(
            "clusters.csv", label, "operators", row["operators"], operators, "operator"
        )
    fabrics = sc.tables["fabrics"]
    for label, row in fabrics.iterrows():
        problems += _unknown("fabrics.csv", label, "chips", row["chips"], chips, "chip")
    if len(fabrics) and not problems:
        served = set().union(*fabric_chips(sc).values())
        for label, chip in zip(sc.chips.index, sc.chips["chip"], strict=True):
            if chip not in served:
                sc.warnings.append(
                    f"chips.csv, row {_row(label)}: no fabric of fabrics.csv serves chip "
                    f"'{chip}', so it cannot be bought"
                )
    return problems


def _unknown(file: str, label, column: str, text, known: set[str], what: str) -> list[Problem]:
    where = {"chip": "chips.csv", "operator": "sites.csv"}[what]
    return [
        Problem(file, f"unknown {what} '{name}' (not in {where})", row=_row(label), column=column)
        for name in names(text)
        if name not in known
    ]
