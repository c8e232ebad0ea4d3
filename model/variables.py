"""Decision variables of MODEL.md section 4, all continuous and >= 0.

- buy[k, s, p]: accelerators (thousands) of chip k bought and installed at site s in p;
- build[s, p]: facility MW whose construction starts in p (usable from p + G_s);
- unmet[p]: compute shortfall (thousands of PFLOPS), min_cost only.
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .spec import VariableSpec
from .units import PFLOPS, UNITS


def define_variables(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add buy, build and (for min_cost) unmet."""
    m.buy = pyo.Var(m.BUY, within=pyo.NonNegativeReals)
    m.build = pyo.Var(m.BUILD, within=pyo.NonNegativeReals)
    if sc.settings.objective == "min_cost":
        m.unmet = pyo.Var(m.P, within=pyo.NonNegativeReals)


SPECS = (
    VariableSpec("buy", ("chip", "site", "period"), "unit", UNITS, unit_price=True),
    VariableSpec("build", ("site", "period"), "MW", 1.0, capacity=True),
    VariableSpec("unmet", ("period",), "PFLOPS", PFLOPS),
)
"""buy, build and unmet in MODEL.md units (fleet is declared in ``fleet.py``)."""
