"""The floor: the LP of MODEL.md sections 4 and 9 assembled directly as scipy sparse matrices
and passed to highspy, with no modelling layer. Benchmarks only; the product never uses it.

It reads the scenario CSVs with pandas (no validation), builds the same LP as chipalloc
(same variables, rows, scaling and formulation), solves it with the same HiGHS options and
writes plan.csv and summary.json. Run as a process:

    python benchmarks/floor.py SCENARIO OUT [--form recursion|window] [--method M]

and it prints its phase timings as JSON on stdout.

Columns: buy, build, unmet, share (one per take_or_pay site, section 9), then (recursion
form) fleet. A take_or_pay site's power row is pue * it_mw - built_mw - share * power_mw <= 0,
its lease is paid on the contracted kW, 1000 * share * power_mw / pue, in the cost, in
operator_min_spend and in the total_budget row; share has its two rows min_share <= share
and share <= max_share (rows, as chipalloc has them).

Fleet is written on "fleet columns" f[q, p] (q a compatible chip-site pair):
- window form:    f = F @ buy + f0, with F[(q,p),(q,t)] = 1 for t <= p < t + L_k;
- recursion form: f are variables with f[q,p] - f[q,p-1] - buy[q,p] + buy[q,p-L_k] = f0[q,p] -
  f0[q,p-1].
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp
import yaml

UNITS, PFLOPS, USD = 1_000.0, 1_000.0, 1.0e6
INF = highspy.kHighsInf


def read(folder: Path) -> dict:
    """Tables and settings of a scenario folder (assumed valid)."""

    def csv(name: str) -> pd.DataFrame:
        path = folder / f"{name}.csv"
        return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.exists() else None

    data = {n: csv(n) for n in ("periods", "chips", "chip_supply", "sites", "site_power")}
    for n in ("initial_fleet", "policies"):
        data[n] = csv(n)
    for key in ("periods", "chips", "sites"):
        column = data[key].columns[0]
        data[key][column] = data[key][column].astype(str)
    settings_path = folder / "scenario.yaml"
    data["settings"] = (
        (yaml.safe_load(settings_path.read_text()) or {}) if settings_path.exists() else {}
    )
    return data


class Rows:
    """COO triplets of the constraint matrix plus row bounds."""

    def __init__(self) -> None:
        self.r, self.c, self.v, self.lo, self.hi = [], [], [], [], []
        self.n = 0

    def block(self, matrix: sp.spmatrix, col0: int, lo, hi) -> None:
        coo = matrix.tocoo()
        self.r.append(coo.row + self.n)
        self.c.append(coo.col + col0)
        self.v.append(coo.data)
        self.lo.append(np.broadcast_to(lo, matrix.shape[0]).astype(float))
        self.hi.append(np.broadcast_to(hi, matrix.shape[0]).astype(float))
        self.n += matrix.shape[0]


def build(data: dict, form: str):
    """The LP as (c, offset, sense, col bounds, CSC matrix, row bounds) + maps for output."""
    st = data["settings"]
    per, chips, sites = data["periods"], data["chips"], data["sites"]
    labels = list(per["period"])
    n, nk, ns = len(labels), len(chips), len(sites)
    pos = {p: i for i, p in enumerate(labels)}
    kpos = {k: i for i, k in enumerate(chips["chip"])}
    spos = {s: i for i, s in enumerate(sites["site"])}
    years = per["years"].to_numpy(float)
    t0 = np.concatenate([[0.0], np.cumsum(years)[:-1]])
    disc = (1 + float(st.get("discount_rate", 0.08))) ** (-t0)
    min_cost = st.get("objective", "min_cost") == "min_cost"
    lf = float(st.get("load_factor", 1.0))
    penalty = float(st.get("unmet_penalty_usd_per_pflops_year", 1e9))

    perf = chips["perf_pflops"].to_numpy(float)
    kw = chips["power_kw"].to_numpy(float)
    life = chips["lifetime_periods"].to_numpy(int)
    pue = sites["pue"].to_numpy(float)
    lease = sites["lease_usd_per_kw_month"].to_numpy(float)
    bcost = sites["build_cost_usd_per_mw"].to_numpy(float)
    lead = sites["build_lead_periods"].to_numpy(int)
    blife = sites["build_lifetime_periods"].to_numpy(int)
    maxb = sites["max_build_mw"].to_numpy(float)
    tp, min_share, max_share = contracts(sites)
    ops = chips["operators"].fillna("").astype(str) if "operators" in chips else [""] * nk
    comp = np.array(
        [
            [
                (chips["cooling"].iat[k] == "air" or sites["cooling"].iat[s] == "liquid")
                and (
                    not ops.iat[k].strip()
                    or sites["operator"].iat[s] in {o.strip() for o in ops.iat[k].split(";")}
                )
                for s in range(ns)
            ]
            for k in range(nk)
        ]
    )
    qk, qs = np.nonzero(comp)  # pairs, chip-major like chipalloc
    nq = len(qk)

    sup = data["chip_supply"]
    supplied = np.zeros((nk, n), bool)
    max_units = np.zeros((nk, n))
    ucost = np.zeros((nk, n))
    si, sj = (
        sup["chip"].astype(str).map(kpos).to_numpy(),
        sup["period"].astype(str).map(pos).to_numpy(),
    )
    supplied[si, sj] = True
    max_units[si, sj] = sup["max_units"].to_numpy(float) / UNITS
    ucost[si, sj] = sup["unit_cost_usd"].to_numpy(float) * UNITS / USD
    pw = data["site_power"]
    power = np.zeros((ns, n))
    price = np.zeros((ns, n))
    pi, pj = (
        pw["site"].astype(str).map(spos).to_numpy(),
        pw["period"].astype(str).map(pos).to_numpy(),
    )
    power[pi, pj] = pw["power_mw"].to_numpy(float)
    price[pi, pj] = pw["energy_usd_per_mwh"].to_numpy(float) / USD

    # columns: buy, build, unmet, share, (fleet)
    buy_mask = supplied[qk]  # (nq, n)
    bq, bp = np.nonzero(buy_mask)
    nbuy = len(bq)
    canb = (maxb > 0)[:, None] & (np.arange(n)[None, :] + lead[:, None] <= n - 1)
    gs, gp = np.nonzero(canb)
    nbuild = len(gs)
    nun = n if min_cost else 0
    nsh = len(tp)
    share0 = nbuy + nbuild + nun  # first share column
    fleet_idx = lambda q, p: q * n + p  # noqa: E731
    nf = nq * n

    # fleet in terms of buys (window) and the initial fleet f0
    f0 = np.zeros(nf)
    init = data["initial_fleet"]
    if init is not None and len(init):
        pair = {(k, s): q for q, (k, s) in enumerate(zip(qk, qs, strict=True))}
        for r in init.to_dict("records"):
            q = pair[kpos[str(r["chip"])], spos[str(r["site"])]]
            rem = min(n, int(r["remaining_periods"]))
            f0[q * n : q * n + rem] += r["units"] / UNITS
    L = life[qk[bq]]
    reps = np.minimum(L, n - bp)
    fr = np.repeat(fleet_idx(bq, bp), reps) + (
        np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    )
    fc = np.repeat(np.arange(nbuy), reps)
    F = sp.csr_matrix((np.ones(len(fr)), (fr, fc)), shape=(nf, nbuy))

    # rows on fleet columns (G) and on buy/build/unmet columns (H)
    rows_G, rows_H, lo, hi = [], [], [], []

    def add(G, H, low, high):
        rows_G.append(sp.csr_matrix(G) if G is not None else sp.csr_matrix((H.shape[0], nf)))
        rows_H.append(sp.csr_matrix(H) if H is not None else sp.csr_matrix((G.shape[0], ncols_h)))
        m = rows_G[-1].shape[0]
        lo.append(np.broadcast_to(np.asarray(low, float), m))
        hi.append(np.broadcast_to(np.asarray(high, float), m))

    fq = np.repeat(np.arange(nq), n)
    fp = np.tile(np.arange(n), nq)
    ncols_h = nbuy + nbuild + nun + nsh
    # the lease of a take_or_pay site in p per unit of share, USD million (section 9)
    paid = 12 * years[None, :] * lease[tp, None] / USD * 1000 * power[tp] / pue[tp, None]
    as_used = np.ones(ns, bool)
    as_used[tp] = False
    # power[s,p]
    G = sp.csr_matrix(
        (pue[qs[fq]] * kw[qk[fq]] * UNITS / 1000, (qs[fq] * n + fp, np.arange(nf))),
        shape=(ns * n, nf),
    )
    usable = np.arange(n)[None, :] >= (gp + lead[gs])[:, None]  # build g usable in p
    ug, up = np.nonzero(usable)
    tj, tpp = np.nonzero(power[tp])  # share * power_mw moves to the left-hand side
    H = sp.csr_matrix(
        (
            np.concatenate([-np.ones(len(ug)), -power[tp[tj], tpp]]),
            (
                np.concatenate([gs[ug] * n + up, tp[tj] * n + tpp]),
                np.concatenate([nbuy + ug, share0 + tj]),
            ),
        ),
        shape=(ns * n, ncols_h),
    )
    power_hi = power.copy()
    power_hi[tp] = 0.0
    add(G, H, -INF, power_hi.ravel())
    # supply[k,p] where some buy exists
    key = qk[bq] * n + bp
    used, inv = np.unique(key, return_inverse=True)
    H = sp.csr_matrix((np.ones(nbuy), (inv, np.arange(nbuy))), shape=(len(used), ncols_h))
    add(None, H, -INF, max_units.ravel()[used])
    # build_total[s]
    bsites, binv = np.unique(gs, return_inverse=True)
    H = sp.csr_matrix(
        (np.ones(nbuild), (binv, nbuy + np.arange(nbuild))), shape=(len(bsites), ncols_h)
    )
    add(None, H, -INF, maxb[bsites])
    # contract_min_share[s], contract_max_share[s]
    H = sp.csr_matrix((np.ones(nsh), (np.arange(nsh), share0 + np.arange(nsh))), (nsh, ncols_h))
    add(None, H, min_share[tp], INF)
    add(None, H, -INF, max_share[tp])
    # demand[p]
    compute_G = sp.csr_matrix((perf[qk[fq]] * UNITS / PFLOPS, (fp, np.arange(nf))), shape=(n, nf))
    if min_cost:
        H = sp.csr_matrix(
            (np.ones(n), (np.arange(n), nbuy + nbuild + np.arange(n))), shape=(n, ncols_h)
        )
        add(compute_G, H, per["demand_pflops"].to_numpy(float) / PFLOPS, INF)
    # period_budget[p]
    if "capex_budget_usd" in per:
        budget = per["capex_budget_usd"].to_numpy(float)
        H = sp.csr_matrix(
            (
                np.concatenate([ucost[qk[bq], bp], bcost[gs] / USD]),
                (
                    np.concatenate([bp, gp]),
                    np.concatenate([np.arange(nbuy), nbuy + np.arange(nbuild)]),
                ),
            ),
            shape=(n, ncols_h),
        )
        has = ~np.isnan(budget)
        add(None, H[has], -INF, budget[has] / USD)
    # policies
    pol = data["policies"]
    if pol is not None and len(pol):
        pol = pol.copy()
        start = pol["from_period"] if "from_period" in pol else pd.Series([None] * len(pol))
        pol["start"] = [pos[str(f)] if isinstance(f, str) and f else 0 for f in start]
        group_of = {
            "operator": sites["operator"].to_numpy()[qs[fq]],
            "vendor": chips["vendor"].to_numpy()[qk[fq]],
        }
        for kind, grp, sense in (
            ("operator_max_share", "operator", "<="),
            ("operator_min_share", "operator", ">="),
            ("vendor_max_share", "vendor", "<="),
        ):
            rows = pol[pol["kind"] == kind]
            shares = {}
            for r in rows.to_dict("records"):
                for p in range(r["start"], n):
                    k = (r["name"], p)
                    f = min if sense == "<=" else max
                    shares[k] = f(shares[k], r["value"]) if k in shares else r["value"]
            for (name, p), v in shares.items():
                coef = perf[qk] * UNITS / PFLOPS * ((group_of[grp][np.arange(nq) * n] == name) - v)
                G = sp.csr_matrix((coef, (np.zeros(nq, int), np.arange(nq) * n + p)), shape=(1, nf))
                add(G, None, 0.0 if sense == ">=" else -INF, INF if sense == ">=" else 0.0)
        spend = {}
        for r in pol[pol["kind"] == "operator_min_spend_usd"].to_dict("records"):
            k = (r["name"], r["start"])
            spend[k] = max(spend.get(k, 0.0), r["value"] / USD)
        for (name, start), v in spend.items():
            mine = sites["operator"].to_numpy() == name
            mask = mine[qs[fq]] & as_used[qs[fq]] & (fp >= start)
            coef = 12 * years[fp] * lease[qs[fq]] / USD * kw[qk[fq]] * UNITS * mask
            h_coef = np.zeros(ncols_h)
            h_coef[share0:] = paid[:, start:].sum(axis=1) * mine[tp]
            add(sp.csr_matrix(coef[None, :]), sp.csr_matrix(h_coef[None, :]), v, INF)

    # objective
    c_buy = disc[bp] * ucost[qk[bq], bp] * np.minimum(L, n - bp) / L
    c_build = (
        disc[gp]
        * bcost[gs]
        / USD
        * np.maximum(0, np.minimum(blife[gs], n - gp - lead[gs]))
        / blife[gs]
    )
    c_fleet = (
        disc[fp]
        * kw[qk[fq]]
        * UNITS
        * (
            pue[qs[fq]] * 8.76 * years[fp] * lf * price[qs[fq], fp]
            + 12 * years[fp] * lease[qs[fq]] / USD * as_used[qs[fq]]
        )
    )
    c_unmet = disc * penalty * PFLOPS / USD * years if min_cost else np.zeros(0)
    c_share = paid @ disc
    c_h = np.concatenate([c_buy, c_build, c_unmet, c_share])
    sense = highspy.ObjSense.kMinimize
    if not min_cost:
        total_cost_G, total_cost_H = sp.csr_matrix(c_fleet[None, :]), sp.csr_matrix(c_h[None, :])
        add(total_cost_G, total_cost_H, -INF, float(st["total_budget_usd"]) / USD)
        c_fleet = -years[fp] * perf[qk[fq]] * UNITS / PFLOPS
        c_h = np.zeros(ncols_h)
        sense = highspy.ObjSense.kMinimize  # maximise compute == minimise its negative

    G = sp.vstack(rows_G).tocsr()
    H = sp.vstack(rows_H).tocsr()
    lo, hi = np.concatenate(lo), np.concatenate(hi)
    shift = G @ f0
    offset = float(c_fleet @ f0)
    if form == "window":
        A = sp.hstack([G @ F + H[:, :nbuy], H[:, nbuy:]]).tocsc()
        c = np.concatenate([F.T @ c_fleet + c_h[:nbuy], c_h[nbuy:]])
        lo, hi = lo - shift, hi - shift
        ncol = ncols_h
    else:
        # recursion rows: f[q,p] - f[q,p-1] - buy[q,p] + buy[q,p-L] = f0[q,p] - f0[q,p-1]
        prev = np.where(fp > 0, np.arange(nf) - 1, -1)
        R_f = sp.csr_matrix(
            (
                np.concatenate([np.ones(nf), -np.ones((prev >= 0).sum())]),
                (
                    np.concatenate([np.arange(nf), np.nonzero(prev >= 0)[0]]),
                    np.concatenate([np.arange(nf), prev[prev >= 0]]),
                ),
            ),
            shape=(nf, nf),
        )
        out_p = bp + L
        leaves = out_p < n
        R_b = sp.csr_matrix(
            (
                np.concatenate([-np.ones(nbuy), np.ones(leaves.sum())]),
                (
                    np.concatenate([fleet_idx(bq, bp), fleet_idx(bq[leaves], out_p[leaves])]),
                    np.concatenate([np.arange(nbuy), np.arange(nbuy)[leaves]]),
                ),
            ),
            shape=(nf, ncols_h),
        )
        f0_prev = np.where(fp > 0, np.roll(f0, 1), 0.0)
        rhs = f0 - f0_prev
        keep = np.ones(nf, bool)
        A = sp.vstack([sp.hstack([H, G]), sp.hstack([R_b, R_f])]).tocsc()
        # recursion with fleet columns: fleet includes f0, so the rows on G keep their bounds
        c = np.concatenate([c_h, c_fleet])
        lo, hi = np.concatenate([lo, rhs]), np.concatenate([hi, rhs])
        offset = 0.0
        ncol = ncols_h + nf
        del keep
    return {
        "c": c,
        "offset": offset,
        "sense": sense,
        "A": A,
        "lo": lo,
        "hi": hi,
        "ncol": ncol,
        "F": F,
        "f0": f0,
        "nbuy": nbuy,
        "nf": nf,
        "qk": qk,
        "qs": qs,
        "bq": bq,
        "bp": bp,
        "gp": gp,
        "share_cols": share0 + np.arange(nsh),
        "n": n,
        "labels": labels,
        "chips": chips,
        "sites": sites,
        "form": form,
        "min_cost": min_cost,
    }


def contracts(sites: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the take_or_pay sites and every site's min_share and max_share (section 9;
    a missing column or empty cell takes its default)."""

    def column(name: str, default) -> pd.Series:
        return sites[name].fillna(default) if name in sites else pd.Series([default] * len(sites))

    tp = np.nonzero(column("contract", "as_used").astype(str).str.strip() == "take_or_pay")[0]
    return tp, column("min_share", 0.0).to_numpy(float), column("max_share", 1.0).to_numpy(float)


def pass_model(lp: dict) -> highspy.Highs:
    """A ``highspy.Highs`` object holding the LP (one passModel call)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    model = highspy.HighsLp()
    A = lp["A"]
    model.num_col_, model.num_row_ = A.shape[1], A.shape[0]
    model.col_cost_ = lp["c"]
    model.offset_ = lp["offset"]
    model.col_lower_ = np.zeros(A.shape[1])
    model.col_upper_ = np.full(A.shape[1], INF)
    model.row_lower_, model.row_upper_ = lp["lo"], lp["hi"]
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = A.indptr
    model.a_matrix_.index_ = A.indices
    model.a_matrix_.value_ = A.data
    h.passModel(model)
    return h


def run(h: highspy.Highs, method: str, threads: int | None, extra: dict | None = None) -> None:
    """Solve with the options of ``method`` (plus ``extra`` HiGHS options)."""
    for k, v in {**method_options(method, threads), **(extra or {})}.items():
        h.setOptionValue(k, v)
    h.run()


def method_options(method: str, threads: int | None) -> dict:
    """HiGHS options of a method name: simplex, ipm (with crossover), ipm-nox, pdlp."""
    out = {
        "simplex": {"solver": "simplex"},
        "ipm": {"solver": "ipm", "run_crossover": "on"},
        "ipm-nox": {"solver": "ipm", "run_crossover": "off"},
        "pdlp": {"solver": "pdlp"},
        "choose": {"solver": "choose"},
    }[method]
    if threads:
        out["threads"] = threads
    return out


def write_plan(lp: dict, h: highspy.Highs, out: Path) -> float:
    """plan.csv (nonzero buy or fleet per period, site, chip) and summary.json."""
    x = np.asarray(h.getSolution().col_value)
    nbuy, n = lp["nbuy"], lp["n"]
    buy = np.zeros(lp["nf"])
    buy[lp["bq"] * n + lp["bp"]] = x[:nbuy]
    fleet = x[-lp["nf"] :] if lp["form"] == "recursion" else lp["F"] @ x[:nbuy] + lp["f0"]
    keep = np.nonzero((np.abs(buy) > 1e-9) | (np.abs(fleet) > 1e-9))[0]
    q, p = keep // n, keep % n
    chips, sites = lp["chips"], lp["sites"]
    k, s = lp["qk"][q], lp["qs"][q]
    units = fleet[keep] * UNITS
    plan = pd.DataFrame(
        {
            "period": np.asarray(lp["labels"])[p],
            "site": sites["site"].to_numpy()[s],
            "operator": sites["operator"].to_numpy()[s],
            "chip": chips["chip"].to_numpy()[k],
            "vendor": chips["vendor"].to_numpy()[k],
            "buy_units": buy[keep] * UNITS,
            "fleet_units": units,
            "it_mw": chips["power_kw"].to_numpy()[k] * units / 1000,
            "compute_pflops": chips["perf_pflops"].to_numpy()[k] * units,
        }
    ).sort_values(["period", "chip", "site"], kind="stable")
    out.mkdir(parents=True, exist_ok=True)
    plan.to_csv(out / "plan.csv", index=False)
    objective = h.getInfo().objective_function_value
    objective = objective * USD if lp["min_cost"] else -objective * PFLOPS
    summary = {"status": str(h.getModelStatus()), "objective": objective}
    (out / "summary.json").write_text(json.dumps(summary))
    return objective


def _option(text: str) -> tuple[str, object]:
    name, value = text.split("=", 1)
    for cast in (int, float):
        try:
            return name, cast(value)
        except ValueError:
            pass
    return name, value


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--form", default="window", choices=["window", "recursion"])
    ap.add_argument("--method", default="simplex")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--option", action="append", default=[], help="HiGHS option NAME=VALUE")
    args = ap.parse_args(argv)
    times = {}
    t = time.perf_counter()
    data = read(args.scenario)
    times["load"] = time.perf_counter() - t
    t = time.perf_counter()
    lp = build(data, args.form)
    times["build"] = time.perf_counter() - t
    t = time.perf_counter()
    h = pass_model(lp)
    times["handoff"] = time.perf_counter() - t
    t = time.perf_counter()
    run(h, args.method, args.threads, dict(_option(o) for o in args.option))
    times["solve"] = time.perf_counter() - t
    t = time.perf_counter()
    objective = write_plan(lp, h, args.out)
    times["write"] = time.perf_counter() - t
    info = h.getInfo()
    json.dump(
        {
            "timings": times,
            "objective": objective,
            "status": str(h.getModelStatus()),
            "rows": lp["A"].shape[0],
            "cols": lp["A"].shape[1],
            "nnz": lp["A"].nnz,
            "simplex_iterations": info.simplex_iteration_count,
            "ipm_iterations": info.ipm_iteration_count,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
