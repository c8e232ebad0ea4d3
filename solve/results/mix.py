"""The chip mix of each site: accelerators in service per site and chip (plan.csv)."""

from __future__ import annotations

import pandas as pd


def chip_mix(plan: pd.DataFrame, period: str | None = None) -> pd.DataFrame:
    """Accelerators in service in ``period`` (default: the last of the plan), site by chip.

    One row per site (sorted by total, largest first), one column per chip, then ``total``;
    fractional accelerators as in plan.csv (an LP).
    """
    if plan.empty:
        return pd.DataFrame(columns=["site", "total"])
    period = period or plan["period"].iloc[-1]
    rows = plan[plan["period"] == period]
    mix = rows.pivot_table(
        index="site", columns="chip", values="fleet_units", aggfunc="sum", fill_value=0.0
    )
    mix = mix.loc[:, sorted(mix.columns)]
    mix["total"] = mix.sum(axis=1)
    mix = mix[mix["total"] > 1e-9].sort_values("total", ascending=False, kind="stable")
    mix.columns.name = None
    return mix.reset_index()
