"""Cost of each period by kind (MODEL.md section 4), nominal USD million.

- capex[p]  = sum unit_cost[k,p] * buy[k,s,p] * a_k,p,  a_k,p = min(L_k, N - p) / L_k;
- build[p]  = sum build_cost[s] * build[s,p] * b_s,p,  b_s,p = max(0, min(B_s, N-p-G_s)) / B_s;
- energy[p] = sum power_kw[k] * fleet[k,s,p] * pue[s] * load_factor * 8.76 * y_p * price[s,p];
- lease[p]  = sum power_kw[k] * fleet[k,s,p] * 12 * y_p * lease[s] at as_used sites, and
  lease[s] * 12 * y_p * 1000 * share[s] * power_mw[s,p] / pue[s] at take_or_pay sites
  (MODEL.md section 9: the contracted capacity, used or not; ``contracts.paid_kw``);
- total_cost = sum over p of d_p * (capex + build + energy + lease)[p].

With section 7, capex[p] gains the network capex ``fabric_capex[p]`` and build[p] the fixed
project costs ``fixed_build_cost[p]`` (``discrete.py``; both 0 for a v1 scenario).

Written per site and chip rather than per unit: capex[p] = sum over k of unit_cost[k,p] *
a_k,p * bought[k,p], and energy and lease use sum over k of power_kw[k] * fleet[k,s,p] =
1000 * it_mw[s,p] (kW), so each price appears once per site or chip, not once per unit.
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .contracts import paid_kw
from .units import HOURS_PER_YEAR_K

COST_KINDS = ("capex", "build", "energy", "lease")


def capex_share(lifetime: int, n: int, i: int) -> float:
    """a_k,p: the share of a unit's life bought in period i that falls inside the horizon."""
    return min(lifetime, n - i) / lifetime


def build_share(lifetime: int, lead: int, n: int, i: int) -> float:
    """b_s,p: the share of built capacity's life that falls inside the horizon."""
    return max(0, min(lifetime, n - i - lead)) / lifetime


def define_costs(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add cost[kind, p] (nominal) and total_cost (discounted), USD million."""
    n = sc.n_periods
    pos = sc.period_pos
    years = dict(zip(sc.period_labels, sc.years, strict=True))
    chips = sc.chips.set_index("chip")
    sites = sc.sites.set_index("site")
    life = chips["lifetime_periods"].astype(int).to_dict()
    pue = sites["pue"].to_dict()
    lead = sites["build_lead_periods"].astype(int).to_dict()
    build_life = sites["build_lifetime_periods"].astype(int).to_dict()
    # dict, not set: chips in BUY's order within a period, the same in every process (a set
    # of strings iterates in a per-process hash order, and the sum's last digit with it)
    bought = sorted(dict.fromkeys((k, p) for k, _, p in m.BUY), key=lambda kp: pos[kp[1]])
    chips_in = {p: [] for p in m.P}
    for k, p in bought:
        chips_in[p].append(k)
    builds_in = {p: [] for p in m.P}
    for s, p in m.BUILD:
        builds_in[p].append(s)

    def cost(m, kind, p):
        y = years[p]
        if kind == "capex":
            return (
                pyo.quicksum(
                    m.unit_cost[k, p] * capex_share(life[k], n, pos[p]) * m.bought[k, p]
                    for k in chips_in[p]
                )
                + m.fabric_capex[p]
            )
        if kind == "build":
            return (
                pyo.quicksum(
                    m.build_cost[s] * build_share(build_life[s], lead[s], n, pos[p]) * m.build[s, p]
                    for s in builds_in[p]
                )
                + m.fixed_build_cost[p]
            )
        if kind == "energy":
            return pyo.quicksum(
                1000
                * pue[s]
                * HOURS_PER_YEAR_K
                * y
                * m.load_factor
                * m.energy_price[s, p]
                * m.it_mw[s, p]
                for s in m.S
            )
        return pyo.quicksum(12 * y * m.lease[s] * paid_kw(m, pue[s], s, p) for s in m.S)

    m.COST_KINDS = pyo.Set(initialize=COST_KINDS, ordered=True)
    m.cost = pyo.Expression(m.COST_KINDS, m.P, rule=cost, doc="nominal cost, USD million")
    m.total_cost = pyo.Expression(
        expr=pyo.quicksum(m.discount[p] * m.cost[kind, p] for kind in m.COST_KINDS for p in m.P),
        doc="discounted total cost, USD million",
    )
