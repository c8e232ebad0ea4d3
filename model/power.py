"""power[s, p]: pue[s] * it_mw[s,p] <= capacity[s,p] = power_mw[s,p] + built_mw[s,p].

Written with power_mw alone on the right-hand side, so the row's bound is the site's MW
and its dual is the value of one more facility MW at s in p.
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .rows import relation


def define_power(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add power[s, p] for every site and period."""
    pue = sc.sites.set_index("site")["pue"].to_dict()
    m.power = pyo.Constraint(
        m.S,
        m.P,
        rule=lambda m, s, p: relation(
            m, "power", (s, p), pue[s] * m.it_mw[s, p] - m.built_mw[s, p], "<=", m.power_mw[s, p]
        ),
    )
