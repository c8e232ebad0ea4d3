"""The objective (MODEL.md section 4).

- min_cost: minimise total_cost + sum over p of d_p * penalty * y_p * unmet[p];
- max_compute: maximise sum over p of y_p * compute[p] (PFLOPS-years), subject to
  total_budget: total_cost <= total_budget_usd.
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .rows import relation
from .spec import FamilySpec
from .units import USD
from .words import need, only_fleet, usd


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


def _conflict(at: dict, c: dict) -> str:
    """The plan costs at least ``need`` USD (discounted), against total_budget_usd."""
    if only_fleet(c):
        return (
            f"total_budget: the initial fleet's energy and lease alone cost {usd(c['fixed'])} "
            f"(discounted) but total_budget_usd is {usd(c['bound'])}"
        )
    return (
        f"total_budget: the plan costs at least {usd(need(c))} (discounted) but "
        f"total_budget_usd is {usd(c['bound'])}"
    )


SPEC = FamilySpec(
    "total_budget",
    (),
    "USD",
    USD,
    rank=1,
    conflict=_conflict,
    summary=("total budget spent", None),
)
