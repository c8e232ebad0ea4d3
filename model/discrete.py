"""Variables and cost terms of the discrete decisions (MODEL.md section 7).

Sets and variables, created only where the scenario uses the feature (a v1 scenario gets
empty sets and no columns, so its LP is that of section 4):

- RACK: (k, s, p) in BUY with R_k given; racks[k,s,p] integer >= 0 (7.1);
- START: (s, p) in BUILD for project sites; start[s,p] binary (7.2);
- HOST: (c, g) for every campus g with a site in E_c,g; host[c,g] binary (7.3);
- USE: (s, f) for sites with a buy and every fabric; use[s,f] binary (7.4);
- BUYF: (k, s, p, f) in BUY x fabrics with f serving k; buyf[k,s,p,f] >= 0 (thousands).

Cost terms (nominal USD million; ``costs.py`` adds them to the build and capex kinds):

- fixed_build_cost[p] = sum over s of build_fixed_cost_usd[s] * start[s,p] * b_s,p;
- fabric_capex[p] = sum usd_per_accelerator[f] * buyf[k,s,p,f] * a_k,p;
- discrete_spend[p] = the same without the horizon shares b_s,p and a_k,p, which
  ``period_budget`` counts like purchases and builds (rule 5).

Strengthening (valid: the optimum is unchanged): host[c,g] has upper bound 0 where the
campus can never reach pflops[c] in some period of W_c. ``campus_reach`` bounds the
campus's compute from above by min(power bound, supply bound), see there.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.data.discrete import (
    campus_of,
    cluster_window,
    fabric_chips,
    names,
    project_sites,
    rack_sizes,
)

from .costs import build_share, capex_share
from .spec import VariableSpec
from .units import UNITS, USD

REACH_TOL = 1e-9
"""Relative margin below pflops at which a campus counts as unable to host a cluster."""


def cluster_sites(sc: Scenario) -> dict[str, dict[str, list[str]]]:
    """cluster -> campus -> E_c,g (the campus's sites whose operator c allows), non-empty."""
    campus = campus_of(sc)
    operator = sc.sites.set_index("site")["operator"].to_dict()
    out: dict[str, dict[str, list[str]]] = {}
    for r in sc.tables["clusters"].to_dict("records"):
        allowed = set(names(r["operators"]))
        by_campus: dict[str, list[str]] = {}
        for s in sc.sites["site"]:
            if not allowed or operator[s] in allowed:
                by_campus.setdefault(campus[s], []).append(s)
        out[r["cluster"]] = by_campus
    return out


def cluster_chips(sc: Scenario, row: dict) -> list[str]:
    """chips_c: the chips that count toward cluster ``row`` (every chip when empty)."""
    return names(row["chips"]) or list(sc.chips["chip"])


def campus_reach(sc: Scenario) -> dict[tuple[str, str], tuple[str, float]]:
    """(c, g) -> (the period of W_c where g reaches least, the most PFLOPS g can reach there).

    For s in E_c,g and p: the facility MW of s is at most power_mw[s,p] + max_build_mw[s]
    (when a build can be usable by p), so chips_c at s give at most
    cap * 1000 / pue[s] * max over k of perf_pflops[k] / power_kw[k] PFLOPS; and chips_c
    in service anywhere are at most sum over k of perf_pflops[k] * (max_units over the
    last L_k periods + initial units). The campus reaches at most the smaller of the sum over
    its sites and that supply bound.
    """
    if sc.tables["clusters"].empty:
        return {}
    chips = sc.chips.set_index("chip")
    sites = sc.sites.set_index("site")
    labels, pos, n = sc.period_labels, sc.period_pos, sc.n_periods
    power = sc.site_power.set_index(["site", "period"])["power_mw"].to_dict()
    supply = sc.chip_supply.set_index(["chip", "period"])["max_units"].to_dict()
    initial: dict[tuple[str, str, int], float] = defaultdict(float)
    for r in sc.initial_fleet.to_dict("records"):
        for i in range(min(n, int(r["remaining_periods"]))):
            initial[r["chip"], r["site"], i] += r["units"]
    life = chips["lifetime_periods"].astype(int).to_dict()
    out = {}
    hosts = cluster_sites(sc)
    for r in sc.tables["clusters"].to_dict("records"):
        ks = cluster_chips(sc, r)
        for g, members in hosts[r["cluster"]].items():
            worst = None
            for p in cluster_window(sc, r):
                i = pos[p]
                by_power = 0.0
                for s in members:
                    fit = [k for k in ks if sc.compatible(k, s)]
                    if not fit:
                        continue
                    lead = int(sites.at[s, "build_lead_periods"])
                    cap = power.get((s, p), 0.0)
                    if sites.at[s, "max_build_mw"] > 0 and lead <= i:
                        cap += sites.at[s, "max_build_mw"]
                    ratio = max(chips.at[k, "perf_pflops"] / chips.at[k, "power_kw"] for k in fit)
                    by_power += cap * 1000 / sites.at[s, "pue"] * ratio
                by_supply = sum(
                    chips.at[k, "perf_pflops"]
                    * (
                        sum(
                            supply.get((k, labels[q]), 0.0)
                            for q in range(max(0, i - life[k] + 1), i + 1)
                        )
                        + sum(initial.get((k, s, i), 0.0) for s in members)
                    )
                    for k in ks
                )
                reach = min(by_power, by_supply)
                if worst is None or reach < worst[1]:
                    worst = (p, reach)
            out[r["cluster"], g] = worst
    return out


def out_of_reach(sc: Scenario) -> dict[tuple[str, str], tuple[str, float]]:
    """The (c, g) of ``campus_reach`` that cannot reach pflops[c] in some period of W_c."""
    need = dict(zip(sc.tables["clusters"]["cluster"], sc.tables["clusters"]["pflops"], strict=True))
    return {
        cg: found
        for cg, found in campus_reach(sc).items()
        if found[1] < need[cg[0]] * (1 - REACH_TOL)
    }


def dominated_fabrics(sc: Scenario) -> dict[str, str]:
    """fabric f -> a fabric g that dominates it: g serves every chip f serves at a price per
    accelerator no higher, and is strictly better in one of the two or, on a tie, listed
    first. A site on f can switch its whole purchase to g (same ``fabric_capacity`` bound,
    one fabric still) at no higher cost or capex, so bounding use[s,f] to 0 removes no
    optimum: a valid strengthening (docs/discrete.md)."""
    chips = fabric_chips(sc)
    rows = sc.tables["fabrics"].to_dict("records")
    price = {r["fabric"]: float(r["usd_per_accelerator"]) for r in rows}
    order = {r["fabric"]: i for i, r in enumerate(rows)}
    out = {}
    for f in chips:
        for g in chips:
            if g == f or not chips[f] <= chips[g] or price[g] > price[f]:
                continue
            if chips[f] < chips[g] or price[g] < price[f] or order[g] < order[f]:
                out[f] = g
                break
    return out


def define_discrete(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add the section 7 sets, variables and cost terms (empty for a v1 scenario)."""
    racks = rack_sizes(sc)
    m.rack_size = racks
    m.RACK = pyo.Set(dimen=3, ordered=True, initialize=[b for b in m.BUY if b[0] in racks])
    m.racks = pyo.Var(m.RACK, within=pyo.NonNegativeIntegers, doc="whole racks bought")

    projects = project_sites(sc)
    m.projects = projects
    m.START = pyo.Set(dimen=2, ordered=True, initialize=[b for b in m.BUILD if b[0] in projects])
    m.start = pyo.Var(m.START, within=pyo.Binary, doc="the site's one project starts in p")

    hosts = cluster_sites(sc)
    m.cluster_sites = hosts
    m.CLUSTERS = pyo.Set(initialize=list(sc.tables["clusters"]["cluster"]), ordered=True)
    m.HOST = pyo.Set(dimen=2, ordered=True, initialize=[(c, g) for c in hosts for g in hosts[c]])
    m.host = pyo.Var(m.HOST, within=pyo.Binary, doc="cluster c runs on campus g")
    m.host_out_of_reach = out_of_reach(sc)
    for c, g in m.host_out_of_reach:
        m.host[c, g].setub(0)

    fabrics = fabric_chips(sc)
    m.FABRICS = pyo.Set(initialize=list(fabrics), ordered=True)
    buying = list(dict.fromkeys(s for _, s, _ in m.BUY)) if fabrics else []
    m.USE = pyo.Set(dimen=2, ordered=True, initialize=[(s, f) for s in buying for f in fabrics])
    m.use = pyo.Var(m.USE, within=pyo.Binary, doc="site s runs fabric f")
    m.fabric_dominated = dominated_fabrics(sc)
    for s, f in m.USE:
        if f in m.fabric_dominated:
            m.use[s, f].setub(0)
    m.BUYF = pyo.Set(
        dimen=4,
        ordered=True,
        initialize=[(k, s, p, f) for k, s, p in m.BUY for f in fabrics if k in fabrics[f]]
        if fabrics
        else [],
    )
    m.buyf = pyo.Var(m.BUYF, within=pyo.NonNegativeReals, doc="buy on fabric f, thousands")

    n, pos = sc.n_periods, sc.period_pos
    starts, fabric_buys = defaultdict(list), defaultdict(list)
    if len(m.START):
        sites = sc.sites.set_index("site")
        for s, p in m.START:
            share = build_share(
                int(sites.at[s, "build_lifetime_periods"]),
                int(sites.at[s, "build_lead_periods"]),
                n,
                pos[p],
            )
            starts[p].append((projects[s][0] / USD, share, m.start[s, p]))
    if len(m.BUYF):
        life = sc.chips.set_index("chip")["lifetime_periods"].astype(int).to_dict()
        price = {
            r["fabric"]: r["usd_per_accelerator"] * UNITS / USD
            for r in sc.tables["fabrics"].to_dict("records")
        }
        for k, s, p, f in m.BUYF:
            fabric_buys[p].append((price[f], capex_share(life[k], n, pos[p]), m.buyf[k, s, p, f]))
    m.fixed_build_cost = pyo.Expression(
        m.P, rule=lambda m, p: pyo.quicksum(c * b * x for c, b, x in starts[p])
    )
    m.fabric_capex = pyo.Expression(
        m.P, rule=lambda m, p: pyo.quicksum(c * a * x for c, a, x in fabric_buys[p])
    )
    m.discrete_spend = pyo.Expression(
        m.P,
        rule=lambda m, p: (
            pyo.quicksum(c * x for c, _, x in starts[p])
            + pyo.quicksum(c * x for c, _, x in fabric_buys[p])
        ),
    )


SPECS = (
    VariableSpec("racks", ("chip", "site", "period"), "rack", 1.0),
    VariableSpec("start", ("site", "period"), "project", 1.0),
    VariableSpec("host", ("cluster", "campus"), "cluster", 1.0),
    VariableSpec("use", ("site", "fabric"), "fabric", 1.0),
    VariableSpec("buyf", ("chip", "site", "period", "fabric"), "unit", UNITS),
)
"""The section 7 variables in MODEL.md units."""
