"""supply[k, p]: sum over s of buy[k,s,p] <= max_units[k,p] (0 when chip_supply has no row)."""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario


def define_supply(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add supply[k, p] where chip k can be bought in p at some site."""
    sites_for = {}
    for k, s, p in m.BUY:
        sites_for.setdefault((k, p), []).append(s)
    m.SUPPLY = pyo.Set(initialize=list(sites_for), dimen=2, ordered=True)
    m.supply = pyo.Constraint(
        m.SUPPLY,
        rule=lambda m, k, p: m.bought[k, p] <= m.max_units[k, p],
    )
