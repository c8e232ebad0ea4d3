"""Variants side by side: the base scenario and each named variant of an overrides file.

Each variant is a case (its list of edits applied to the base); the cases run like sweep
points (``parallel.run_cases``), so they share a persistent model where the structure allows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from chipalloc.data import Problem, ScenarioError
from chipalloc.solve.whatif.study import Case

BASE = "base"
"""Label of the unedited scenario in compare.csv."""

LEAD = ["variant", "status", "message", "objective", "objective_delta", "objective_delta_pct"]
QUIET = {"rebuilt", "iterations", "seconds"}
"""Columns of a case row that say how it ran, not what it found (and the dual_ columns,
which name different rows from run to run): not compared."""
AS_IS = {"mip_gap"}
"""Kept, after the metrics, but not compared: a MIP run's proved gap says how close it is to
its own optimum, and variant - base of two gaps means nothing."""


def variant_cases(overrides: dict[str, list[dict[str, Any]]], variants: list[str]) -> list[Case]:
    """The base case, then one case per variant (all of the file's when ``variants`` is empty)."""
    names = variants or list(overrides)
    unknown = [v for v in names if v not in overrides]
    if unknown:
        known = ", ".join(sorted(overrides)) or "none"
        raise ScenarioError(
            [Problem("overrides", f"unknown variant(s) {', '.join(unknown)} (known: {known})")]
        )
    cases = [Case({"variant": BASE}, [], context=BASE)]
    cases += [Case({"variant": v}, overrides[v], context=f"variant '{v}'") for v in names]
    return cases


def compare_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """compare.csv: one row per run, base first; every numeric metric also as <metric>_delta.

    <metric>_delta = variant - base (empty when either failed); objective_delta_pct is the
    objective's change in percent of the base objective.
    """
    frame = pd.DataFrame(rows)
    frame = frame.drop(columns=[c for c in frame.columns if c in QUIET or c.startswith("dual_")])
    metrics = [
        c
        for c in frame.columns
        if c not in LEAD and c not in AS_IS and pd.api.types.is_numeric_dtype(frame[c])
    ]
    base = frame.iloc[0]
    ok = frame["status"] == "optimal"
    if base["status"] == "optimal":
        for column in ["objective", *metrics]:
            frame[f"{column}_delta"] = (frame[column] - base[column]).where(ok)
        frame["objective_delta_pct"] = frame["objective_delta"] / abs(base["objective"]) * 100
    order = [c for c in LEAD if c in frame.columns]
    for column in metrics:
        order += [column, f"{column}_delta"] if f"{column}_delta" in frame.columns else [column]
    text = [c for c in frame.columns if c not in order]
    return frame[order + text]
