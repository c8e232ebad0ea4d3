"""supply[k, p]: sum over s of buy[k,s,p] <= max_units[k,p] (0 when chip_supply has no row)."""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .spec import FamilySpec
from .units import UNITS
from .words import TOL, need, number


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


def _conflict(at: dict, c: dict) -> str:
    """At least ``need`` units of chip k must be bought in p, against max_units."""
    return (
        f"{at['chip']} in {at['period']} (supply): at least {number(need(c))} units must be "
        f"bought but chip_supply.csv allows {number(c['bound'])}"
    )


def _limit(at: dict, bound: float, value: float | None) -> str:
    if bound <= TOL:
        return f"supply of {at['chip']} in {at['period']}: none available"
    return f"supply of {at['chip']} in {at['period']}: all {number(bound, 1)} units bought"


SPEC = FamilySpec(
    "supply",
    ("chip", "period"),
    "unit",
    UNITS,
    rank=8,
    conflict=_conflict,
    limit=_limit,
    summary=("chip supply sold out", "chip"),
    shortfall=True,
)
