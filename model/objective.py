"""The objective (MODEL.md section 4).

- min_cost: minimise total_cost + sum over p of d_p * penalty * y_p * unmet[p];
- max_compute: maximise sum over p of y_p * compute[p] (PFLOPS-years), subject to
  total_budget: total_cost <= total_budget_usd.
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .rows import relation


def define_objective(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add the objective and, for max_compute, the total_budget row."""
    years = dict(zip(sc.period_labels, sc.years, strict=True))
    if sc.settings.objective == "min_cost":
        shortfall = pyo.quicksum(
            m.discount[p] * m.unmet_penalty * years[p] * m.unmet[p] for p in m.P
        )
        m.objective = pyo.Objective(expr=m.total_cost + shortfall, sense=pyo.minimize)
    else:
        m.objective = pyo.Objective(
            expr=pyo.quicksum(years[p] * m.compute[p] for p in m.P), sense=pyo.maximize
        )
        m.total_budget = pyo.Constraint(
            rule=lambda m: relation(m, "total_budget", (), m.total_cost, "<=", m.budget_cap)
        )
