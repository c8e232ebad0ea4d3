"""MIP benchmark (MODEL.md section 7): ``chipalloc solve`` of a scenario with discrete features
against a floor that solves the same MIP with highspy alone, and the MIP against its own LP
relaxation. Benchmarks only; the product never uses it.

    python benchmarks/bench_mip.py [--sizes default,50x10x60] [--repeats 3] [--gap 1e-4]
        [--time-limit SECONDS]

Sizes: ``default`` is the base scenario with its discrete features (campuses, clusters,
fabrics, own-build projects: ``chipalloc init --discrete``, written into the cache by
``chipalloc.data.write_discrete_default``); ``SxCxT`` is ``chipalloc generate`` (seed 0) plus,
with pandas, racks of 72 for the NVIDIA and AMD chips, a fixed cost (5% of a full build) and
a minimum size (25% of max_build_mw) at every buildable site, a campus of two sites for each
pair of buildable sites, and two training clusters (see ``discrete_features``): the racks,
builds and two clusters the issue names; fabrics are measured at ``default``.

The floor: in a setup step (not timed) chipalloc builds the scenario's MIP once and saves
HiGHS's copy of it (``getLp``: costs, bounds, the matrix arrays in HiGHS's own format and
order, integrality) to a numpy ``.npz`` file; the floor is a fresh process that imports
highspy, rebuilds that ``HighsLp`` and passes it with ``passModel``, then solves it with the
same ``mip_rel_gap``, chipalloc's ``MIP_OPTIONS`` and the RINS/RENS setting chipalloc
gives a MIP that HiGHS starts without a plan (``mip_start.sub_mip_options``). It is the same
MIP, bit for bit and in the same order, so HiGHS takes the same path on both sides where
chipalloc gives no start (an MPS round trip does not: its
text coefficients sent HiGHS's root heuristics elsewhere, 2.7 s against 5.0 s on the
discrete default), and the ratio measures what chipalloc adds around HiGHS (imports, load
and validation, Pyomo build, handoff, the LP with integers fixed that gives the duals,
results and files).

The LP relaxation: the floor process with every integer column made continuous
(``--relax``). Reported: HiGHS's run time of the MIP over that of its relaxation.

``--time-limit`` gives chipalloc (``--time-limit``) and the floor MIP (HiGHS's ``time_limit``)
the same limit; each then reports the gap it reached and its bound. chipalloc's own MIP start
(``solve/backend/mip_start.py``, MIPs of at least 500 integer columns) is read from its
solver log.

Runs alternate (chipalloc, floor MIP, floor LP) ``--repeats`` times; medians of wall time and
peak resident memory of each child. Results: benchmarks/results/mip.json and mip.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from run import run_child, scenario_for  # noqa: E402


def discrete_features(folder: Path, racks: bool = True) -> None:
    """Add section 7 features to a generated scenario folder, in place (pandas); without
    ``racks`` the chips get no rack rule."""
    import pandas as pd

    chips = pd.read_csv(folder / "chips.csv", keep_default_na=False)
    rack = chips["vendor"].isin(["nvidia", "amd"]) & racks
    chips["units_per_rack"] = [72 if r else "" for r in rack]
    chips.to_csv(folder / "chips.csv", index=False)
    sites = pd.read_csv(folder / "sites.csv", keep_default_na=False)
    build = sites["max_build_mw"].astype(float) > 0
    full = sites["max_build_mw"].astype(float) * sites["build_cost_usd_per_mw"].astype(float)
    sites["build_fixed_cost_usd"] = (0.05 * full).where(build, 0.0).round(0)
    sites["min_build_mw"] = (0.25 * sites["max_build_mw"].astype(float)).where(build, 0.0)
    builders = list(sites.loc[build, "site"])
    campus = {s: f"campus-{i // 2}" for i, s in enumerate(builders)}
    sites["campus"] = sites["site"].map(campus).fillna("")
    sites.to_csv(folder / "sites.csv", index=False)
    periods = list(pd.read_csv(folder / "periods.csv")["period"])
    n = len(periods)
    clusters = pd.DataFrame(
        [
            ["train-early", 400_000.0, periods[n // 3], periods[n // 3 + 7], "", ""],
            ["train-late", 800_000.0, periods[2 * n // 3], periods[2 * n // 3 + 7], "", ""],
        ],
        columns=["cluster", "pflops", "from_period", "to_period", "chips", "operators"],
    )
    clusters.to_csv(folder / "clusters.csv", index=False)


def scenario(size: str, cache: Path) -> Path:
    """The folder of a size: the base scenario with its discrete features, or a generated one
    with discrete features (``SxCxT-noracks``: the same without racks)."""
    if size == "default":
        import shutil

        from chipalloc.data import write_discrete_default

        shutil.rmtree(cache / "base-discrete", ignore_errors=True)  # exactly today's default
        return write_discrete_default(cache / "base-discrete")
    base, _, tail = size.partition("-")
    folder = cache / f"{size}-seed0-mip2"
    if not (folder / "clusters.csv").exists():
        import shutil

        shutil.copytree(scenario_for(base, cache), folder, dirs_exist_ok=True)
        discrete_features(folder, racks=tail != "noracks")
    return folder


ARRAYS = ("col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_", "integrality_")
"""The HighsLp fields the floor file holds besides the matrix, sense and offset."""


def write_floor_model(folder: Path, path: Path) -> dict:
    """Setup: chipalloc's MIP of ``folder`` as HiGHS holds it, saved to ``path`` (.npz); its
    size."""
    import numpy as np

    from chipalloc.model import build_model
    from chipalloc.solve.backend.options import SolveOptions
    from chipalloc.solve.backend.solver import Solver
    from chipalloc.solve.pipeline import load

    solver = Solver(build_model(load(folder)), SolveOptions())
    solver.load()
    lp = solver.highs.getLp()
    a = lp.a_matrix_
    arrays = {name: np.asarray(getattr(lp, name)) for name in ARRAYS}
    arrays["integrality_"] = np.asarray([int(v) for v in lp.integrality_], dtype=np.uint8)
    np.savez(
        path,
        start=np.asarray(a.start_),
        index=np.asarray(a.index_),
        value=np.asarray(a.value_),
        shape=np.asarray([lp.num_col_, lp.num_row_, int(a.format_), int(lp.sense_)]),
        offset=np.asarray([lp.offset_]),
        **arrays,
    )
    return {"rows": lp.num_row_, "cols": lp.num_col_, "nnz": len(a.value_)}


def read_floor_model(path: Path):
    """The ``HighsLp`` saved by ``write_floor_model``."""
    import highspy
    import numpy as np

    saved = np.load(path)
    n_col, n_row, fmt, sense = (int(x) for x in saved["shape"])
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.sense_ = highspy.ObjSense(sense)
    lp.offset_ = float(saved["offset"][0])
    for name in ARRAYS[:-1]:
        setattr(lp, name, saved[name])
    lp.integrality_ = [highspy.HighsVarType(int(v)) for v in saved["integrality_"]]
    lp.a_matrix_.format_ = highspy.MatrixFormat(fmt)
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_col, n_row
    lp.a_matrix_.start_ = saved["start"]
    lp.a_matrix_.index_ = saved["index"]
    lp.a_matrix_.value_ = saved["value"]
    return lp


def floor(path: Path, gap: float, relax: bool, time_limit: float | None = None) -> None:
    """The floor process: rebuild the saved MIP, solve it (or its LP relaxation); print JSON."""
    import highspy
    import numpy as np

    from chipalloc.solve.backend.mip_start import sub_mip_options
    from chipalloc.solve.backend.options import MIP_OPTIONS

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    model = read_floor_model(path)
    h.passModel(model)
    integers = sum(int(v) == 1 for v in model.integrality_)
    if relax:
        n = h.getNumCol()
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    h.setOptionValue("mip_rel_gap", gap)
    if time_limit is not None and not relax:
        h.setOptionValue("time_limit", time_limit)
    # the options chipalloc gives a MIP that HiGHS starts without a plan
    for name, value in {**MIP_OPTIONS, **sub_mip_options(integers, started=False)}.items():
        h.setOptionValue(name, value)
    h.run()
    info = h.getInfo()
    out = {
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective": info.objective_function_value,
        "highs_s": h.getRunTime(),
    }
    if not relax:
        out["mip_gap"] = info.mip_gap
        out["mip_nodes"] = info.mip_node_count
        out["mip_bound"] = info.mip_dual_bound
    json.dump(out, sys.stdout)
    print()


def start_line(log: Path) -> str | None:
    """chipalloc's MIP start line in its solver log (None if it ran none)."""
    if not log.exists():
        return None
    return next((ln for ln in log.read_text().splitlines() if "chipalloc MIP start" in ln), None)


def bench(
    size: str, repeats: int, gap: float, cache: Path, timeout: float, limit: float | None = None
) -> dict:
    """Alternating runs of chipalloc, the floor MIP and the floor LP relaxation."""
    folder = scenario(size, cache)
    saved = cache / f"{size}-mip.npz"
    shape = write_floor_model(folder, saved)
    out = cache / f"{size}-out"
    me = [sys.executable, str(Path(__file__).resolve())]
    chipalloc = [str(Path(sys.executable).with_name("chipalloc"))]
    runs: dict[str, list] = {"chipalloc": [], "floor": [], "relaxation": []}
    details: dict[str, list] = {"floor": [], "relaxation": [], "chipalloc": []}
    for _ in range(repeats):
        log = cache / f"{size}-highs.log"
        argv = [*chipalloc, "solve", str(folder), "-q", "--force", "--out", str(out)]
        argv += ["--mip-gap", str(gap), "--solver-log", str(log)]
        limited = [] if limit is None else ["--time-limit", str(limit)]
        wall, rss, _ = run_child([*argv, *limited], timeout, ok=(0, 4))  # 4: time limit
        runs["chipalloc"].append((wall, rss))
        details["chipalloc"].append(json.loads((out / "summary.json").read_text()))
        details["chipalloc"][-1]["mip_start"] = start_line(log)
        for name, extra in (("floor", limited), ("relaxation", ["--relax"])):
            argv = [*me, "--floor", str(saved), "--gap", str(gap), *extra]
            wall, rss, text = run_child(argv, timeout)
            runs[name].append((wall, rss))
            details[name].append(json.loads(text.strip().splitlines()[-1]))

    def med(name: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[name])

    summary = details["chipalloc"][-1]
    mip_s = statistics.median(d["highs_s"] for d in details["floor"])
    lp_s = statistics.median(d["highs_s"] for d in details["relaxation"])
    return {
        "size": size,
        "repeats": repeats,
        "mip": shape,
        "chipalloc_s": med("chipalloc", 0),
        "chipalloc_mib": med("chipalloc", 1),
        "floor_s": med("floor", 0),
        "floor_mib": med("floor", 1),
        "time_ratio": med("chipalloc", 0) / med("floor", 0),
        "memory_ratio": med("chipalloc", 1) / med("floor", 1),
        "chipalloc_status": summary["status"],
        "chipalloc_objective": summary.get("objective"),
        "chipalloc_gap": summary.get("mip_gap"),
        "chipalloc_bound": summary.get("mip_bound"),
        "chipalloc_mip_start": summary.get("mip_start"),
        "time_limit": limit,
        "floor_status": details["floor"][-1]["status"],
        "floor_bound": details["floor"][-1].get("mip_bound"),
        "floor_objective": details["floor"][-1]["objective"],
        "floor_gap": details["floor"][-1].get("mip_gap"),
        "floor_nodes": details["floor"][-1].get("mip_nodes"),
        "relaxation_objective": details["relaxation"][-1]["objective"],
        "highs_mip_s": mip_s,
        "highs_lp_s": lp_s,
        "mip_over_lp": mip_s / lp_s,
        "walls": runs,
    }


def gap_text(gap: float | None) -> str:
    """A gap for the table ("none" without a plan)."""
    return "none" if gap is None or gap >= 1e20 else f"{gap:.1e}"


def markdown(results: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| size | MIP rows x cols (nnz) | chipalloc solve | floor (passModel + highspy) | ratio | "
        "chipalloc MiB | floor MiB | memory ratio | HiGHS MIP | HiGHS LP relaxation | "
        "MIP / LP | gap (chipalloc, floor) | MIP / LP objective |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m = r["mip"]
        lines.append(
            f"| {r['size']} | {m['rows']:,} x {m['cols']:,} ({m['nnz']:,}) | "
            f"{r['chipalloc_s']:.2f} s | {r['floor_s']:.2f} s | {r['time_ratio']:.2f} | "
            f"{r['chipalloc_mib']:.0f} | {r['floor_mib']:.0f} | {r['memory_ratio']:.2f} | "
            f"{r['highs_mip_s']:.2f} s | {r['highs_lp_s']:.2f} s | {r['mip_over_lp']:.1f} | "
            f"{gap_text(r['chipalloc_gap'])}, {gap_text(r['floor_gap'])} | "
            f"{r['floor_objective'] / r['relaxation_objective']:.4f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, or (``--floor FILE``) be the floor process."""
    ap = argparse.ArgumentParser(description="chipalloc MIP vs highspy alone")
    ap.add_argument("--sizes", default="default,50x10x60")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gap", type=float, default=1e-4)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--time-limit", type=float, help="time limit of chipalloc and the floor MIP")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "chipalloc-mip")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--floor", type=Path, help="(internal) solve this saved model and exit")
    ap.add_argument("--relax", action="store_true", help="(internal) the LP relaxation")
    args = ap.parse_args(argv)
    if args.floor:
        floor(args.floor, args.gap, args.relax, args.time_limit)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes.split(","):
        start = time.perf_counter()
        results.append(
            bench(size, args.repeats, args.gap, args.cache, args.timeout, args.time_limit)
        )
        print(f"{size}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "mip.json").write_text(json.dumps(results, indent=2))
    (args.out / "mip.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
