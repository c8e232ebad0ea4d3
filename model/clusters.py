"""Training clusters on one campus (MODEL.md 7.3):

- cluster_assign[c]: sum over g of host[c,g] = 1;
- cluster_compute[c,g,p], p in W_c: pflops[c] * host[c,g] - sum over s in E_c,g and
  compatible k in chips_c of perf_pflops[k] * fleet[k,s,p] <= 0 (thousands of PFLOPS);
- campus_one_cluster[g,p]: sum over clusters c with p in W_c of host[c,g] <= 1, written only
  where two or more clusters could run on g in p (with one the row always holds).

A cluster without any campus (no site of an allowed operator) has no host variable: its
cluster_assign row is 0 >= 1, recorded as a row without variables (``rows.relation``), so the
solve reports it infeasible by name. host[c,g] is bounded to 0 where g cannot reach pflops[c]
(``discrete.out_of_reach``).
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.data.discrete import cluster_window

from .discrete import cluster_chips
from .fleet import weighted_sum
from .rows import relation
from .spec import FamilySpec
from .units import PFLOPS, UNITS
from .words import number


def define_clusters(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add cluster_assign, cluster_compute and campus_one_cluster for clusters.csv."""
    rows = {r["cluster"]: r for r in sc.tables["clusters"].to_dict("records")}
    hosts = m.cluster_sites
    hosting = len(m.HOST) > 0  # no cluster_compute row otherwise: skip its lookups
    perf = (sc.chips.set_index("chip")["perf_pflops"] * UNITS / PFLOPS).to_dict() if hosting else {}
    fleet = dict(m.fleet.items()) if hosting else {}

    def assign(m, c):
        terms = [m.host[c, g] for g in hosts[c]]
        if not terms:
            return relation(m, "cluster_assign", (c,), 0.0, ">=", 1.0)
        return pyo.quicksum(terms) == 1

    m.cluster_assign = pyo.Constraint(m.CLUSTERS, rule=assign)
    window = {c: cluster_window(sc, rows[c]) for c in rows}
    m.CLUSTER_ROWS = pyo.Set(
        dimen=3, ordered=True, initialize=[(c, g, p) for c, g in m.HOST for p in window[c]]
    )

    def campus_compute(m, c, g, p):
        ks = cluster_chips(sc, rows[c])
        terms = [
            (perf[k], fleet[k, s, p]) for s in hosts[c][g] for k in ks if (k, s) in fleet_pairs
        ]
        need = rows[c]["pflops"] / PFLOPS * m.host[c, g]
        return need - weighted_sum(terms) <= 0 if terms else need <= 0

    fleet_pairs = set(m.KS)
    m.cluster_compute = pyo.Constraint(m.CLUSTER_ROWS, rule=campus_compute)
    sharing: dict[tuple[str, str], list[str]] = {}
    for c, g in m.HOST:
        for p in window[c]:
            sharing.setdefault((g, p), []).append(c)
    order = {p: i for i, p in enumerate(sc.period_labels)}
    m.CAMPUS_ROWS = pyo.Set(
        dimen=2,
        ordered=True,
        initialize=sorted(
            (gp for gp, cs in sharing.items() if len(cs) > 1), key=lambda gp: (gp[0], order[gp[1]])
        ),
    )
    m.campus_one_cluster = pyo.Constraint(
        m.CAMPUS_ROWS,
        rule=lambda m, g, p: pyo.quicksum(m.host[c, g] for c in sharing[g, p]) <= 1,
    )


def _assign(at: dict, c: dict) -> str:
    return (
        f"cluster {at['cluster']} (cluster_assign): it must run on one campus, but no campus "
        "has a site of an operator it allows"
    )


def _compute(at: dict, c: dict) -> str:
    return (
        f"cluster {at['cluster']} on campus {at['campus']} in {at['period']} "
        "(cluster_compute): the campus must reach the cluster's PFLOPS with the chips it allows"
    )


def _compute_limit(at: dict, bound: float, value: float | None) -> str:
    return (
        f"cluster {at['cluster']} on {at['campus']} in {at['period']}: the campus runs "
        "just the cluster's PFLOPS"
    )


def _one(at: dict, c: dict) -> str:
    return (
        f"campus {at['campus']} in {at['period']} (campus_one_cluster): a campus runs one "
        "cluster at a time"
    )


def _one_limit(at: dict, bound: float, value: float | None) -> str:
    return f"campus {at['campus']} in {at['period']}: already runs a cluster ({number(bound)})"


SPECS = (
    FamilySpec("cluster_assign", ("cluster",), "cluster", 1.0, rank=11, conflict=_assign),
    FamilySpec(
        "cluster_compute",
        ("cluster", "campus", "period"),
        "PFLOPS",
        PFLOPS,
        rank=18,
        conflict=_compute,
        limit=_compute_limit,
        summary=("cluster compute at its campus", "cluster"),
    ),
    FamilySpec(
        "campus_one_cluster",
        ("campus", "period"),
        "cluster",
        1.0,
        rank=19,
        conflict=_one,
        limit=_one_limit,
    ),
)
