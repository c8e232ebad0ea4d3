"""period_budget[p], where capex_budget_usd is given (nominal, no horizon share a_k,p):

sum unit_cost[k,p] * buy[k,s,p] + sum build_cost[s] * build[s,p] <= capex_budget_usd[p],

the left-hand side with section 7 also holding the fixed project costs and network capex of p
(``discrete.discrete_spend``, nominal).
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .rows import relation
from .spec import FamilySpec
from .units import USD
from .words import need, usd


def define_period_budget(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add period_budget[p] for every period with a capex budget."""
    chips_in = {p: [] for p in m.P}
    for k, p in {(k, p) for k, _, p in m.BUY}:
        chips_in[p].append(k)
    builds_in = {p: [] for p in m.P}
    for s, p in m.BUILD:
        builds_in[p].append(s)

    def rule(m, p):
        spend = pyo.quicksum(m.unit_cost[k, p] * m.bought[k, p] for k in sorted(chips_in[p]))
        spend += pyo.quicksum(m.build_cost[s] * m.build[s, p] for s in builds_in[p])
        spend += m.discrete_spend[p]
        return relation(m, "period_budget", (p,), spend, "<=", m.capex_budget[p])

    m.period_budget = pyo.Constraint(m.BUDGET_P, rule=rule)


def _conflict(at: dict, c: dict) -> str:
    """Purchases and builds of p cost at least ``need`` USD, against capex_budget_usd."""
    return (
        f"{at['period']} (period_budget): purchases and builds cost at least {usd(need(c))} "
        f"but capex_budget_usd is {usd(c['bound'])}"
    )


def _limit(at: dict, bound: float, value: float | None) -> str:
    return f"capex budget in {at['period']}: all {usd(bound)} spent"


SPEC = FamilySpec(
    "period_budget",
    ("period",),
    "USD",
    USD,
    rank=6,
    conflict=_conflict,
    limit=_limit,
    summary=("capex budget spent", None),
    shortfall=True,
)
