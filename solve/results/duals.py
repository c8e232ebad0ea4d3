"""Shadow prices of every row, by constraint family and MODEL.md index (duals.csv).

Sign convention (LP): a shadow price is d(objective)/d(right-hand side) in objective units
(USD for min_cost, PFLOPS-years for max_compute) per MODEL.md unit of the row; under
min_cost a binding ``<=`` row has a price <= 0 (more room, less cost).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.model import FAMILIES, PFLOPS, USD
from chipalloc.solve.backend.solver import Solver

EPS = 1e-9


def index_tuple(index: object) -> tuple:
    if index is None:
        return ()
    return index if isinstance(index, tuple) else (index,)


def objective_scale(m: pyo.ConcreteModel) -> tuple[float, str]:
    """MODEL.md objective units per model unit, and their name."""
    if m.objective.sense == pyo.maximize:
        return PFLOPS, "PFLOPS-years"
    return USD, "USD"


def index_columns(names: tuple[str, ...], index: tuple) -> dict[str, object]:
    return dict(zip(names, index, strict=True))


def shadow_prices(sc: Scenario, solver: Solver) -> pd.DataFrame:
    """Every row's shadow price as in duals.csv (family, MODEL.md index, shadow_price,
    shadow_price_nominal), read straight from HiGHS without evaluating row activities.
    """
    m = solver.model
    row_dual = solver.row_duals()
    scale, _ = objective_scale(m)
    maximise = m.objective.sense == pyo.maximize
    discount = dict(zip(sc.period_labels, sc.discount, strict=True))
    rows = []
    for family in FAMILIES.values():
        component = getattr(m, family.name, None)
        if component is None:
            continue
        for index, con in component.items():
            keys = index_columns(family.index, index_tuple(index))
            price = _zero(row_dual[solver.row_of(con)]) * scale / family.scale
            period = keys.get("period")
            nominal = price / discount[period] if period and not maximise else price
            rows.append(
                {
                    "family": family.name,
                    **keys,
                    "shadow_price": price,
                    "shadow_price_nominal": nominal,
                }
            )
    if not rows:
        return pd.DataFrame(columns=["family", "shadow_price", "shadow_price_nominal"])
    return pd.DataFrame(rows)


def dual_table(sc: Scenario, solver: Solver, maximise: bool) -> pd.DataFrame:
    """duals.csv: every row's shadow price d(objective)/d(right-hand side), MODEL.md units.

    Index columns are the family's MODEL.md index (site, chip, period, ...). The sign is the
    LP convention: for min_cost a binding ``<=`` row has a shadow price <= 0 (more room,
    less cost); ``nominal`` divides by the period's discount factor where the row has one.
    """
    m = solver.model
    row_dual = np.asarray(solver.row_duals())
    objective_scale = PFLOPS if maximise else USD
    objective_unit = "PFLOPS-years" if maximise else "USD"
    discount = dict(zip(sc.period_labels, sc.discount, strict=True))
    parts = []
    for family in FAMILIES.values():
        component = getattr(m, family.name, None)
        if component is None or not len(component):
            continue
        keys, cons = zip(*component.items(), strict=True)
        index = [k if isinstance(k, tuple) else (k,) if k is not None else () for k in keys]
        frame = pd.DataFrame(list(index), columns=list(family.index))
        rows = np.fromiter((solver.row_of(c) for c in cons), dtype=np.int64, count=len(cons))
        price = _clean_all(row_dual[rows]) * objective_scale / family.scale
        nominal = price
        if "period" in family.index and not maximise:
            nominal = price / frame["period"].map(discount).to_numpy(dtype=float)
        frame.insert(0, "family", family.name)
        frame["activity"] = _activity(solver, cons) * family.scale
        frame["shadow_price"] = price
        frame["shadow_price_nominal"] = nominal
        frame["unit"] = f"{objective_unit} per {family.unit}"
        parts.append(frame)
    columns = [
        "family",
        "site",
        "chip",
        "operator",
        "vendor",
        "period",
        "from_period",
        "activity",
        "shadow_price",
        "shadow_price_nominal",
        "unit",
    ]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    always = ("family", "site", "period", "activity", "shadow_price")
    always += ("shadow_price_nominal", "unit")
    return frame.reindex(columns=[c for c in columns if c in frame.columns or c in always])


def _activity(solver: Solver, cons) -> np.ndarray:
    """Body values of constraints at the solution (as ``pyo.value(con.body)``, vectorised)."""
    if solver.has_solution:
        return solver.row_activity(cons)
    return np.array([pyo.value(c.body) for c in cons], dtype=float)


def _zero(x: float) -> float:
    return 0.0 if abs(x) < EPS else x


def _clean_all(x: np.ndarray) -> np.ndarray:
    """Solver noise below EPS (model units) reads as 0."""
    return np.where(np.abs(x) < EPS, 0.0, x)
