"""demand[p] (min_cost only): compute[p] + unmet[p] >= demand_pflops[p]."""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario


def define_demand(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add demand[p] for every period when the objective is min_cost."""
    if sc.settings.objective != "min_cost":
        return
    m.demand = pyo.Constraint(
        m.P, rule=lambda m, p: m.compute[p] + m.unmet[p] >= m.demand_pflops[p]
    )
