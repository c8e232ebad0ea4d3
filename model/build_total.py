"""build_total[s]: sum over p of build[s,p] <= max_build_mw[s]."""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .spec import FamilySpec
from .words import need, number


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


def _conflict(at: dict, c: dict) -> str:
    """At least ``need`` MW must be built at s over the horizon, against max_build_mw."""
    return (
        f"{at['site']} (build_total): at least {number(need(c))} MW must be built but "
        f"max_build_mw is {number(c['bound'])} MW"
    )


def _limit(at: dict, bound: float, value: float | None) -> str:
    return f"builds at {at['site']}: all {number(bound)} MW of max_build_mw used"


SPEC = FamilySpec(
    "build_total",
    ("site",),
    "MW",
    1.0,
    rank=7,
    conflict=_conflict,
    limit=_limit,
    summary=("build allowance used up", "site"),
    shortfall=True,
)
