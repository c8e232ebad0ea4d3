"""Network fabrics (MODEL.md 7.4), when fabrics.csv is present:

- one_fabric[s]: sum over f of use[s,f] <= 1 (one fabric per site for the whole horizon);
- fabric_split[k,s,p]: buy[k,s,p] - sum over fabrics f serving k of buyf[k,s,p,f] = 0
  (a chip no fabric serves: buy[k,s,p] = 0);
- fabric_capacity[k,s,p,f]: buyf[k,s,p,f] - max_units[k,p] * use[s,f] <= 0.

The network capex is in the capex cost (``discrete.fabric_capex``).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo

from chipalloc.data import Scenario

from .spec import FamilySpec
from .units import UNITS


def define_fabrics(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add one_fabric, fabric_split and fabric_capacity (none without fabrics.csv)."""
    fabrics_of = defaultdict(list)
    for s, f in m.USE:
        fabrics_of[s].append(f)
    m.FABRIC_SITES = pyo.Set(initialize=list(fabrics_of), ordered=True)
    m.one_fabric = pyo.Constraint(
        m.FABRIC_SITES, rule=lambda m, s: pyo.quicksum(m.use[s, f] for f in fabrics_of[s]) <= 1
    )
    split = defaultdict(list)
    for k, s, p, f in m.BUYF:
        split[k, s, p].append(m.buyf[k, s, p, f])
    m.FABRIC_BUYS = pyo.Set(dimen=3, ordered=True, initialize=list(m.BUY) if len(m.FABRICS) else [])
    m.fabric_split = pyo.Constraint(
        m.FABRIC_BUYS,
        rule=lambda m, k, s, p: m.buy[k, s, p] - pyo.quicksum(split[k, s, p]) == 0,
    )
    m.fabric_capacity = pyo.Constraint(
        m.BUYF,
        rule=lambda m, k, s, p, f: m.buyf[k, s, p, f] - m.max_units[k, p] * m.use[s, f] <= 0,
    )


def _one(at: dict, c: dict) -> str:
    return f"{at['site']} (one_fabric): a site runs one network fabric"


def _split(at: dict, c: dict) -> str:
    return (
        f"{at['chip']} at {at['site']} in {at['period']} (fabric_split): every purchase runs "
        "on a fabric that serves the chip"
    )


def _capacity(at: dict, c: dict) -> str:
    return (
        f"{at['chip']} at {at['site']} in {at['period']} on {at['fabric']} (fabric_capacity): "
        "purchases on a fabric need the site to run it"
    )


SPECS = (
    FamilySpec("one_fabric", ("site",), "fabric", 1.0, rank=15, conflict=_one),
    FamilySpec("fabric_split", ("chip", "site", "period"), "unit", UNITS, rank=16, conflict=_split),
    FamilySpec(
        "fabric_capacity",
        ("chip", "site", "period", "fabric"),
        "unit",
        UNITS,
        rank=17,
        conflict=_capacity,
    ),
)
