"""demand[p] (min_cost only): compute[p] + unmet[p] >= demand_pflops[p]."""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .spec import FamilySpec
from .units import PFLOPS
from .words import need, number


def define_demand(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add demand[p] for every period when the objective is min_cost."""
    if sc.settings.objective != "min_cost":
        return
    m.demand = pyo.Constraint(
        m.P, rule=lambda m, p: m.compute[p] + m.unmet[p] >= m.demand_pflops[p]
    )


def _conflict(at: dict, c: dict) -> str:
    """At most ``need`` PFLOPS can be in service in p, against demand_pflops."""
    return (
        f"{at['period']} (demand): at most {number(need(c))} PFLOPS can be in service but "
        f"the target is {number(c['bound'])} PFLOPS"
    )


SPEC = FamilySpec(
    "demand",
    ("period",),
    "PFLOPS",
    PFLOPS,
    rank=5,
    conflict=_conflict,
)
