"""fleet_balance[k,s,p], the recursion form of fleet (``fleet.py``):

    fleet[k,s,p] - fleet[k,s,p-1] - buy[k,s,p] + buy[k,s,p-L_k] = initial[k,s,p] - initial[k,s,p-1]

with terms outside the horizon or without a buy left out, so fleet[k,s,p] is the window sum of
buys plus the initial units. Declared after every other family: the LP handed to HiGHS then
has its rows in the order of MODEL.md section 4 with the balance rows last, the order the
benchmark floor uses, so both hand HiGHS the same LP up to rounding and presolve reduces
them alike (docs/performance.md).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from chipalloc.data import Scenario

from .fleet import initial_units
from .spec import FamilySpec
from .units import UNITS


def define_fleet_balance(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add the fleet_balance rows when fleet is a variable (recursion form); else nothing."""
    if m.fleet_form != "recursion":
        return
    labels = sc.period_labels
    life = sc.chips.set_index("chip")["lifetime_periods"].astype(int).to_dict()
    initial = initial_units(sc)
    buys = defaultdict(dict)  # (k, s) -> {period position: buy var}
    for (k, s, p), var in m.buy.items():
        buys[k, s][sc.period_pos[p]] = var
    fleet = dict(m.fleet.items())

    def balance(m, k, s, p):
        i = sc.period_pos[p]
        mine = buys.get((k, s), {})
        terms = [fleet[k, s, p]]
        if i > 0:
            terms.append(MonomialTermExpression((-1.0, fleet[k, s, labels[i - 1]])))
        if i in mine:
            terms.append(MonomialTermExpression((-1.0, mine[i])))
        if i - life[k] in mine:
            terms.append(mine[i - life[k]])
        change = initial.get((k, s, i), 0.0) - (initial.get((k, s, i - 1), 0.0) if i else 0.0)
        return LinearExpression(terms) == change

    m.fleet_balance = pyo.Constraint(m.KS, m.P, rule=balance)


SPEC = FamilySpec(
    "fleet_balance",
    ("chip", "site", "period"),
    "unit",
    UNITS,
    rank=100,
    internal=True,
)
"""Bookkeeping: carries fleet from p-1 to p; never the planner's conflict, last in an IIS."""
