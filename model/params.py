"""Mutable parameters: the numbers a sensitivity run changes without rebuilding the model.

All are stored in model units (see ``units``): prices in USD per model unit, power in MW.
Coefficients that define the model's structure (perf, power per chip, PUE, lifetimes, lead
times) are plain numbers; changing them rebuilds the model. ``param_values`` holds the
scaling of every parameter in one place; ``update_params`` pushes an edited scenario's
numbers into a built model when ``structure`` says the two scenarios share their LP shape.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import pandas as pd
import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.data.scenario import take_or_pay_sites
from chipalloc.data.schema import SHARE_KINDS, TABLES

from .discrete import dominated_fabrics, out_of_reach
from .policies import effective_shares, min_spend_targets
from .units import PFLOPS, UNITS, USD

STRUCTURE_COLUMNS: dict[str, tuple[str, ...] | None] = {
    "periods": ("period", "years"),
    "chips": None,
    "chip_supply": ("chip", "period"),
    "sites": (
        "site",
        "operator",
        "pue",
        "cooling",
        "build_lead_periods",
        "build_lifetime_periods",
        "contract",
        "build_fixed_cost_usd",
        "min_build_mw",
        "campus",
    ),
    "site_power": ("site", "period"),
    "initial_fleet": None,
    "policies": ("kind", "name", "from_period"),
    "clusters": None,
    "fabrics": None,
}
"""Columns that shape the LP (None: every MODEL.md column); the other numbers are Params."""

ORDERED = ("periods", "chips", "sites")
"""Tables whose row order defines a set's order; the others compare as sets of rows."""


def param_values(sc: Scenario) -> dict[str, Any]:
    """Every mutable parameter's values in model units: Param name -> {index: value} or value."""
    supply = sc.chip_supply.set_index(["chip", "period"])
    power = sc.site_power.set_index(["site", "period"])
    sites = sc.sites.set_index("site")
    periods = sc.periods.set_index("period")
    values: dict[str, Any] = {
        "max_units": {k: v / UNITS for k, v in supply["max_units"].items()},
        "unit_cost": {k: v * UNITS / USD for k, v in supply["unit_cost_usd"].items()},
        "power_mw": power["power_mw"].to_dict(),
        "energy_price": {k: v / USD for k, v in power["energy_usd_per_mwh"].items()},
        "lease": {s: v / USD for s, v in sites["lease_usd_per_kw_month"].items()},
        "build_cost": {s: v / USD for s, v in sites["build_cost_usd_per_mw"].items()},
        "max_build_mw": sites["max_build_mw"].to_dict(),
        "demand_pflops": {p: v / PFLOPS for p, v in periods["demand_pflops"].items()},
        "capex_budget": {p: v / USD for p, v in periods["capex_budget_usd"].dropna().items()},
        "discount": dict(zip(sc.period_labels, sc.discount, strict=True)),
        "load_factor": sc.settings.load_factor,
        "unmet_penalty": sc.settings.unmet_penalty_usd_per_pflops_year * PFLOPS / USD,
        "budget_cap": (sc.settings.total_budget_usd or 0.0) / USD,
        "min_spend_usd": min_spend_targets(sc),
        "min_share": {s: sites.at[s, "min_share"] for s in take_or_pay_sites(sc)},
        "max_share": {s: sites.at[s, "max_share"] for s in take_or_pay_sites(sc)},
    }
    for kind in SHARE_KINDS:
        values[f"{kind}_value"] = effective_shares(sc, kind)
    return values


def define_params(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add the mutable parameters, each indexed like the table it comes from."""
    v = param_values(sc)
    m.max_units = pyo.Param(
        m.K,
        m.P,
        mutable=True,
        default=0.0,
        initialize=v["max_units"],
        doc="chip supply per period, thousands of units",
    )
    m.unit_cost = pyo.Param(
        m.K,
        m.P,
        mutable=True,
        default=0.0,
        initialize=v["unit_cost"],
        doc="price per accelerator, USD million per thousand units",
    )
    m.power_mw = pyo.Param(
        m.S,
        m.P,
        mutable=True,
        default=0.0,
        initialize=v["power_mw"],
        doc="facility MW without new builds",
    )
    m.energy_price = pyo.Param(
        m.S,
        m.P,
        mutable=True,
        default=0.0,
        initialize=v["energy_price"],
        doc="energy price, USD million per MWh",
    )
    m.lease = pyo.Param(
        m.S, mutable=True, initialize=v["lease"], doc="hosting fee, USD million per kW-month"
    )
    m.build_cost = pyo.Param(
        m.S, mutable=True, initialize=v["build_cost"], doc="construction cost, USD million per MW"
    )
    m.max_build_mw = pyo.Param(m.S, mutable=True, initialize=v["max_build_mw"])
    m.demand_pflops = pyo.Param(
        m.P,
        mutable=True,
        initialize=v["demand_pflops"],
        doc="compute target, thousands of PFLOPS",
    )
    m.BUDGET_P = pyo.Set(initialize=list(v["capex_budget"]), within=m.P, ordered=True)
    m.capex_budget = pyo.Param(
        m.BUDGET_P,
        mutable=True,
        initialize=v["capex_budget"],
        doc="nominal capex cap per period, USD million",
    )
    m.min_share = pyo.Param(
        m.TAKE_OR_PAY,
        mutable=True,
        initialize=v["min_share"],
        doc="least contracted share of a take_or_pay site's offered power",
    )
    m.max_share = pyo.Param(
        m.TAKE_OR_PAY,
        mutable=True,
        initialize=v["max_share"],
        doc="most contracted share of a take_or_pay site's offered power",
    )
    m.discount = pyo.Param(m.P, mutable=True, initialize=v["discount"], doc="d_p = (1 + r)^(-t_p)")
    m.load_factor = pyo.Param(mutable=True, initialize=v["load_factor"])
    m.unmet_penalty = pyo.Param(
        mutable=True,
        initialize=v["unmet_penalty"],
        doc="USD million per thousand PFLOPS-years",
    )
    m.budget_cap = pyo.Param(
        mutable=True,
        initialize=v["budget_cap"],
        doc="discounted total cost cap, USD million (max_compute)",
    )


def structure(sc: Scenario) -> tuple:
    """Everything that shapes the LP: sets, structural coefficients, which rows exist.

    Two scenarios with equal ``structure`` differ only in mutable parameter values.
    """
    parts: list[Any] = [sc.settings.objective]
    for name, columns in STRUCTURE_COLUMNS.items():
        frame = sc.tables[name]
        rows = [
            tuple(_cell(x) for x in row)
            for row in frame[list(columns or TABLES[name].columns)].itertuples(index=False)
        ]
        parts.append(tuple(rows) if name in ORDERED else tuple(sorted(rows, key=repr)))
    parts.append(tuple(sc.periods["capex_budget_usd"].notna()))
    parts.append(tuple(sc.sites["max_build_mw"] > 0))
    parts.append(tuple(sorted(out_of_reach(sc))))
    parts.append(tuple(sorted(dominated_fabrics(sc).items())))
    return tuple(parts)


def update_params(m: pyo.ConcreteModel, old: Scenario, new: Scenario) -> bool:
    """Set ``m``'s mutable Params to ``new``'s values if ``new`` has ``old``'s structure.

    ``m`` was built from (or last updated to) ``old``. Returns False, changing nothing, when
    the structures differ: the caller must rebuild. Only values that changed are written.
    """
    if structure(old) != structure(new):
        return False
    for name, values in param_values(new).items():
        param = getattr(m, name)
        if not isinstance(values, dict):
            if pyo.value(param) != values:
                param.set_value(values)
            continue
        for index in param:
            value = values.get(index, 0.0)
            if param[index].value != value:
                param[index] = value
    return True


def _cell(value: Any) -> Any:
    """One comparable cell: empty cells are None, numbers are floats."""
    if pd.isna(value) or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Number) and not isinstance(value, bool):
        return float(value)
    return value
