"""Tornado: the low and high case of each uncertain parameter, ranked by swing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chipalloc.solve.whatif.study import Case, SpecError
from chipalloc.solve.whatif.sweep import parse_axis


@dataclass
class Parameter:
    """A tornado bar: a name and the edits of its low and high case."""

    name: str
    low: list[dict[str, Any]]
    high: list[dict[str, Any]]


def parse_tornado(spec: Any) -> list[Parameter]:
    """A tornado spec: name -> {low: edit(s), high: edit(s)} or an axis with two values."""
    if not isinstance(spec, dict) or not spec:
        raise SpecError("a tornado spec maps each parameter name to its low and high edits")
    out = []
    for name, entry in spec.items():
        if isinstance(entry, dict) and {"low", "high"} <= set(entry):
            out.append(
                Parameter(str(name), _edits(name, entry["low"]), _edits(name, entry["high"]))
            )
            continue
        axis = parse_axis(entry)
        if len(axis.values) != 2:
            raise SpecError(f"tornado parameter '{name}': give two values [low, high]")
        out.append(
            Parameter(
                str(name), [axis.with_value(axis.values[0])], [axis.with_value(axis.values[1])]
            )
        )
    return out


def _edits(name: str, value: Any) -> list[dict[str, Any]]:
    edits = [value] if isinstance(value, dict) else value
    if not isinstance(edits, list) or not all(isinstance(e, dict) for e in edits):
        raise SpecError(f"tornado parameter '{name}': low and high are an edit or a list of edits")
    return edits


def tornado_cases(parameters: list[Parameter]) -> list[Case]:
    """The base case, then each parameter's low and high case."""
    cases = [Case({"parameter": "base", "side": "base"}, [], context="base")]
    for p in parameters:
        for side, edits in (("low", p.low), ("high", p.high)):
            cases.append(Case({"parameter": p.name, "side": side}, edits, f"'{p.name}' {side}"))
    return cases


TORNADO_COLUMNS = [
    "parameter",
    "low_objective",
    "high_objective",
    "base_objective",
    "low_delta",
    "high_delta",
    "swing",
    "low_status",
    "high_status",
    "low_message",
    "high_message",
]
MIP_COLUMNS = ["base_mip_gap", "low_mip_gap", "high_mip_gap"]
"""The gap each case proved, after TORNADO_COLUMNS, when the scenario is a MIP."""


def tornado_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """tornado.csv: one row per parameter, sorted by swing = |high - low| (failed last)."""
    base = next(r for r in rows if r["side"] == "base")
    base_objective = base.get("objective", np.nan) if base["status"] == "optimal" else np.nan
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["side"] == "base":
            continue
        entry = out.setdefault(r["parameter"], {"parameter": r["parameter"]})
        side = r["side"]
        value = r.get("objective", np.nan) if r["status"] == "optimal" else np.nan
        entry[f"{side}_objective"] = value
        entry[f"{side}_delta"] = value - base_objective
        entry[f"{side}_status"] = r["status"]
        entry[f"{side}_message"] = r["message"]
        if "mip_gap" in r:
            entry[f"{side}_mip_gap"] = r["mip_gap"]
    frame = pd.DataFrame(list(out.values()))
    frame["base_objective"] = base_objective
    if "mip_gap" in base:
        frame["base_mip_gap"] = base["mip_gap"]
    frame["swing"] = (frame["high_objective"] - frame["low_objective"]).abs()
    frame = frame.sort_values("swing", ascending=False, na_position="last", kind="stable")
    columns = TORNADO_COLUMNS + [c for c in MIP_COLUMNS if c in frame]
    return frame[columns].reset_index(drop=True)
