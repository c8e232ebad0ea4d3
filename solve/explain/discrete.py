"""The discrete decisions (MODEL.md section 7) in the planner's words.

``explain_mip_infeasible``: a MIP with no plan. A cluster every campus is too small for is
named first, with the most PFLOPS the largest campus can reach (``model.discrete.
campus_reach``: its power, with every build it may make, filled with the cluster's most
efficient chip, and the chip supply). Otherwise the LP relaxation is solved: if it is
infeasible too, the IIS of the relaxation explains it (the caller's usual path); if it is
feasible, the discrete rules are to blame, and each group (one cluster's campus choice, one
chip's racks, one site's project, the fabric choice) is relaxed alone and the MIP solved
again: a group whose relaxation makes the MIP feasible is named, with its numbers.

``discrete_notes``: after a MIP plan, why each cluster is not on each other campus (the
campus cannot reach its PFLOPS, runs another cluster, hosts none of its chips, has binding
power, or costs more: the reduced cost of host[c,g] in the LP with the integers fixed), and
why a project site builds nothing (its fixed cost against the most its MW would save at the
fixed LP's power shadow prices).
"""

from __future__ import annotations

import highspy
import numpy as np
import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.data.discrete import cluster_window, project_sites
from chipalloc.model import USD, build_share
from chipalloc.model.discrete import campus_reach, cluster_chips
from chipalloc.model.words import number, usd
from chipalloc.solve.backend.solver import Solver
from chipalloc.solve.results.extract import Results

GROUP_TIME_LIMIT = 10.0
"""Seconds each MIP re-solve with one group relaxed may take."""


def too_small(sc: Scenario, m: pyo.ConcreteModel) -> list[str]:
    """Clusters no campus can reach: every host[c,g] bounded to 0 (``out_of_reach``)."""
    lines = []
    reach = campus_reach(sc)
    for r in sc.tables["clusters"].to_dict("records"):
        c = r["cluster"]
        campuses = m.cluster_sites[c]
        if campuses and all((c, g) in m.host_out_of_reach for g in campuses):
            g, (p, best) = max(((g, reach[c, g]) for g in campuses), key=lambda x: x[1][1])
            lines.append(
                f"cluster {c} needs {number(r['pflops'])} PFLOPS on one campus in every period "
                f"of its window; the largest campus, {g}, reaches at most {number(best)} "
                f"PFLOPS (in {p}, with all its power and the chip supply)"
            )
    return lines


def groups(m: pyo.ConcreteModel) -> dict[tuple[str, str], list]:
    """The discrete decisions by group: (kind, name) -> its integer variables."""
    out: dict[tuple[str, str], list] = {}
    for c, g in m.HOST:
        out.setdefault(("cluster", c), []).append(m.host[c, g])
    for k, s, p in m.RACK:
        out.setdefault(("racks", k), []).append(m.racks[k, s, p])
    for s, p in m.START:
        out.setdefault(("project", s), []).append(m.start[s, p])
    if len(m.USE):
        out["fabrics", ""] = list(m.use.values())
    return out


def group_words(sc: Scenario, m: pyo.ConcreteModel, kind: str, name: str) -> str:
    """Why group (kind, name) cannot be met as whole numbers."""
    if kind == "cluster":
        row = sc.tables["clusters"].set_index("cluster").loc[name]
        return (
            f"cluster {name} needs {number(row['pflops'])} PFLOPS on ONE campus in every period "
            "of its window: spread over campuses the plan exists, on any single campus (with "
            "one cluster per campus at a time) it does not"
        )
    if kind == "racks":
        size = m.rack_size[name]
        supply = sc.chip_supply[sc.chip_supply["chip"] == name]
        short = list(supply.loc[supply["max_units"] < size, "period"])
        hint = f"; the supply is below one rack in {', '.join(short[:4])}" if short else ""
        return (
            f"chip {name} is bought in whole racks of {size} units: no plan meets the rules "
            f"with whole racks{hint}"
        )
    if kind == "project":
        fixed, least = m.projects[name]
        return (
            f"site {name} builds as one project of at least {number(least)} MW (or none, "
            f"fixed cost {usd(fixed)}): no plan meets the rules with such a project"
        )
    return "every site runs one fabric: no choice of one fabric per site serves the chips needed"


def explain_mip_infeasible(solver: Solver, sc: Scenario) -> list[str] | None:
    """Lines explaining an infeasible MIP in discrete terms, or None when the LP relaxation
    is infeasible too (HiGHS is then left holding the relaxation, for the IIS)."""
    m = solver.model
    lines = too_small(sc, m)
    if lines:
        return lines
    hm = solver.highs_model
    hm.relax_integers()
    if hm.run({"time_limit": highspy.kHighsInf}).status not in ("optimal", "unbounded"):
        return None
    hm.restore_integers()
    for (kind, name), variables in groups(m).items():
        cols = np.array([hm.col_of(v) for v in variables], dtype=np.int32)
        hm.set_integrality(cols, False)
        run = hm.run({"time_limit": GROUP_TIME_LIMIT})
        hm.set_integrality(cols, True)
        if run.incumbent:
            lines.append(group_words(sc, m, kind, name))
    if not lines:
        kinds = sorted({kind for kind, _ in groups(m)})
        lines.append(
            "the LP relaxation has a plan, but the discrete rules together ("
            + ", ".join(kinds)
            + ") cannot all be met; no one of them alone is to blame"
        )
    return lines


def discrete_notes(sc: Scenario, solver: Solver, res: Results) -> list[str]:
    """Why each cluster is where it is and why a project site builds nothing (MIP plan)."""
    return cluster_notes(sc, solver, res) + build_notes(sc, res)


def cluster_notes(sc: Scenario, solver: Solver, res: Results) -> list[str]:
    m = solver.model
    keys = list(m.HOST)
    if not keys:
        return []
    on = {h: x > 0.5 for h, x in zip(keys, solver.values([m.host[h] for h in keys]), strict=True)}
    reduced = solver.col_duals()
    scale = USD if m.objective.sense == pyo.minimize else 1.0
    rows = {r["cluster"]: r for r in sc.tables["clusters"].to_dict("records")}
    reach = campus_reach(sc)
    price = res.sites.set_index(["site", "period"])["power_shadow_price"]
    lines = []
    for c, campuses in m.cluster_sites.items():
        chosen = next((g for g in campuses if on.get((c, g))), None)
        if chosen is None or len(campuses) < 2:
            continue
        window = cluster_window(sc, rows[c])
        ks = cluster_chips(sc, rows[c])
        why = []
        for g, sites in campuses.items():
            if g == chosen:
                continue
            others = [
                o
                for o in m.cluster_sites
                if o != c and on.get((o, g)) and set(cluster_window(sc, rows[o])) & set(window)
            ]
            if (c, g) in m.host_out_of_reach:
                p, most = reach[c, g]
                why.append(f"{g} reaches at most {number(most)} PFLOPS in {p}")
            elif others:
                why.append(f"{g} runs {', '.join(others)} (one cluster per campus at a time)")
            elif not any(sc.compatible(k, s) for k in ks for s in sites):
                why.append(f"{g} hosts none of the chips that count toward it")
            else:
                binding = [(s, p) for s in sites for p in window if price.get((s, p), 0.0) > 1e-9]
                if binding:
                    s, p = binding[0]
                    why.append(f"power binds at {g} ({s} in {p} among {len(binding)})")
                else:
                    cost = reduced[solver.col_of(m.host[c, g])] * scale
                    if abs(cost) > 1e-6:
                        why.append(f"{g} would cost more (reduced cost {number(cost, 0)})")
                    else:
                        why.append(f"{g} is no better at the fixed LP's prices (a tie)")
        lines.append(f"cluster {c} runs on {chosen}; not elsewhere because: " + "; ".join(why))
    return lines


def build_notes(sc: Scenario, res: Results) -> list[str]:
    """A project site that builds nothing: fixed cost against the value of its MW."""
    if res.summary["sense"] != "min":
        return []
    sites = sc.sites.set_index("site")
    built = res.sites.groupby("site")["build_started_mw"].sum()
    price = res.sites.pivot(index="site", columns="period", values="power_shadow_price")
    labels, n = sc.period_labels, sc.n_periods
    lines = []
    for s, (fixed, least) in project_sites(sc).items():
        if built.get(s, 0.0) > 1e-9:
            continue
        lead = int(sites.at[s, "build_lead_periods"])
        life = int(sites.at[s, "build_lifetime_periods"])
        mw = float(sites.at[s, "max_build_mw"])
        best = None
        for i in range(n - lead):
            d = float(sc.discount[i])
            b = build_share(life, lead, n, i)
            per_mw = (
                float(price.loc[s, labels[i + lead :]].sum())
                - sites.at[s, "build_cost_usd_per_mw"] * b * d
            )
            value = max(0.0, per_mw) * mw
            if best is None or value - fixed * b * d > best[0] - best[1]:
                best = (value, fixed * b * d, labels[i])
        if best is None:
            continue
        value, cost, p = best
        lines.append(
            f"no project at {s}: starting in {p} its fixed cost is {usd(cost)} (discounted), "
            f"more than the at most {usd(value)} its {number(mw)} MW would save at the shadow "
            f"prices of power (min_build_mw {number(least)})"
        )
    return lines
