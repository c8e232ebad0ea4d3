"""Shadow prices of every row, by constraint family and MODEL.md index (duals.csv).

Sign convention (LP): a shadow price is d(objective)/d(right-hand side) in objective units
(USD for min_cost, PFLOPS-years for max_compute) per MODEL.md unit of the row; under
min_cost a binding ``<=`` row has a price <= 0 (more room, less cost).

``_prices`` is the one computation of a family's prices; ``dual_table`` (duals.csv, the
what-if summaries) and ``family_prices`` (the ranging report, ``whatif.ranging``) both read it.
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
    """family, MODEL.md index columns, shadow_price, shadow_price_nominal of rows ``cons``
    (``_prices``) as one frame."""
    index, price, nominal = _prices(sc, solver, family, cons, row_dual)
    frame = pd.DataFrame(index, columns=list(family.index))
    if not family.index:
        frame = pd.DataFrame(index=range(len(cons)))
    frame.insert(0, "family", family.name)
    frame["shadow_price"] = price
    frame["shadow_price_nominal"] = nominal
    return frame


def _prices(
    sc: Scenario, solver: Solver, family: FamilySpec, cons: list, row_dual: np.ndarray
) -> tuple[list[tuple], np.ndarray, np.ndarray]:
    """The MODEL.md index, shadow_price and shadow_price_nominal of each row of ``cons``.

    shadow_price = y_i * (objective units per model unit) / family.scale, with y_i the
    HiGHS row dual (|y_i| < EPS reads as 0); shadow_price_nominal = shadow_price / d_p
    for min_cost rows indexed by a period p, else shadow_price.
    """
    scale, _ = objective_scale(solver.model)
    maximise = solver.model.objective.sense == pyo.maximize
    index = [index_of(c) for c in cons]
    rows = np.fromiter((solver.row_of(c) for c in cons), dtype=np.int64, count=len(cons))
    price = clean(row_dual[rows]) * scale / family.scale
    nominal = price
    if "period" in family.index and not maximise:
        discount = dict(zip(sc.period_labels, sc.discount, strict=True))
        at = family.index.index("period")
        d_p = np.fromiter((discount[i[at]] for i in index), dtype=float, count=len(index))
        nominal = price / d_p
    return index, price, nominal


def dual_table(sc: Scenario, solver: Solver, activity: bool = True) -> pd.DataFrame:
    """duals.csv: every planner row's shadow price d(objective)/d(right-hand side), MODEL.md
    units (``_prices``), with the row's activity (body value x family.scale) and the
    price's unit. Bookkeeping rows (fleet_balance) are not listed.

    ``activity=False`` leaves out activity and unit: the prices straight from HiGHS without
    evaluating row bodies (the what-if summaries).

    The families' rows are stacked column by column (one frame built at the end): the
    frame is that of stacking each family's ``family_prices`` frame, with a missing cell
    (an index a family does not have) empty.
    """
    m = solver.model
    row_dual = np.asarray(solver.row_duals())
    _, objective_unit = objective_scale(m)
    columns: dict[str, list] = {}
    families: list[tuple[FamilySpec, int]] = []
    for family in PLANNER_FAMILIES:
        component = getattr(m, family.name, None)
        if component is None or not len(component):
            continue
        cons = list(component.values())
        index, price, nominal = _prices(sc, solver, family, cons, row_dual)
        part = {"family": [family.name] * len(cons)}
        part.update((name, [i[at] for i in index]) for at, name in enumerate(family.index))
        part["shadow_price"] = price
        part["shadow_price_nominal"] = nominal
        if activity:
            part["activity"] = _activity(solver, cons) * family.scale
            part["unit"] = [f"{objective_unit} per {family.unit}"] * len(cons)
        for name, values in part.items():
            columns.setdefault(name, []).append((len(families), values))
        families.append((family, len(cons)))
    always = ("family", "site", "period", "shadow_price", "shadow_price_nominal")
    always += ("activity", "unit") if activity else ()
    names = [c for c in COLUMNS if activity or c not in ("activity", "unit")]
    if not families:
        return pd.DataFrame().reindex(columns=[c for c in names if c in always])
    sizes = [n for _, n in families]
    frame = pd.DataFrame({name: _stack(columns[name], sizes) for name in names if name in columns})
    return frame.reindex(columns=[c for c in names if c in frame.columns or c in always])


def _stack(parts: list[tuple[int, object]], sizes: list[int]) -> np.ndarray:
    """One column of the stacked families: family ``k``'s values where ``(k, values)`` is in
    ``parts``, empty (NaN) in the rows of the others."""
    numeric = all(isinstance(v, np.ndarray) for _, v in parts)
    if numeric and len(parts) == len(sizes):
        return np.concatenate([v for _, v in parts])
    out = np.full(sum(sizes), np.nan, dtype=float if numeric else object)
    start = np.concatenate([[0], np.cumsum(sizes)])
    for k, values in parts:
        out[start[k] : start[k + 1]] = values
    return out


def _activity(solver: Solver, cons) -> np.ndarray:
    """Body values of constraints at the solution (as ``pyo.value(con.body)``, vectorised)."""
    if solver.has_solution:
        return solver.row_activity(cons)
    return np.array([pyo.value(c.body) for c in cons], dtype=float)


def clean(x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Solver noise: every element below ``eps`` (model units unless said) reads as 0."""
    return np.where(np.abs(x) < eps, 0.0, x)
