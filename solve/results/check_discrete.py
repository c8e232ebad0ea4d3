"""The plan checker's part for MODEL.md section 7, from the results folder alone.

- racks: every buy of a chip with units_per_rack R_k is a whole number of racks;
- projects: MW only at sites that may build; min_build_mw met by every project that builds;
  builds.csv agrees with sites.csv; the fixed cost charged in the period of the first MW
  (build kind, with b_s,p; nominal in the period budget);
- clusters: each cluster on one campus that has a site of an allowed operator, reaching its
  PFLOPS with its chips in every period of its window (recomputed from plan.csv); one
  cluster per campus per period;
- fabrics: at most one fabric per site, every site that buys runs one that serves each chip
  it buys; the network capex usd_per_accelerator * buy * a_k,p in capex (nominal in the
  period budget).

``extra_costs`` and ``extra_spend`` give the fixed costs and network capex per period that the
checker adds to its cost and period budget recomputation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chipalloc.data.discrete import (
    campus_of,
    cluster_window,
    fabric_chips,
    names,
    project_sites,
    rack_sizes,
)
from chipalloc.model import build_share, capex_share

RACK_TOL = 1e-6
"""Buys within this many racks of a whole number count as whole."""


def read(check, name: str) -> pd.DataFrame | None:
    """``<name>.csv`` of the folder as text cells where they are names (None if absent)."""
    path = check.folder / f"{name}.csv"
    if not path.exists():
        return None
    text = {c: str for c in ("period", "site", "chip", "cluster", "campus", "fabric")}
    frame = pd.read_csv(path, keep_default_na=False, dtype={**text, "start_period": str})
    check.unescape(frame, [c for c in (*text, "start_period") if c in frame.columns])
    return frame


def first_builds(check) -> dict[str, str]:
    """site -> period of its first MW (build_started_mw > 0)."""
    builds = check.builds().fillna(0.0)
    out = {}
    for s, row in builds.iterrows():
        started = [p for p in check.labels if row[p] > 1e-9]
        if started:
            out[s] = started[0]
    return out


def site_fabrics(check) -> dict[str, str]:
    """site -> its fabric from fabrics.csv."""
    frame = read(check, "fabrics")
    if frame is None:
        return {}
    return dict(zip(frame["site"], frame["fabric"], strict=True))


def fabric_prices(sc) -> dict[str, float]:
    """fabric -> usd_per_accelerator."""
    fabrics = sc.tables["fabrics"]
    return dict(zip(fabrics["fabric"], fabrics["usd_per_accelerator"], strict=True))


def extra_costs(check) -> pd.DataFrame:
    """Nominal fixed project costs (build) and network capex (capex) per period."""
    sc, n = check.sc, check.n
    out = pd.DataFrame(0.0, index=check.labels, columns=["capex", "build"])
    sites = sc.sites.set_index("site")
    projects = project_sites(sc)
    for s, p in first_builds(check).items():
        if s in projects:
            share = build_share(
                int(sites.at[s, "build_lifetime_periods"]),
                int(sites.at[s, "build_lead_periods"]),
                n,
                sc.period_pos[p],
            )
            out.at[p, "build"] += projects[s][0] * share
    price = fabric_prices(sc)
    fabric = site_fabrics(check)
    life = sc.chips.set_index("chip")["lifetime_periods"].astype(int)
    for r in check.plan.to_dict("records"):
        if r["buy_units"] and r["site"] in fabric:
            a = capex_share(int(life[r["chip"]]), n, sc.period_pos[r["period"]])
            out.at[r["period"], "capex"] += price[fabric[r["site"]]] * r["buy_units"] * a
    return out


def extra_spend(check) -> pd.Series:
    """Nominal fixed project costs and network capex per period (the period budget's part)."""
    sc = check.sc
    out = pd.Series(0.0, index=check.labels)
    projects = project_sites(sc)
    for s, p in first_builds(check).items():
        if s in projects:
            out[p] += projects[s][0]
    price = fabric_prices(sc)
    fabric = site_fabrics(check)
    for r in check.plan.to_dict("records"):
        if r["buy_units"] and r["site"] in fabric:
            out[r["period"]] += price[fabric[r["site"]]] * r["buy_units"]
    return out


def check_discrete(check) -> None:
    """Append every section 7 violation of the folder to ``check.problems``."""
    check_racks(check)
    check_projects(check)
    check_clusters(check)
    check_fabrics(check)


def check_racks(check) -> None:
    sizes = rack_sizes(check.sc)
    for r in check.plan.to_dict("records"):
        size = sizes.get(r["chip"])
        if size and r["buy_units"]:
            racks = r["buy_units"] / size
            if abs(racks - round(racks)) > RACK_TOL * max(1.0, racks):
                check.problems.append(
                    f"racks: {r['buy_units']:,.3f} units of {r['chip']} at {r['site']} in "
                    f"{r['period']} is not a whole number of racks of {size}"
                )


def check_projects(check) -> None:
    projects = project_sites(check.sc)
    builds = check.builds().fillna(0.0)
    for s, (_, least) in projects.items():
        total = float(builds.loc[s].sum()) if s in builds.index else 0.0
        if total > 1e-6 and least - total > 1e-4 + 1e-6 * least:
            check.problems.append(
                f"min build at {s}: the project builds {total:,.3f} MW, below min_build_mw "
                f"{least:,.3f}"
            )
    frame = read(check, "builds")
    if frame is None:
        return
    first = first_builds(check)
    for r in frame.to_dict("records"):
        started = builds.at[r["site"], r["period"]] if r["site"] in builds.index else 0.0
        if abs(started - r["build_mw"]) > 1e-4 + 1e-6 * abs(started):
            check.problems.append(
                f"builds.csv: {r['build_mw']:,.3f} MW at {r['site']} in {r['period']} but "
                f"sites.csv says {started:,.3f}"
            )
        if first.get(r["site"]) != r["start_period"]:
            check.problems.append(
                f"builds.csv: the project at {r['site']} starts in {first.get(r['site'])}, "
                f"not {r['start_period']}"
            )


def check_clusters(check) -> None:
    sc = check.sc
    rows = sc.tables["clusters"].to_dict("records")
    if not rows:
        return
    frame = read(check, "clusters")
    if frame is None:
        check.problems.append("clusters.csv is missing: the scenario has training clusters")
        return
    campus = campus_of(sc)
    operator = sc.sites.set_index("site")["operator"].to_dict()
    perf = sc.chips.set_index("chip")["perf_pflops"]
    fleet = check.fleet
    chip_of = fleet.index.get_level_values("chip")
    site_of = fleet.index.get_level_values("site")
    running: dict[tuple[str, str], str] = {}
    for r in rows:
        c = r["cluster"]
        mine = frame[frame["cluster"] == c]
        where = set(mine["campus"])
        if len(where) != 1:
            check.problems.append(f"cluster {c} runs on {len(where)} campuses, not one")
            continue
        g = where.pop()
        allowed = set(names(r["operators"]))
        hosts = [
            s for s, cg in campus.items() if cg == g and (not allowed or operator[s] in allowed)
        ]
        ks = set(names(r["chips"])) or set(sc.chips["chip"])
        counts = np.isin(site_of, hosts) & np.isin(chip_of, list(ks))
        weights = perf.reindex(chip_of[counts]).to_numpy(dtype=float)
        for p in cluster_window(sc, r):
            reached = float((fleet.loc[counts, p].to_numpy(dtype=float) * weights).sum())
            if r["pflops"] - reached > 1e-4 + 1e-6 * r["pflops"]:
                check.problems.append(
                    f"cluster {c} on campus {g} in {p}: {reached:,.1f} PFLOPS of its chips, "
                    f"{r['pflops']:,.1f} needed"
                )
            if (g, p) in running:
                check.problems.append(
                    f"campus {g} in {p} runs clusters {running[g, p]} and {c}: one at a time"
                )
            running[g, p] = c
        if not hosts:
            check.problems.append(f"cluster {c}: campus {g} has no site it may use")


def check_fabrics(check) -> None:
    sc = check.sc
    if not len(sc.tables["fabrics"]):
        return
    frame = read(check, "fabrics")
    chosen = frame if frame is not None else pd.DataFrame(columns=["site", "fabric"])
    for s in chosen["site"][chosen["site"].duplicated()]:
        check.problems.append(f"site {s} runs more than one fabric")
    fabric = dict(zip(chosen["site"], chosen["fabric"], strict=True))
    serves = fabric_chips(sc)
    for r in check.plan.to_dict("records"):
        if not r["buy_units"]:
            continue
        f = fabric.get(r["site"])
        if f is None:
            check.problems.append(f"site {r['site']} buys {r['chip']} but runs no fabric")
        elif r["chip"] not in serves.get(f, set()):
            check.problems.append(f"fabric {f} at {r['site']} does not serve chip {r['chip']}")
