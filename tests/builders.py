"""Small scenarios for tests, written as MODEL.md folders from Python rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from chipalloc.data.schema import TABLES

FIXTURES = Path(__file__).parent / "fixtures"
"""Checked-in scenario folders (``broken/``: one invalid input each)."""

CHIP = {
    "chip": "X",
    "vendor": "nv",
    "perf_pflops": 1.0,
    "power_kw": 1.0,
    "lifetime_periods": 4,
    "cooling": "air",
    "operators": "",
}
SITE = {
    "site": "A",
    "operator": "own",
    "pue": 1.0,
    "cooling": "liquid",
    "lease_usd_per_kw_month": 0.0,
    "build_cost_usd_per_mw": 0.0,
    "build_lead_periods": 0,
    "build_lifetime_periods": 10,
    "max_build_mw": 0.0,
}


def write_scenario(
    folder: Path, *, settings: dict[str, Any] | None = None, **tables: list[dict[str, Any]]
) -> Path:
    """Write each table (a list of row dicts) as ``<name>.csv`` plus scenario.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=TABLES[name].columns)
        frame.to_csv(folder / f"{name}.csv", index=False)
    (folder / "scenario.yaml").write_text(yaml.safe_dump({"name": folder.name, **(settings or {})}))
    return folder


def periods(
    n: int,
    demand: float | list[float] = 0.0,
    years: float = 1.0,
    budget: list[float | None] | None = None,
) -> list[dict[str, Any]]:
    """n periods P0..P{n-1}; demand as one number or a list."""
    demands = demand if isinstance(demand, list) else [demand] * n
    rows = [{"period": f"P{i}", "years": years, "demand_pflops": demands[i]} for i in range(n)]
    if budget is not None:
        for row, b in zip(rows, budget, strict=True):
            row["capex_budget_usd"] = "" if b is None else b
    return rows


def chip(**kw: Any) -> dict[str, Any]:
    return {**CHIP, **kw}


def site(**kw: Any) -> dict[str, Any]:
    return {**SITE, **kw}


def supply(chip_id: str, n: int, units: float, cost: float, start: int = 0) -> list[dict]:
    return [
        {"chip": chip_id, "period": f"P{i}", "max_units": units, "unit_cost_usd": cost}
        for i in range(start, n)
    ]


def power(site_id: str, n: int, mw: float | list[float], price: float = 0.0) -> list[dict]:
    mws = mw if isinstance(mw, list) else [mw] * n
    return [
        {"site": site_id, "period": f"P{i}", "power_mw": mws[i], "energy_usd_per_mwh": price}
        for i in range(n)
    ]
