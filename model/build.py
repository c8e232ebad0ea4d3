"""Assemble the LP of MODEL.md section 4 (a MIP with the section 7 features) from a scenario,
one family at a time."""

from __future__ import annotations

import gc

import pyomo.core as pyo

from chipalloc.data import Scenario

from .build_total import define_build_total
from .clusters import define_clusters
from .contracts import define_contracts
from .costs import define_costs
from .demand import define_demand
from .discrete import define_discrete
from .fabrics import define_fabrics
from .fleet import FLEET_FORMS, choose_fleet_form, define_fleet
from .fleet_balance import define_fleet_balance
from .objective import define_objective
from .params import define_params
from .period_budget import define_period_budget
from .policies import define_policies
from .power import define_power
from .projects import define_projects
from .racks import define_racks
from .rows import define_fixed_rows
from .sets import define_sets
from .supply import define_supply
from .variables import define_variables

STEPS = (
    define_sets,
    define_params,
    define_variables,
    define_discrete,
    define_fleet,
    define_contracts,
    define_costs,
    define_power,
    define_supply,
    define_build_total,
    define_demand,
    define_period_budget,
    define_policies,
    define_racks,
    define_projects,
    define_clusters,
    define_fabrics,
    define_fleet_balance,
    define_objective,
)


def build_model(sc: Scenario, fleet_form: str = "auto") -> pyo.ConcreteModel:
    """The Pyomo model of ``sc``: sets, mutable parameters, variables, rows and objective.

    ``fleet_form`` is ``window``, ``recursion`` (see ``fleet``) or ``auto`` (by size); the
    choice is kept in ``m.fleet_form``. The garbage collector is paused while building: the
    model makes millions of small objects and no cycles worth collecting.
    """
    form = choose_fleet_form(sc) if fleet_form == "auto" else fleet_form
    if form not in FLEET_FORMS:
        raise ValueError(f"fleet_form must be auto or one of {FLEET_FORMS}, got {fleet_form!r}")
    m = pyo.ConcreteModel(name=sc.name)
    m.fleet_form = form
    define_fixed_rows(m)
    collecting = gc.isenabled()
    gc.disable()
    try:
        for step in STEPS:
            if step is define_fleet:
                step(m, sc, form)
            else:
                step(m, sc)
    finally:
        if collecting:
            gc.enable()
    return m
