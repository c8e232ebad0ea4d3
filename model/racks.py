"""racks[k,s,p] (MODEL.md 7.1): buy[k,s,p] = R_k * racks[k,s,p] for chips with units_per_rack.

In model units buy is in thousands: buy[k,s,p] - R_k / 1000 * racks[k,s,p] = 0.
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .spec import FamilySpec
from .units import UNITS
from .words import number


def define_racks(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add rack[k,s,p] for every buy of a chip with a rack rule."""
    m.rack = pyo.Constraint(
        m.RACK,
        rule=lambda m, k, s, p: m.buy[k, s, p] - m.rack_size[k] / UNITS * m.racks[k, s, p] == 0,
    )


def _conflict(at: dict, c: dict) -> str:
    return (
        f"{at['chip']} at {at['site']} in {at['period']} (rack): purchases come in whole "
        f"racks; {number(c['bound'])} units is not a whole number of racks"
    )


SPEC = FamilySpec(
    "rack",
    ("chip", "site", "period"),
    "unit",
    UNITS,
    rank=12,
    conflict=_conflict,
)
