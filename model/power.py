"""power[s, p]: pue[s] * it_mw[s,p] <= capacity[s,p] = power_mw[s,p] + built_mw[s,p].

Written with power_mw alone on the right-hand side, so the row's bound is the site's MW
and its dual is the value of one more facility MW at s in p.

At a take_or_pay site (MODEL.md section 9) power_mw is scaled by the contracted share:
pue[s] * it_mw[s,p] - built_mw[s,p] - contracted_mw[s,p] <= 0, with contracted_mw =
share[s] * power_mw[s,p] (``contracts.py``; built_mw is 0 there). The dual is still the
value of one more facility MW at s in p, given free of contract.
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .rows import relation
from .spec import FamilySpec
from .words import TOL, need, number, only_fleet


def define_power(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add power[s, p] for every site and period."""
    pue = sc.sites.set_index("site")["pue"].to_dict()

    def rule(m, s, p):
        if s in m.TAKE_OR_PAY:
            used = pue[s] * m.it_mw[s, p] - m.built_mw[s, p] - m.contracted_mw[s, p]
            return relation(m, "power", (s, p), used, "<=", 0.0)
        used = pue[s] * m.it_mw[s, p] - m.built_mw[s, p]
        return relation(m, "power", (s, p), used, "<=", m.power_mw[s, p])

    m.power = pyo.Constraint(m.S, m.P, rule=rule)


def _conflict(at: dict, c: dict) -> str:
    """pue * it_mw is at least ``need`` MW against power_mw (plus what builds can add)."""
    bound, fixed = c["bound"], c["fixed"]
    where = f"{at['period']} at {at['site']}"
    if c.get("built") is not None:
        return (
            f"{where} (power): the fleet needs {number(need(c) + c['built'])} MW but "
            f"{number(bound)} MW is available, plus at most {number(c['built'])} MW "
            "from new builds"
        )
    who = "the initial fleet needs" if only_fleet(c) and fixed > 0 else "the fleet needs at least"
    return f"{where} (power): {who} {number(need(c))} MW but {number(bound)} MW is available"


def _limit(at: dict, bound: float, value: float | None) -> str:
    """``bound`` is the capacity in use: power_mw plus MW built and usable by then."""
    if bound <= TOL:
        return f"power at {at['site']} in {at['period']}: no MW available yet"
    return f"power at {at['site']} in {at['period']}: all {number(bound)} MW in use"


SPEC = FamilySpec(
    "power",
    ("site", "period"),
    "MW",
    1.0,
    rank=9,
    conflict=_conflict,
    limit=_limit,
    summary=("site power full", "site"),
    shortfall=True,
    capacity=True,
)
