"""Assemble the LP of MODEL.md section 4 from a scenario, one family at a time."""

from __future__ import annotations

import pyomo.environ as pyo
from chipalloc.data import Scenario

from .build_total import define_build_total
from .costs import define_costs
from .demand import define_demand
from .fleet import define_fleet
from .objective import define_objective
from .params import define_params
from .period_budget import define_period_budget
from .policies import define_policies
from .power import define_power
from .rows import define_fixed_rows
from .sets import define_sets
from .supply import define_supply
from .variables import define_variables

STEPS = (
    define_sets,
    define_params,
    define_variables,
    define_fleet,
    define_costs,
    define_power,
    define_supply,
    define_build_total,
    define_demand,
    define_period_budget,
    define_policies,
    define_objective,
)


def build_model(sc: Scenario) -> pyo.ConcreteModel:
    """The Pyomo model of ``sc``: sets, mutable parameters, variables, rows and objective."""
    m = pyo.ConcreteModel(name=sc.name)
    define_fixed_rows(m)
    for step in STEPS:
        step(m, sc)
    return m
