"""Turn a solved model into the results tables of MODEL.md section 6, in MODEL.md units.

- plan: one row per (period, site, chip) with nonzero buy or fleet;
- sites: per site and period, facility MW available, built, used, and the value of power;
- costs: per period and cost kind, nominal and discounted USD (plus the shortfall penalty);
- duals: the shadow price of every row, by constraint family and MODEL.md index.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo
from chipalloc.data import Scenario
from chipalloc.model import FAMILIES, PFLOPS, UNITS, USD

from .highs import Outcome, Solver

EPS = 1e-9
PLAN_COLUMNS = [
    "period",
    "site",
    "operator",
    "chip",
    "vendor",
    "buy_units",
    "fleet_units",
    "it_mw",
    "compute_pflops",
]


@dataclass
class Results:
    """Everything a results folder holds, as DataFrames and a summary mapping."""

    plan: pd.DataFrame
    sites: pd.DataFrame
    costs: pd.DataFrame
    duals: pd.DataFrame
    summary: dict


def _clean(x: float) -> float:
    """Solver noise below EPS (model units) reads as 0."""
    return 0.0 if abs(x) < EPS else x


def extract(sc: Scenario, solver: Solver, outcome: Outcome) -> Results:
    """Read the solution of ``solver`` back into MODEL.md units."""
    m = solver.model
    maximise = m.objective.sense == pyo.maximize
    duals = dual_table(sc, solver, maximise)
    plan = plan_table(sc, m)
    sites = sites_table(sc, m, duals, maximise)
    costs = cost_table(sc, m)
    unmet = {} if maximise else {p: _clean(pyo.value(m.unmet[p])) * PFLOPS for p in m.P}
    total_cost = float(costs.loc[costs["kind"] != "shortfall_penalty", "discounted_usd"].sum())
    summary = {
        "status": outcome.status,
        "objective": outcome.objective,
        "sense": "max" if maximise else "min",
        "objective_unit": "PFLOPS-years" if maximise else "USD",
        "total_cost_usd": total_cost,
        "unmet_pflops": unmet,
        "compute_pflops_years": float(
            sum(
                y * pyo.value(m.compute[p]) * PFLOPS
                for p, y in zip(sc.period_labels, sc.years, strict=True)
            )
        ),
        "scenario": sc.name,
    }
    return Results(plan, sites, costs, duals, summary)


def plan_table(sc: Scenario, m: pyo.ConcreteModel) -> pd.DataFrame:
    """plan.csv: buy and fleet per (period, site, chip), with it_mw and compute_pflops."""
    chips = sc.chips.set_index("chip")
    operator = sc.sites.set_index("site")["operator"]
    rows = []
    for p in m.P:
        for k, s in m.KS:
            buy = _clean(m.buy[k, s, p].value or 0.0) if (k, s, p) in m.BUY else 0.0
            fleet = _clean(pyo.value(m.fleet[k, s, p]))
            if buy or fleet:
                units = fleet * UNITS
                rows.append(
                    (
                        p,
                        s,
                        operator[s],
                        k,
                        chips.at[k, "vendor"],
                        buy * UNITS,
                        units,
                        chips.at[k, "power_kw"] * units / 1000,
                        chips.at[k, "perf_pflops"] * units,
                    )
                )
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def sites_table(
    sc: Scenario, m: pyo.ConcreteModel, duals: pd.DataFrame, maximise: bool
) -> pd.DataFrame:
    """sites.csv: power available, built, used, and the value of one more MW, per site and period.

    ``power_shadow_price`` is how much the objective improves per extra facility MW in that
    period: USD of discounted cost saved (min_cost) or PFLOPS-years gained (max_compute).
    ``power_shadow_price_nominal`` undoes the discounting (USD in that period's money).
    """
    sites = sc.sites.set_index("site")
    power = duals[duals["family"] == "power"].set_index(["site", "period"])["shadow_price"]
    discount = dict(zip(sc.period_labels, sc.discount, strict=True))
    rows = []
    for s in m.S:
        for p in m.P:
            price = -power.get((s, p), 0.0) if not maximise else power.get((s, p), 0.0)
            price = _clean(price)
            built = _clean(pyo.value(m.built_mw[s, p]))
            started = _clean(m.build[s, p].value or 0.0) if (s, p) in m.BUILD else 0.0
            available = pyo.value(m.power_mw[s, p])
            used = _clean(sites.at[s, "pue"] * pyo.value(m.it_mw[s, p]))
            rows.append(
                {
                    "period": p,
                    "site": s,
                    "operator": sites.at[s, "operator"],
                    "power_mw": available,
                    "built_mw": built,
                    "capacity_mw": available + built,
                    "used_mw": used,
                    "it_mw": _clean(pyo.value(m.it_mw[s, p])),
                    "build_started_mw": started,
                    "power_shadow_price": price,
                    "power_shadow_price_nominal": price if maximise else price / discount[p],
                    "shadow_price_unit": "PFLOPS-years per MW" if maximise else "USD per MW",
                }
            )
    return pd.DataFrame(rows)


def cost_table(sc: Scenario, m: pyo.ConcreteModel) -> pd.DataFrame:
    """costs.csv: nominal and discounted USD per period and kind, shortfall penalty last."""
    years = dict(zip(sc.period_labels, sc.years, strict=True))
    rows = []
    for p in m.P:
        d = pyo.value(m.discount[p])
        for kind in m.COST_KINDS:
            nominal = _clean(pyo.value(m.cost[kind, p])) * USD
            rows.append((p, kind, nominal, d * nominal))
        if hasattr(m, "unmet"):
            penalty = _clean(pyo.value(m.unmet_penalty * years[p] * m.unmet[p])) * USD
            rows.append((p, "shortfall_penalty", penalty, d * penalty))
    return pd.DataFrame(rows, columns=["period", "kind", "nominal_usd", "discounted_usd"])


def dual_table(sc: Scenario, solver: Solver, maximise: bool) -> pd.DataFrame:
    """duals.csv: every row's shadow price d(objective)/d(right-hand side), MODEL.md units.

    Index columns are the family's MODEL.md index (site, chip, period, ...). The sign is the
    LP convention: for min_cost a binding ``<=`` row has a shadow price <= 0 (more room,
    less cost); ``nominal`` divides by the period's discount factor where the row has one.
    """
    m = solver.model
    row_dual = solver.row_duals()
    objective_scale = PFLOPS if maximise else USD
    objective_unit = "PFLOPS-years" if maximise else "USD"
    discount = dict(zip(sc.period_labels, sc.discount, strict=True))
    rows = []
    for family in FAMILIES.values():
        component = getattr(m, family.name, None)
        if component is None:
            continue
        for index, con in component.items():
            index = index if isinstance(index, tuple) else (index,) if index is not None else ()
            body = pyo.value(con.body)
            price = _clean(row_dual[solver.row_of(con)]) * objective_scale / family.scale
            period = dict(zip(family.index, index, strict=True)).get("period")
            row = {
                "family": family.name,
                **dict(zip(family.index, index, strict=True)),
                "activity": body * family.scale,
                "shadow_price": price,
                "shadow_price_nominal": price / discount[period]
                if period and not maximise
                else price,
                "unit": f"{objective_unit} per {family.unit}",
            }
            rows.append(row)
    columns = [
        "family",
        "site",
        "chip",
        "operator",
        "vendor",
        "period",
        "from_period",
        "activity",
        "shadow_price",
        "shadow_price_nominal",
        "unit",
    ]
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=[c for c in columns if c in frame.columns or c == "site"])
