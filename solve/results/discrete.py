"""The results tables of the discrete decisions (MODEL.md 7.5), each written when used:

- racks.csv: period, site, chip, units_per_rack, racks, buy_units (buy_units = R_k * racks);
- builds.csv: site, start_period, period, build_mw, one row per build[s,p] > 0; a project
  starts in the period of its first MW;
- clusters.csv: cluster, campus, period, pflops_needed, pflops_available (the compute of the
  chips that count toward the cluster at the campus's sites it may use);
- fabrics.csv: site, fabric (the fabric each buying site runs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.data.discrete import cluster_window
from chipalloc.model import PFLOPS, UNITS
from chipalloc.model.discrete import cluster_chips

EPS = 1e-9
ON = 0.5
"""A binary above this is 1 (the fixed LP holds them at exactly 0 or 1)."""


def discrete_tables(sc: Scenario, m: pyo.ConcreteModel, values) -> dict[str, pd.DataFrame]:
    """The tables above for the features ``sc`` uses (none for a v1 scenario: its discrete
    sets are empty)."""
    out = {}
    if len(m.RACK):
        out["racks"] = racks_table(m, values)
    if len(m.START):
        out["builds"] = builds_table(sc, m, values)
    if len(m.CLUSTERS):
        out["clusters"] = clusters_table(sc, m, values)
    if len(m.FABRICS):
        out["fabrics"] = fabrics_table(m, values)
    return out


def racks_table(m: pyo.ConcreteModel, values) -> pd.DataFrame:
    """racks.csv: the buys of rack chips, in whole racks."""
    keys = list(m.RACK)
    racks = np.round(values.of([m.racks[b] for b in keys]))
    rows = [
        {
            "period": p,
            "site": s,
            "chip": k,
            "units_per_rack": m.rack_size[k],
            "racks": int(r),
            "buy_units": float(r) * m.rack_size[k],
        }
        for (k, s, p), r in zip(keys, racks, strict=True)
        if r > 0
    ]
    columns = ["period", "site", "chip", "units_per_rack", "racks", "buy_units"]
    return pd.DataFrame(rows, columns=columns)


def builds_table(sc: Scenario, m: pyo.ConcreteModel, values) -> pd.DataFrame:
    """builds.csv: build[s,p] > 0 with the period of the site's first MW."""
    keys = list(m.BUILD)
    mw = values.of([m.build[b] for b in keys])
    rows, first = [], {}
    for (s, p), x in zip(keys, mw, strict=True):
        if x > EPS:
            first.setdefault(s, p)
            rows.append({"site": s, "start_period": first[s], "period": p, "build_mw": float(x)})
    return pd.DataFrame(rows, columns=["site", "start_period", "period", "build_mw"])


def clusters_table(sc: Scenario, m: pyo.ConcreteModel, values) -> pd.DataFrame:
    """clusters.csv: each cluster's campus and, per period of its window, the PFLOPS it needs
    and the campus reaches with the chips that count (sum of perf_pflops * fleet)."""
    keys = list(m.HOST)
    on = values.of([m.host[h] for h in keys]) > ON if keys else np.zeros(0, bool)
    perf = (sc.chips.set_index("chip")["perf_pflops"] * UNITS / PFLOPS).to_dict()
    pairs = set(m.KS)
    rows = []
    by_name = {r["cluster"]: r for r in sc.tables["clusters"].to_dict("records")}
    for (c, g), hosted in zip(keys, on, strict=True):
        if not hosted:
            continue
        r = by_name[c]
        ks = cluster_chips(sc, r)
        for p in cluster_window(sc, r):
            terms = [(k, s) for s in m.cluster_sites[c][g] for k in ks if (k, s) in pairs]
            fleet = values.of([m.fleet[k, s, p] for k, s in terms]) if terms else np.zeros(0)
            reached = float(sum(perf[k] * x for (k, _), x in zip(terms, fleet, strict=True)))
            rows.append(
                {
                    "cluster": c,
                    "campus": g,
                    "period": p,
                    "pflops_needed": r["pflops"],
                    "pflops_available": reached * PFLOPS,
                }
            )
    return pd.DataFrame(
        rows, columns=["cluster", "campus", "period", "pflops_needed", "pflops_available"]
    )


def fabrics_table(m: pyo.ConcreteModel, values) -> pd.DataFrame:
    """fabrics.csv: the fabric each site runs (sites that run none are left out)."""
    keys = list(m.USE)
    on = values.of([m.use[u] for u in keys]) > ON if keys else np.zeros(0, bool)
    rows = [{"site": s, "fabric": f} for (s, f), x in zip(keys, on, strict=True) if x]
    return pd.DataFrame(rows, columns=["site", "fabric"])
