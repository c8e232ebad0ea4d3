"""``chipalloc hedge`` as a whole process against a floor (benchmarks/floor_hedge.py).

    python benchmarks/bench_hedge.py [--sizes default,50x10x60] [--futures 5] [--repeats 1]
        [--growth default:1,2,5,10] [--build-sizes default,50x10x60]

For each size: ``default`` runs data/base/futures.yaml; a generated size SxCxT runs F futures
made of variants generated here (future i scales every unit_cost_usd by 1 + 0.05 i and every
power_mw by 1 + 0.03 i; probabilities 1/F; commit_through the period at N/4). Both sides get
the same futures: the floor reads each future's scenario as a folder written beforehand
(outside its timing), chipalloc applies the variants itself (inside its timing). Reported:
wall time and peak RSS of each process (median of --repeats), their ratios (targets: 1.3x
time, 2x memory), and that RP, WS and EEV agree.

``--growth SIZE:F1,F2,...``: chipalloc hedge with F futures against F single ``chipalloc
solve`` processes' sum (the cost of solving the futures one by one), alternating
``--repeats`` times, medians. ``--build-sizes``: the
extensive form's build time in process, F Blocks on one model against F separate
``build_model`` calls, for F = 1, 2, 5, 10.

Results: benchmarks/results/hedge.json and hedge.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import CHIPALLOC, PYTHON, run_child, scenario_for  # noqa: E402

RESULTS = HERE / "results"


def write_folder(sc, folder: Path) -> Path:
    """A scenario's tables and settings as a MODEL.md folder (for the floor to read)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in sc.tables.items():
        if frame is not None:
            frame.to_csv(folder / f"{name}.csv", index=False)
    settings = {k: v for k, v in sc.settings.model_dump().items() if v is not None}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(settings))
    return folder


def generated_futures(scen: Path, n: int, work: Path) -> Path:
    """futures.yaml and variants.yaml for ``n`` generated futures of the scenario ``scen``."""
    from chipalloc.data import load_scenario

    sc = load_scenario(scen)
    labels = sc.period_labels
    variants = {
        f"v{i}": [
            {"table": "chip_supply", "column": "unit_cost_usd", "scale": 1 + 0.05 * i},
            {"table": "site_power", "column": "power_mw", "scale": 1 + 0.03 * i},
        ]
        for i in range(1, n)
    }
    futures = {"f0": {"probability": 1.0 / n}}
    futures.update({f"f{i}": {"probability": 1.0 / n, "variants": [f"v{i}"]} for i in range(1, n)})
    work.mkdir(parents=True, exist_ok=True)
    (work / "variants.yaml").write_text(yaml.safe_dump(variants or {"none": []}))
    doc = {
        "commit_through": labels[len(labels) // 4],
        "overrides": "variants.yaml",
        "futures": futures,
    }
    path = work / "futures.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def futures_for(size: str, n: int, cache: Path, work: Path) -> tuple[Path, Path]:
    scen = scenario_for(size, cache)
    if size == "default" and n == 0:
        return scen, scen / "futures.yaml"
    return scen, generated_futures(scen, n, work)


def floor_spec(scen: Path, futures_path: Path, work: Path) -> Path:
    """SPEC.json of floor_hedge.py: each future's scenario written as a folder."""
    from chipalloc.data import load_scenario
    from chipalloc.data.futures import load_futures

    fs = load_futures(load_scenario(scen), futures_path)
    entries = []
    for f in fs.futures:
        folder = write_folder(f.scenario, work / "floor-futures" / f.name)
        entries.append({"name": f.name, "probability": f.probability, "folder": str(folder)})
    labels = fs.futures[0].scenario.period_labels
    spec = {
        "futures": entries,
        "commit": labels.index(fs.commit_through),
        "reference": fs.reference,
    }
    path = work / "floor-spec.json"
    path.write_text(json.dumps(spec))
    return path


def bench(size: str, n: int, repeats: int, cache: Path, timeout: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="chipalloc-bench-hedge-"))
    try:
        scen, futures_path = futures_for(size, n, cache, work)
        spec = floor_spec(scen, futures_path, work)
        rows: dict[str, list] = {"chipalloc": [], "floor": []}
        info: dict = {}
        for i in range(repeats):
            out = work / f"cli-{i}"
            argv = [CHIPALLOC, "hedge", str(scen), "--futures", str(futures_path)]
            wall, rss, _ = run_child([*argv, "--out", str(out), "--force", "-q"], timeout)
            s = json.loads((out / "summary.json").read_text())
            rows["chipalloc"].append({"wall": wall, "rss": rss, **s["timings_s"]})
            info.update(
                {k: s[k] for k in ("rp", "ws", "eev", "fleet_form", "method") if k in s},
                futures=len(s["futures"]),
            )
            shutil.rmtree(out, ignore_errors=True)
            wall, rss, text = run_child(
                [
                    PYTHON,
                    str(HERE / "floor_hedge.py"),
                    str(spec),
                    str(work / f"floor-{i}"),
                    "--form",
                    info.get("fleet_form", "window"),
                    "--method",
                    _floor_method(info.get("method", "simplex")),
                ],
                timeout,
            )
            floor = json.loads(text.strip().splitlines()[-1])  # after HiGHS 1.16's banner
            rows["floor"].append({"wall": wall, "rss": rss, **floor["timings"]})
            info["floor"] = {k: floor[k] for k in ("rp", "ws", "eev", "rows", "cols", "nnz")}
        med = {
            name: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            for name, runs in rows.items()
        }
        gap = {
            k: abs(info[k] - info["floor"][k]) / max(1.0, abs(info[k]))
            for k in ("rp", "ws", "eev")
            if info.get(k) is not None and info["floor"].get(k) is not None
        }
        return {
            "size": size,
            "repeats": repeats,
            **info,
            "rel_gap": gap,
            "median": med,
            "ratio_wall": med["chipalloc"]["wall"] / med["floor"]["wall"],
            "ratio_rss": med["chipalloc"]["rss"] / med["floor"]["rss"],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _floor_method(method: str) -> str:
    """chipalloc's resolved method name as the floor's (dual/primal simplex -> simplex)."""
    return "simplex" if "simplex" in method or method in ("dual", "primal") else method


def growth(size: str, counts: list[int], cache: Path, timeout: float, repeats: int) -> list[dict]:
    """chipalloc hedge with F futures against F single solves of the same futures, alternating
    ``repeats`` times (medians of the hedge's wall time and of the singles' summed time)."""
    out = []
    for n in counts:
        work = Path(tempfile.mkdtemp(prefix="chipalloc-growth-"))
        try:
            scen = scenario_for(size, cache)
            futures_path = generated_futures(scen, n, work)
            variants = work / "variants.yaml"
            runs = []
            for _ in range(repeats):
                argv = [CHIPALLOC, "hedge", str(scen), "--futures", str(futures_path)]
                wall, rss, _ = run_child(
                    [*argv, "--out", str(work / "hedge"), "--force", "-q"], timeout
                )
                singles = 0.0
                for i in range(n):
                    argv = [
                        CHIPALLOC,
                        "solve",
                        str(scen),
                        "--out",
                        str(work / f"s{i}"),
                        "--force",
                        "-q",
                    ]
                    if i:
                        argv += ["--overrides", str(variants), "--variant", f"v{i}"]
                    singles += run_child(argv, timeout)[0]
                runs.append((wall, rss, singles))
            wall, rss, singles = (statistics.median(r[j] for r in runs) for j in range(3))
            timings = json.loads((work / "hedge" / "summary.json").read_text())["timings_s"]
            out.append(
                {
                    "size": size,
                    "futures": n,
                    "repeats": repeats,
                    "hedge_s": wall,
                    "hedge_rss": rss,
                    "singles_s": singles,
                    "ratio": wall / singles,
                    "timings": timings,
                }
            )
            print(json.dumps(out[-1]), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return out


def build_times(size: str, cache: Path) -> list[dict]:
    """Build time of the extensive form (F Blocks, one model) against F build_model calls."""
    from chipalloc.data import load_scenario
    from chipalloc.data.futures import load_futures
    from chipalloc.model import build_model
    from chipalloc.model.extensive import build_extensive

    rows = []
    for n in (1, 2, 5, 10):
        work = Path(tempfile.mkdtemp(prefix="chipalloc-build-"))
        try:
            scen = scenario_for(size, cache)
            fs = load_futures(load_scenario(scen), generated_futures(scen, n, work))
            scs = {f.name: f.scenario for f in fs.futures}
            t = time.perf_counter()
            build_extensive(scs, {f.name: f.probability for f in fs.futures}, fs.committed)
            blocks = time.perf_counter() - t
            t = time.perf_counter()
            for sc in scs.values():
                build_model(sc)
            separate = time.perf_counter() - t
            rows.append({"size": size, "futures": n, "blocks_s": blocks, "separate_s": separate})
            print(json.dumps(rows[-1]), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return rows


def markdown(results: dict) -> str:
    lines = [
        "| size | futures | extensive LP rows x cols | chipalloc hedge | floor | ratio | "
        "chipalloc peak MiB | floor peak MiB | memory ratio | RP, WS, EEV agree (rel.) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.get("whole", []):
        f = r["floor"]
        gap = max(r["rel_gap"].values()) if r["rel_gap"] else float("nan")
        lines.append(
            f"| {r['size']} | {r['futures']} | {f['rows']:,} x {f['cols']:,} | "
            f"{r['median']['chipalloc']['wall']:.2f} s | {r['median']['floor']['wall']:.2f} s | "
            f"**{r['ratio_wall']:.2f}** | {r['median']['chipalloc']['rss']:.0f} | "
            f"{r['median']['floor']['rss']:.0f} | {r['ratio_rss']:.2f} | {gap:.1e} |"
        )
    if results.get("growth"):
        lines += [
            "",
            "| size | futures | chipalloc hedge | F single solves | ratio |",
            "|---|---|---|---|---|",
        ]
        for g in results["growth"]:
            lines.append(
                f"| {g['size']} | {g['futures']} | {g['hedge_s']:.2f} s | {g['singles_s']:.2f} s "
                f"| {g['ratio']:.2f} |"
            )
    if results.get("build"):
        lines += [
            "",
            "| size | futures | F Blocks on one model | F separate models |",
            "|---|---|---|---|",
        ]
        for b in results["build"]:
            lines.append(
                f"| {b['size']} | {b['futures']} | {b['blocks_s']:.2f} s | "
                f"{b['separate_s']:.2f} s |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="default,50x10x60")
    ap.add_argument("--futures", type=int, default=5, help="futures of a generated size")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--growth", default="", help="SIZE:F1,F2,... (e.g. default:1,2,5,10)")
    ap.add_argument("--build-sizes", default="", help="sizes for the build-time comparison")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--out", type=Path, default=RESULTS / "hedge")
    args = ap.parse_args(argv)
    cache = RESULTS / "scenarios"
    results: dict = {"whole": [], "growth": [], "build": []}
    # processes first: a child's peak RSS (ru_maxrss) starts from the parent's at the fork,
    # so the in-process build measurement, which grows this process, comes last
    for size in (s for s in args.sizes.split(",") if s):
        n = 0 if size == "default" else args.futures
        results["whole"].append(bench(size, n, args.repeats, cache, args.timeout))
        print(json.dumps(results["whole"][-1], default=str), flush=True)
    if args.growth:
        size, counts = args.growth.split(":")
        counts = [int(c) for c in counts.split(",")]
        results["growth"] = growth(size, counts, cache, args.timeout, args.repeats)
    for size in (s for s in args.build_sizes.split(",") if s):
        results["build"] += build_times(size, cache)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    args.out.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
