"""The floor of ``chipalloc hedge``: MODEL.md section 8's extensive form assembled directly as
scipy sparse matrices (``floor.build`` once per future) and solved with highspy, plus the
same wait-and-see and EEV solves. Benchmarks only; the product never uses it.

    python benchmarks/floor_hedge.py SPEC.json OUT [--form window|recursion] [--method M]
        [--sequence warm|separate]

SPEC.json: {"futures": [{"name", "probability", "folder"}], "commit": k (index of
commit_through), "reference": name}. Each future's folder is its scenario with the variants
applied (written by bench_hedge.py beforehand). Every future must have the same columns (the
same buy and build index sets: the benchmark's futures scale prices and power).

The extensive LP: columns [x_1 | ... | x_F] (each future's columns as ``floor.build`` lays
them out: buy, build, unmet, share, fleet), rows block-diagonal diag(A_f), cost sum_f pi_f
c_f, plus non-anticipativity x_f[j] - x_1[j] = 0 for f > 1 and every buy column j with period
<= commit, every build column with start period <= commit and every share column (the
take_or_pay contracts of section 9, common to every future).

``--sequence warm`` (the default, chipalloc's sequence): one Highs object; wait-and-see
with the non-anticipativity rows opened, EEV with the committed columns fixed at the
reference's values, then the hedge warm from that basis. ``--sequence separate``:
wait-and-see each A_f alone; EEV each future's Highs object again with the committed
columns fixed, re-solved warm; the extensive form cold. Prints timings and the measures
as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import highspy
import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import floor  # noqa: E402

INF = highspy.kHighsInf


def committed_columns(lp: dict, commit: int) -> np.ndarray:
    """Column positions of buys with period <= commit, builds started by then and every
    take_or_pay share (section 9: one decision for the whole horizon)."""
    buys = np.nonzero(lp["bp"] <= commit)[0]
    builds = lp["nbuy"] + np.nonzero(lp["gp"] <= commit)[0]
    return np.concatenate([buys, builds, lp["share_cols"]])


def objective(h: highspy.Highs, lp: dict) -> float:
    value = h.getInfo().objective_function_value
    return value * floor.USD if lp["min_cost"] else -value * floor.PFLOPS


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--form", default="window", choices=["window", "recursion"])
    ap.add_argument("--method", default="simplex")
    ap.add_argument(
        "--sequence",
        default="warm",
        choices=["warm", "separate"],
        help="warm: chipalloc's sequence on one Highs object (relaxed extensive form for "
        "wait-and-see, fixed commitments for EEV, then the hedge from that basis); separate: "
        "each future alone for wait-and-see and EEV, the extensive form cold",
    )
    args = ap.parse_args(argv)
    spec = json.loads(args.spec.read_text())
    times: dict[str, float] = {}
    t = time.perf_counter()
    futures = spec["futures"]
    datas = [floor.read(Path(f["folder"])) for f in futures]
    times["load"] = time.perf_counter() - t
    t = time.perf_counter()
    lps = [floor.build(d, args.form) for d in datas]
    ncol = lps[0]["ncol"]
    if any(lp["ncol"] != ncol for lp in lps):
        raise SystemExit("futures with different columns: not supported by the floor")
    commit = committed_columns(lps[0], spec["commit"])
    times["build"] = time.perf_counter() - t

    if args.sequence == "warm":
        return warm(args, spec, lps, commit, times)

    # wait-and-see
    t = time.perf_counter()
    highs = []
    z_star = []
    for lp in lps:
        h = floor.pass_model(lp)
        floor.run(h, args.method, None)
        highs.append(h)
        z_star.append(objective(h, lp))
    times["wait_and_see"] = time.perf_counter() - t

    # EEV: the reference's committed values fixed in every future, warm re-solves
    t = time.perf_counter()
    names = [f["name"] for f in futures]
    ref = names.index(spec["reference"])
    x_ref = np.maximum(np.asarray(highs[ref].getSolution().col_value)[commit], 0.0)
    z_eev = []
    for h, lp in zip(highs, lps, strict=True):
        h.changeColsBounds(len(commit), commit.astype(np.int32), x_ref, x_ref)
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        z_eev.append(objective(h, lp) if ok else None)
    times["eev"] = time.perf_counter() - t

    # the extensive form
    t = time.perf_counter()
    ext, n_na = extensive(spec, lps, commit)
    A = ext["A"]
    times["build_extensive"] = time.perf_counter() - t
    t = time.perf_counter()
    h = floor.pass_model(ext)
    times["handoff"] = time.perf_counter() - t
    t = time.perf_counter()
    floor.run(h, args.method, None)
    times["extensive"] = time.perf_counter() - t
    finish(args, spec, lps, h, A, z_star, z_eev, times)


def extensive(spec: dict, lps: list[dict], commit: np.ndarray) -> tuple[dict, int]:
    """The extensive LP (module docstring) and its number of non-anticipativity rows."""
    futures = spec["futures"]
    ncol = lps[0]["ncol"]
    pi = np.array([f["probability"] for f in futures])
    nf = len(lps)
    blocks = sp.block_diag([lp["A"] for lp in lps], format="csr")
    na_rows = []
    for f in range(1, nf):
        k = len(commit)
        r = np.arange(k)
        na_rows.append(
            sp.csr_matrix(
                (
                    np.concatenate([np.ones(k), -np.ones(k)]),
                    (np.concatenate([r, r]), np.concatenate([f * ncol + commit, commit])),
                ),
                shape=(k, nf * ncol),
            )
        )
    A = sp.vstack([blocks, *na_rows]).tocsc()
    n_na = A.shape[0] - blocks.shape[0]
    ext = {
        "A": A,
        "c": np.concatenate([p * lp["c"] for p, lp in zip(pi, lps, strict=True)]),
        "offset": float(sum(p * lp["offset"] for p, lp in zip(pi, lps, strict=True))),
        "lo": np.concatenate([*(lp["lo"] for lp in lps), np.zeros(n_na)]),
        "hi": np.concatenate([*(lp["hi"] for lp in lps), np.zeros(n_na)]),
    }
    return ext, n_na


def warm(args, spec: dict, lps: list[dict], commit: np.ndarray, times: dict) -> None:
    """chipalloc's sequence on one Highs object: the extensive form with its
    non-anticipativity rows opened (bounds -inf, inf: each future's own problem side by
    side) gives every Z*_f; the reference's committed values fixed in every future (column
    bounds) give EEV; rows closed and columns freed, the hedge re-solves from that basis."""
    t = time.perf_counter()
    ext, n_na = extensive(spec, lps, commit)
    times["build_extensive"] = time.perf_counter() - t
    t = time.perf_counter()
    h = floor.pass_model(ext)
    times["handoff"] = time.perf_counter() - t
    ncol, nf = lps[0]["ncol"], len(lps)
    na = np.arange(ext["A"].shape[0] - n_na, ext["A"].shape[0], dtype=np.int32)
    t = time.perf_counter()
    h.changeRowsBounds(len(na), na, np.full(len(na), -INF), np.full(len(na), INF))
    floor.run(h, args.method, None)
    x = np.asarray(h.getSolution().col_value)
    z_star = [_z(lp, x[f * ncol : (f + 1) * ncol]) for f, lp in enumerate(lps)]
    times["wait_and_see"] = time.perf_counter() - t
    t = time.perf_counter()
    ref = [f["name"] for f in spec["futures"]].index(spec["reference"])
    x_ref = np.maximum(x[ref * ncol + commit], 0.0)
    cols = np.concatenate([f * ncol + commit for f in range(nf)]).astype(np.int32)
    values = np.tile(x_ref, nf)
    h.changeColsBounds(len(cols), cols, values, values)
    h.run()
    z_eev: list = [None] * nf
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        x = np.asarray(h.getSolution().col_value)
        z_eev = [_z(lp, x[f * ncol : (f + 1) * ncol]) for f, lp in enumerate(lps)]
    h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.full(len(cols), INF))
    times["eev"] = time.perf_counter() - t
    t = time.perf_counter()
    h.changeRowsBounds(len(na), na, np.zeros(len(na)), np.zeros(len(na)))
    h.run()
    times["extensive"] = time.perf_counter() - t
    finish(args, spec, lps, h, ext["A"], z_star, z_eev, times)


def _z(lp: dict, x: np.ndarray) -> float:
    """Z_f in MODEL.md units from the future's columns."""
    return float(lp["c"] @ x + lp["offset"]) * (floor.USD if lp["min_cost"] else -floor.PFLOPS)


def finish(args, spec, lps, h, A, z_star, z_eev, times) -> None:
    """Z_f at the hedged plan, RP, WS, EEV; summary.json and the JSON line on stdout."""
    futures = spec["futures"]
    pi = np.array([f["probability"] for f in futures])
    ncol = lps[0]["ncol"]
    x = np.asarray(h.getSolution().col_value)
    z = [_z(lp, x[f * ncol : (f + 1) * ncol]) for f, lp in enumerate(lps)]
    rp = float(pi @ np.array(z))
    ws = float(pi @ np.array(z_star))
    eev = None if any(v is None for v in z_eev) else float(pi @ np.array(z_eev))
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "timings": times,
        "rp": rp,
        "ws": ws,
        "eev": eev,
        "status": str(h.getModelStatus()),
        "rows": A.shape[0],
        "cols": A.shape[1],
        "nnz": A.nnz,
    }
    (args.out / "summary.json").write_text(json.dumps(result))
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
