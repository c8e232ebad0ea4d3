"""Sites at their power limit: one rule for the CLI's table and the report's summary.

A site is at its limit in a period when it has facility power then (``capacity_mw`` > 0)
and one more MW would be worth something (``power_shadow_price`` nonzero). Periods before a
site has power are never counted, so a site powered from 2027 is never "binding from 2025".
"""

from __future__ import annotations

import pandas as pd

TOL = 1e-6


def sites_at_limit(sites: pd.DataFrame) -> pd.DataFrame:
    """Per site at its limit: periods (count), first (the first such period), max_value
    (the largest nominal value of +1 MW), sorted by max_value, largest first.

    ``sites`` is sites.csv (rows in period order per site).
    """
    columns = ["site", "periods", "first", "max_value"]
    if sites.empty:
        return pd.DataFrame(columns=columns)
    hit = sites[(sites["capacity_mw"] > TOL) & (sites["power_shadow_price"].abs() > TOL)]
    summary = hit.groupby("site", sort=False).agg(
        periods=("period", "count"),
        first=("period", "first"),
        max_value=("power_shadow_price_nominal", "max"),
    )
    summary = summary.sort_values("max_value", ascending=False, kind="stable")
    return summary.reset_index()[columns]
