"""Shadow prices of every row, by constraint family and MODEL.md index (duals.csv).

Sign convention (LP): a shadow price is d(objective)/d(right-hand side) in objective units
(USD for min_cost, PFLOPS-years for max_compute) per MODEL.md unit of the row; under
min_cost a binding ``<=`` row has a price <= 0 (more room, less cost).

``family_prices`` is the one computation of a family's prices; ``dual_table`` (duals.csv,
the what-if summaries) and the ranging report (``whatif.ranging``) both read it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.model import PFLOPS, PLANNER_FAMILIES, USD, FamilySpec, index_of
from chipalloc.solve.backend.solver import Solver

EPS = 1e-9
COLUMNS = [
    "family",
    "site",
    "chip",
    "operator",
    "vendor",
    "period",
    "from_period",
    "cluster",
    "campus",
    "fabric",
    "activity",
    "shadow_price",
    "shadow_price_nominal",
    "unit",
]
"""duals.csv columns, in order (index columns only where some family has them)."""


def objective_scale(m: pyo.ConcreteModel) -> tuple[float, str]:
    """MODEL.md objective units per model unit, and their name."""
    if m.objective.sense == pyo.maximize:
        return PFLOPS, "PFLOPS-years"
    return USD, "USD"


def index_columns(names: tuple[str, ...], index: tuple) -> dict[str, object]:
    """Index names to labels of one row or column."""
    return dict(zip(names, index, strict=True))


def family_prices(
    sc: Scenario, solver: Solver, family: FamilySpec, cons: list, row_dual: np.ndarray
) -> pd.DataFrame:
    """family, MODEL.md index columns, shadow_price, shadow_price_nominal of rows ``cons``.

    shadow_price = y_i * (objective units per model unit) / family.scale, with y_i the
    HiGHS row dual (|y_i| < EPS reads as 0); shadow_price_nominal = shadow_price / d_p
    for min_cost rows indexed by a period p, else shadow_price.
    """
    scale, _ = objective_scale(solver.model)
    maximise = solver.model.objective.sense == pyo.maximize
    frame = pd.DataFrame([index_of(c) for c in cons], columns=list(family.index))
    if not family.index:
        frame = pd.DataFrame(index=range(len(cons)))
    rows = np.fromiter((solver.row_of(c) for c in cons), dtype=np.int64, count=len(cons))
    price = clean(row_dual[rows]) * scale / family.scale
    nominal = price
    if "period" in family.index and not maximise:
        discount = dict(zip(sc.period_labels, sc.discount, strict=True))
        nominal = price / frame["period"].map(discount).to_numpy(dtype=float)
    frame.insert(0, "family", family.name)
    frame["shadow_price"] = price
    frame["shadow_price_nominal"] = nominal
    return frame


def dual_table(sc: Scenario, solver: Solver, activity: bool = True) -> pd.DataFrame:
    """duals.csv: every planner row's shadow price d(objective)/d(right-hand side), MODEL.md
    units (``family_prices``), with the row's activity (body value x family.scale) and the
    price's unit. Bookkeeping rows (fleet_balance) are not listed.

    ``activity=False`` leaves out activity and unit: the prices straight from HiGHS without
    evaluating row bodies (the what-if summaries).
    """
    m = solver.model
    row_dual = np.asarray(solver.row_duals())
    _, objective_unit = objective_scale(m)
    parts = []
    for family in PLANNER_FAMILIES:
        component = getattr(m, family.name, None)
        if component is None or not len(component):
            continue
        cons = list(component.values())
        frame = family_prices(sc, solver, family, cons, row_dual)
        if activity:
            frame["activity"] = _activity(solver, cons) * family.scale
            frame["unit"] = f"{objective_unit} per {family.unit}"
        parts.append(frame)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    always = ("family", "site", "period", "shadow_price", "shadow_price_nominal")
    always += ("activity", "unit") if activity else ()
    columns = [c for c in COLUMNS if activity or c not in ("activity", "unit")]
    return frame.reindex(columns=[c for c in columns if c in frame.columns or c in always])


def _activity(solver: Solver, cons) -> np.ndarray:
    """Body values of constraints at the solution (as ``pyo.value(con.body)``, vectorised)."""
    if solver.has_solution:
        return solver.row_activity(cons)
    return np.array([pyo.value(c.body) for c in cons], dtype=float)


def clean(x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Solver noise: every element below ``eps`` (model units unless said) reads as 0."""
    return np.where(np.abs(x) < eps, 0.0, x)
