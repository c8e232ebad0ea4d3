"""The binding limits that matter most: rows ranked by what relaxing each by 1% is worth."""

from __future__ import annotations

import pandas as pd

from chipalloc.data import Scenario
from chipalloc.model import FAMILIES
from chipalloc.solve.results.extract import Results

EPS = 1e-9


def binding_constraints(sc: Scenario, res: Results, top: int = 10) -> pd.DataFrame:
    """The ``top`` binding rows ranked by the objective gained from relaxing each by 1%.

    value_of_1pct = |shadow price| x size / 100, in objective units, where size is the row's
    level: the site's capacity for ``capacity`` rows (power), the period's total compute for
    ``share`` rows (one share point), and the row's activity (its right-hand side, since it
    binds) otherwise (flags of ``chipalloc.model.FAMILIES``).
    Ranking by it compares rows of different units on one scale.
    """
    duals = res.duals[res.duals["shadow_price"].abs() > EPS].copy()
    if duals.empty:
        return duals.assign(constraint=[], value_of_1pct=[])
    size = duals["activity"].abs()
    capacity = res.sites.set_index(["site", "period"])["capacity_mw"]
    compute = res.plan.groupby("period")["compute_pflops"].sum()
    power = duals["family"].isin([f.name for f in FAMILIES.values() if f.capacity])
    size[power] = [
        capacity.get((s, p), 0.0) for s, p in duals.loc[power, ["site", "period"]].values
    ]
    shares = duals["family"].isin([f.name for f in FAMILIES.values() if f.share])
    size[shares] = duals.loc[shares, "period"].map(compute).fillna(0.0)
    duals["value_of_1pct"] = duals["shadow_price"].abs() * size / 100
    duals["constraint"] = [_label(row) for row in duals.to_dict("records")]
    duals = duals.sort_values("value_of_1pct", ascending=False, kind="stable").head(top)
    return duals.reset_index(drop=True)


def _label(row: dict) -> str:
    family = FAMILIES[row["family"]]
    index = [str(row[c]) for c in family.index]
    return f"{row['family']}[{', '.join(index)}]" if index else row["family"]
