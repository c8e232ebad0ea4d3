"""build_total[s]: sum over p of build[s,p] <= max_build_mw[s]."""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario


def define_build_total(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add build_total[s] for every site that can build within the horizon."""
    periods_for = {}
    for s, p in m.BUILD:
        periods_for.setdefault(s, []).append(p)
    m.BUILD_SITES = pyo.Set(initialize=list(periods_for), ordered=True)
    m.build_total = pyo.Constraint(
        m.BUILD_SITES,
        rule=lambda m, s: pyo.quicksum(m.build[s, p] for p in periods_for[s]) <= m.max_build_mw[s],
    )
