"""reduced_costs.csv: what each purchase would have to cost to enter the plan.

A reduced cost is c_j - A_j^T y in objective units per accelerator: under min_cost an
unused chip has a reduced cost >= 0; under max_compute the sign flips.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.model import UNITS, USD, capex_share
from chipalloc.solve.backend.solver import Solver
from chipalloc.solve.results.duals import objective_scale

EPS = 1e-9
REDUCED_COST_COLUMNS = [
    "chip",
    "site",
    "operator",
    "vendor",
    "period",
    "buy_units",
    "in_plan",
    "unit_cost_usd",
    "reduced_cost",
    "break_even_unit_cost_usd",
    "reduced_cost_unit",
]


def reduced_cost_table(sc: Scenario, solver: Solver) -> pd.DataFrame:
    """reduced_costs.csv: for each buy[k,s,p], its reduced cost and break-even unit price.

    The reduced cost r of buy[k,s,p] is linear in the unit price u while the duals y stay
    fixed: dr/du = d_p a_k,p (objective, min_cost) - y_budget[p] - d_p a_k,p y_total (the
    price also sits in the period budget row and, for max_compute, in the total budget row).
    The break-even price u - r / (dr/du) is where the chip would enter the plan (for a chip
    in the plan: its current price). Empty when the price cannot matter (max_compute with no
    binding budget). A negative break-even means the chip would not enter even for free.
    """
    m = solver.model
    scale, unit = objective_scale(m)
    maximise = m.objective.sense == pyo.maximize
    buys = list(m.BUY)
    chip = [k for k, _, _ in buys]
    site = [s for _, s, _ in buys]
    period = [p for _, _, p in buys]
    cols = np.fromiter((solver.col_of(m.buy[b]) for b in buys), dtype=np.int64, count=len(buys))
    solution = solver.highs.getSolution()
    r = np.asarray(solution.col_dual)[cols] if len(cols) else np.zeros(0)
    value = np.asarray(solution.col_value)[cols] if len(cols) else np.zeros(0)
    life = sc.chips.set_index("chip")["lifetime_periods"].astype(int).to_dict()
    discount = dict(zip(sc.period_labels, sc.discount, strict=True))
    share = np.array(
        [discount[p] * capex_share(life[k], sc.n_periods, sc.period_pos[p]) for k, _, p in buys]
    )
    row_dual = solver.row_duals()
    total = row_dual[solver.row_of(m.total_budget)] if maximise and buys else 0.0
    budget_dual = {
        p: row_dual[solver.row_of(m.period_budget[p])] for p in m.BUDGET_P if p in m.period_budget
    }
    budget = np.array([budget_dual.get(p, 0.0) for p in period])
    slope = (0.0 if maximise else share) - budget - share * total
    price_of = {(k, p): pyo.value(m.unit_cost[k, p]) for k, _, p in buys}
    price = np.array([price_of[k, p] for k, _, p in buys])
    in_plan = value > EPS
    at_price = in_plan | (np.abs(r) < EPS * np.maximum(1.0, np.abs(price)))
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = np.where(np.abs(slope) > EPS * EPS, price - r / slope, np.nan)
    even = np.where(at_price, price, moved)
    vendor = sc.chips.set_index("chip")["vendor"]
    operator = sc.sites.set_index("site")["operator"]
    return pd.DataFrame(
        {
            "chip": chip,
            "site": site,
            "operator": operator.reindex(site).to_numpy(dtype=object),
            "vendor": vendor.reindex(chip).to_numpy(dtype=object),
            "period": period,
            "buy_units": np.where(in_plan, value * UNITS, 0.0),
            "in_plan": in_plan,
            "unit_cost_usd": price * USD / UNITS,
            "reduced_cost": np.where(np.abs(r) < EPS, 0.0, r * scale / UNITS),
            "break_even_unit_cost_usd": even * USD / UNITS,
            "reduced_cost_unit": f"{unit} per unit",
        },
        columns=REDUCED_COST_COLUMNS,
    )
