"""Mutable parameters: the numbers a sensitivity run changes without rebuilding the model.

All are stored in model units (see ``units``): prices in USD per model unit, power in MW.
Coefficients that define the model's structure (perf, power per chip, PUE, lifetimes, lead
times) are plain numbers; changing them rebuilds the model.
"""

from __future__ import annotations

import pyomo.environ as pyo
from chipalloc.data import Scenario

from .units import PFLOPS, UNITS, USD


def define_params(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add the mutable parameters, each indexed like the table it comes from."""
    supply = sc.chip_supply.set_index(["chip", "period"])
    m.max_units = pyo.Param(
        m.K,
        m.P,
        mutable=True,
        default=0.0,
        initialize={k: v / UNITS for k, v in supply["max_units"].items()},
        doc="chip supply per period, thousands of units",
    )
    m.unit_cost = pyo.Param(
        m.K,
        m.P,
        mutable=True,
        default=0.0,
        initialize={k: v * UNITS / USD for k, v in supply["unit_cost_usd"].items()},
        doc="price per accelerator, USD million per thousand units",
    )
    power = sc.site_power.set_index(["site", "period"])
    m.power_mw = pyo.Param(
        m.S,
        m.P,
        mutable=True,
        default=0.0,
        initialize=power["power_mw"].to_dict(),
        doc="facility MW without new builds",
    )
    m.energy_price = pyo.Param(
        m.S,
        m.P,
        mutable=True,
        default=0.0,
        initialize={k: v / USD for k, v in power["energy_usd_per_mwh"].items()},
        doc="energy price, USD million per MWh",
    )
    sites = sc.sites.set_index("site")
    m.lease = pyo.Param(
        m.S,
        mutable=True,
        initialize={s: v / USD for s, v in sites["lease_usd_per_kw_month"].items()},
        doc="hosting fee, USD million per kW-month",
    )
    m.build_cost = pyo.Param(
        m.S,
        mutable=True,
        initialize={s: v / USD for s, v in sites["build_cost_usd_per_mw"].items()},
        doc="construction cost, USD million per MW",
    )
    m.max_build_mw = pyo.Param(m.S, mutable=True, initialize=sites["max_build_mw"].to_dict())
    periods = sc.periods.set_index("period")
    m.demand_pflops = pyo.Param(
        m.P,
        mutable=True,
        initialize={p: v / PFLOPS for p, v in periods["demand_pflops"].items()},
        doc="compute target, thousands of PFLOPS",
    )
    budgets = periods["capex_budget_usd"].dropna()
    m.BUDGET_P = pyo.Set(initialize=list(budgets.index), within=m.P, ordered=True)
    m.capex_budget = pyo.Param(
        m.BUDGET_P,
        mutable=True,
        initialize={p: v / USD for p, v in budgets.items()},
        doc="nominal capex cap per period, USD million",
    )
    m.discount = pyo.Param(
        m.P,
        mutable=True,
        initialize=dict(zip(sc.period_labels, sc.discount, strict=True)),
        doc="d_p = (1 + r)^(-t_p)",
    )
    m.load_factor = pyo.Param(mutable=True, initialize=sc.settings.load_factor)
    m.unmet_penalty = pyo.Param(
        mutable=True,
        initialize=sc.settings.unmet_penalty_usd_per_pflops_year * PFLOPS / USD,
        doc="USD million per thousand PFLOPS-years",
    )
    m.budget_cap = pyo.Param(
        mutable=True,
        initialize=(sc.settings.total_budget_usd or 0.0) / USD,
        doc="discounted total cost cap, USD million (max_compute)",
    )
