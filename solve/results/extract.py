"""Turn a solved model into the results tables of MODEL.md section 6, in MODEL.md units.

- plan: one row per (period, site, chip) with nonzero buy or fleet;
- sites: per site and period, facility MW available, built, used, and the value of power;
  at take_or_pay sites (MODEL.md section 9) the contracted share and MW and the idle part;
- contracts: one row per take_or_pay site (share, idle MW, idle cost, value of a point);
- costs: per period and cost kind, nominal and discounted USD (plus the shortfall penalty);
- duals: the shadow price of every row, by constraint family and MODEL.md index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.model import PFLOPS, UNITS, USD, capacity_family, contracts
from chipalloc.solve.backend.compiler import Compiler, evaluate
from chipalloc.solve.backend.solver import Outcome, Solver
from chipalloc.solve.results.discrete import discrete_tables
from chipalloc.solve.results.duals import clean, dual_table

COST_EPS_USD = 1e-6
"""Costs below a millionth of a dollar are solver noise (the checker's tolerance is 1e-4)."""
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
    contracts: pd.DataFrame | None = None
    """contracts.csv, when some site is take_or_pay."""
    discrete: dict[str, pd.DataFrame] = field(default_factory=dict)
    """racks, builds, clusters, fabrics (MODEL.md 7.5) where the scenario uses them."""


class Values:
    """Values at the solution, read as arrays (one pass per table, no per-cell Pyomo calls).

    With a solved ``Solver`` the numbers come from HiGHS's solution through its column map;
    otherwise from the values loaded into the model's variables.
    """

    def __init__(self, m: pyo.ConcreteModel, solver: Solver | None = None) -> None:
        if solver is not None and solver.has_solution:
            self.of = solver.values
            return
        variables = list(m.component_data_objects(pyo.Var, descend_into=True))
        compiler = Compiler({id(v): i for i, v in enumerate(variables)})
        x = np.array([v.value or 0.0 for v in variables])
        self.of = lambda items: evaluate(compiler, x, items)


def extract(sc: Scenario, solver: Solver, outcome: Outcome) -> Results:
    """Read the solution of ``solver`` back into MODEL.md units."""
    m = solver.model
    maximise = m.objective.sense == pyo.maximize
    values = Values(m, solver)
    duals = dual_table(sc, solver)
    plan = plan_table(sc, m, values)
    sites = sites_table(sc, m, duals, maximise, values)
    costs = cost_table(sc, m, values)
    labels = sc.period_labels
    unmet = {}
    if not maximise:
        short = clean(values.of([m.unmet[p] for p in labels])) * PFLOPS
        unmet = dict(zip(labels, short.tolist(), strict=True))
    total_cost = float(costs.loc[costs["kind"] != "shortfall_penalty", "discounted_usd"].sum())
    compute = values.of([m.compute[p] for p in labels])
    contracts = contracts_table(sc, sites, duals, maximise) if len(m.TAKE_OR_PAY) else None
    top = sites[sites["contract"] == "take_or_pay"]
    summary = {
        "status": outcome.status,
        "objective": outcome.objective,
        "sense": "max" if maximise else "min",
        "objective_unit": "PFLOPS-years" if maximise else "USD",
        "total_cost_usd": total_cost,
        "unmet_pflops": unmet,
        "compute_pflops_years": float(sum(sc.years * compute * PFLOPS)),
        "scenario": sc.name,
        "shares": top.groupby("site", sort=False)["contracted_share"].first().to_dict(),
        "idle_contracted_mw_periods": float(top["idle_mw"].sum()),
        "idle_contract_cost_usd": float(top["idle_cost_usd"].sum()),
        "idle_contract_cost_discounted_usd": float(top["idle_cost_discounted_usd"].sum()),
        **mip_summary(outcome),
    }
    discrete = discrete_tables(sc, m, values)
    return Results(plan, sites, costs, duals, summary, contracts, discrete)


FIXED_LP = "duals of the LP with every integer and binary variable fixed at its value"
"""How the shadow prices, reduced costs and ranging of a MIP are defined (MODEL.md 7.5)."""


def mip_summary(outcome: Outcome) -> dict:
    """summary.json's ``problem`` and, for a MIP, the gap proved, the bound, the gap asked for,
    whether the plan is proved optimal, and what its duals are."""
    if outcome.problem != "mip":
        return {"problem": "lp"}
    return {
        "problem": "mip",
        "mip_gap": outcome.mip_gap,
        "mip_bound": outcome.mip_bound,
        "mip_gap_requested": outcome.mip_gap_requested,
        "proved_optimal": outcome.status == "optimal",
        "duals": FIXED_LP,
    }


def plan_table(sc: Scenario, m: pyo.ConcreteModel, values: Values | None = None) -> pd.DataFrame:
    """plan.csv: buy and fleet per (period, site, chip), with it_mw and compute_pflops."""
    values = values or Values(m)
    labels, pairs = sc.period_labels, list(m.KS)
    fleet = clean(values.of([m.fleet[k, s, p] for p in labels for k, s in pairs]))
    buy = np.zeros(len(fleet))
    bought = list(m.BUY)
    if bought:
        pair_at = {ks: j for j, ks in enumerate(pairs)}
        period_at = sc.period_pos
        at = np.fromiter(
            (period_at[p] * len(pairs) + pair_at[k, s] for k, s, p in bought),
            dtype=np.int64,
            count=len(bought),
        )
        buy[at] = clean(values.of([m.buy[b] for b in bought]))
    keep = np.flatnonzero((buy != 0) | (fleet != 0))
    period = keep // max(1, len(pairs))
    pair = keep % max(1, len(pairs))
    # each pair's chip and site facts looked up once, then taken for the rows kept
    chips = sc.chips.set_index("chip").reindex([k for k, _ in pairs])
    operator = sc.sites.set_index("site")["operator"].reindex([s for _, s in pairs])
    units = fleet[keep] * UNITS
    return pd.DataFrame(
        {
            "period": np.array(labels, dtype=object)[period],
            "site": np.array([s for _, s in pairs], dtype=object)[pair],
            "operator": operator.to_numpy(dtype=object)[pair],
            "chip": np.array([k for k, _ in pairs], dtype=object)[pair],
            "vendor": chips["vendor"].to_numpy(dtype=object)[pair],
            "buy_units": buy[keep] * UNITS,
            "fleet_units": units,
            "it_mw": chips["power_kw"].to_numpy(dtype=float)[pair] * units / 1000,
            "compute_pflops": chips["perf_pflops"].to_numpy(dtype=float)[pair] * units,
        },
        columns=PLAN_COLUMNS,
    )


def sites_table(
    sc: Scenario,
    m: pyo.ConcreteModel,
    duals: pd.DataFrame,
    maximise: bool,
    values: Values | None = None,
) -> pd.DataFrame:
    """sites.csv: power available, built, used, and the value of one more MW, per site and period.

    ``power_shadow_price`` is how much the objective improves per extra facility MW in that
    period: USD of discounted cost saved (min_cost) or PFLOPS-years gained (max_compute).
    ``power_shadow_price_nominal`` undoes the discounting (USD in that period's money).

    Take-or-pay sites (MODEL.md section 9; empty cells at as_used sites):
    contracted_share = share[s]; contracted_mw = share[s] * power_mw[s,p], the site's
    capacity_mw (with built_mw = 0); idle_mw = contracted_mw - used_mw, the contracted MW no
    load uses; idle_cost_usd = lease[s] * 12 * y_p * 1000 * idle_mw / pue[s], the nominal
    lease paid on them (idle_cost_discounted_usd: times d_p).
    """
    values = values or Values(m)
    labels, names = sc.period_labels, list(m.S)
    sites = sc.sites.set_index("site").reindex(names)
    grid = [(s, p) for s in names for p in labels]
    power = duals[duals["family"] == capacity_family().name]
    keys = zip(power["site"], power["period"], strict=True)
    known = dict(zip(keys, power["shadow_price"], strict=True))
    price = np.fromiter((known.get(key, np.nan) for key in grid), dtype=float, count=len(grid))
    price[np.isnan(price)] = 0.0  # no power row (or no price): 0
    price = clean(price if maximise else -price) + 0.0
    built = clean(values.of([m.built_mw[s, p] for s, p in grid]))
    started = np.zeros(len(grid))
    builds = list(m.BUILD)
    if builds:
        slot = {key: i for i, key in enumerate(grid)}
        at = np.fromiter((slot[b] for b in builds), dtype=np.int64, count=len(builds))
        started[at] = clean(values.of([m.build[b] for b in builds]))
    available = np.array([m.power_mw[s, p].value for s, p in grid], dtype=float)
    it = values.of([m.it_mw[s, p] for s, p in grid])
    site = np.array([s for s, _ in grid], dtype=object)
    discount = np.tile(sc.discount, len(names))

    def per_row(column: str, dtype) -> np.ndarray:  # a site's value in each of its periods
        return np.repeat(sites[column].to_numpy(dtype=dtype), len(labels))

    pue = per_row("pue", float)
    used = clean(pue * it)
    contract = per_row("contract", object)
    top = contract == "take_or_pay"
    share = np.full(len(grid), np.nan)
    contracted = np.full(len(grid), np.nan)
    if top.any():
        chosen = dict(
            zip(m.TAKE_OR_PAY, values.of([m.share[s] for s in m.TAKE_OR_PAY]), strict=True)
        )
        share[top] = clean(np.array([chosen[s] for s in site[top]]))
        contracted[top] = share[top] * available[top]
    idle = np.where(top, np.maximum(contracted - used, 0.0), np.nan)
    years = np.tile(np.asarray(sc.years, dtype=float), len(names))
    lease = per_row("lease_usd_per_kw_month", float)
    idle_cost = lease * 12 * years * 1000 * idle / pue
    return pd.DataFrame(
        {
            "period": np.array([p for _, p in grid], dtype=object),
            "site": site,
            "operator": per_row("operator", object),
            "power_mw": available,
            "built_mw": built,
            "capacity_mw": np.where(top, contracted, available) + built,
            "used_mw": used,
            "it_mw": clean(it),
            "build_started_mw": started,
            "power_shadow_price": price,
            "power_shadow_price_nominal": price if maximise else price / discount,
            "shadow_price_unit": "PFLOPS-years per MW" if maximise else "USD per MW",
            "contract": contract,
            "contracted_share": share,
            "contracted_mw": contracted,
            "idle_mw": idle,
            "idle_cost_usd": idle_cost,
            "idle_cost_discounted_usd": idle_cost * discount,
        }
    )


CONTRACT_FAMILIES = tuple(spec.name for spec in contracts.SPECS)
"""The share-bound families (right-hand side min_share or max_share in sites.csv)."""


def contracts_table(
    sc: Scenario, sites: pd.DataFrame, duals: pd.DataFrame, maximise: bool
) -> pd.DataFrame:
    """contracts.csv: one row per take_or_pay site, from the sites table and the duals.

    share, contracted_mw_peak (max over p of contracted_mw), idle_mw_periods (sum over p of
    idle_mw), idle_cost_usd and idle_cost_discounted_usd (sums over p), lease_usd (nominal
    lease paid on the contracted capacity: lease * 12 * y_p * 1000 * contracted_mw / pue),
    and objective_change_per_point: the change of the objective when the share is pushed one
    percentage point up against its binding bound, (dual of contract_min_share + dual of
    contract_max_share) / 100, in ``unit`` (0 when neither bound binds).
    """
    top = sites[sites["contract"] == "take_or_pay"]
    frame = sc.sites.set_index("site")
    years = dict(zip(sc.period_labels, sc.years, strict=True))
    bound_duals = duals[duals["family"].isin(CONTRACT_FAMILIES)]
    point = bound_duals.groupby("site")["shadow_price"].sum() / 100
    kw = frame["lease_usd_per_kw_month"] / frame["pue"]
    lease = (
        top["contracted_mw"].to_numpy()
        * np.fromiter((years[p] for p in top["period"]), dtype=float, count=len(top))
        * 12
        * 1000
        * kw.reindex(top["site"]).to_numpy(dtype=float)
    )
    sums = ["idle_mw", "idle_cost_usd", "idle_cost_discounted_usd"]
    per_site = top[["site", "contracted_share", "contracted_mw", *sums]].assign(lease_usd=lease)
    grouped = per_site.groupby("site", sort=False)
    total = grouped[[*sums, "lease_usd"]].sum()
    names = list(total.index)
    return pd.DataFrame(
        {
            "site": names,
            "operator": frame["operator"].reindex(names).to_numpy(dtype=object),
            "contract": "take_or_pay",
            "min_share": frame["min_share"].reindex(names).to_numpy(dtype=float),
            "max_share": frame["max_share"].reindex(names).to_numpy(dtype=float),
            "share": grouped["contracted_share"].first().to_numpy(dtype=float),
            "contracted_mw_peak": grouped["contracted_mw"].max().to_numpy(),
            "idle_mw_periods": total["idle_mw"].to_numpy(),
            "idle_cost_usd": total["idle_cost_usd"].to_numpy(),
            "idle_cost_discounted_usd": total["idle_cost_discounted_usd"].to_numpy(),
            "lease_usd": total["lease_usd"].to_numpy(dtype=float),
            "objective_change_per_point": clean(
                point.reindex(names).fillna(0.0).to_numpy(dtype=float)
            )
            + 0.0,
            "unit": ("PFLOPS-years" if maximise else "USD") + " per percentage point of share",
        }
    )


def cost_table(sc: Scenario, m: pyo.ConcreteModel, values: Values | None = None) -> pd.DataFrame:
    """costs.csv: nominal and discounted USD per period and kind, shortfall penalty last."""
    values = values or Values(m)
    labels, kinds = sc.period_labels, list(m.COST_KINDS)
    discount = np.array([m.discount[p].value for p in labels], dtype=float)
    nominal = values.of([m.cost[kind, p] for p in labels for kind in kinds]) * USD
    nominal = clean(nominal, COST_EPS_USD)
    table = nominal.reshape(len(labels), len(kinds))
    names = list(kinds)
    if hasattr(m, "unmet"):
        years = np.asarray(sc.years, dtype=float)
        short = values.of([m.unmet[p] for p in labels])
        penalty = clean(pyo.value(m.unmet_penalty) * years * short * USD, COST_EPS_USD)
        table = np.column_stack([table, penalty])
        names.append("shortfall_penalty")
    return pd.DataFrame(
        {
            "period": np.repeat(np.array(labels, dtype=object), len(names)),
            "kind": np.tile(np.array(names, dtype=object), len(labels)),
            "nominal_usd": table.ravel(),
            "discounted_usd": (table * discount[:, None]).ravel(),
        },
        columns=["period", "kind", "nominal_usd", "discounted_usd"],
    )
