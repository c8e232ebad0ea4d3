"""Benchmark harness: chipalloc against the floor, per phase, with peak memory.

    python benchmarks/run.py --sizes default,50x10x60 [--repeats 3] [--out benchmarks/results]

For each size (``default`` = the embedded base scenario, ``SxCxT`` = ``chipalloc generate``
with that many sites, chips and quarters, seed 0) it runs, alternating, ``--repeats`` times:

1. ``chipalloc solve`` as a fresh process (the number the ratio uses);
2. the floor (benchmarks/floor.py) as a fresh process, same LP, same HiGHS method;
3. benchmarks/phases.py as a fresh process: the same pipeline with each phase timed
   (load+validate, build, hand-off, solve, extract, write).

It reports medians of wall time and of peak resident memory (``ru_maxrss`` of the child)
and writes them to ``<out>/latest.json`` and ``<out>/latest.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
CHIPALLOC = str(Path(PYTHON).with_name("chipalloc"))


def run_children(
    argvs: list[list[str]], timeout: float, ok: tuple[int, ...] = (0,)
) -> list[tuple[float, float, str]]:
    """Run processes side by side (one at a time when given one); for each return (wall
    seconds, peak RSS MiB, stdout). An exit code outside ``ok`` is an error."""
    with ExitStack() as stack:
        files = [
            (
                stack.enter_context(tempfile.TemporaryFile()),
                stack.enter_context(tempfile.TemporaryFile()),
            )
            for _ in argvs
        ]
        start = time.perf_counter()
        procs = [
            subprocess.Popen(argv, stdout=out, stderr=err)
            for argv, (out, err) in zip(argvs, files, strict=True)
        ]
        done: dict[int, tuple[float, int, float]] = {}
        while len(done) < len(procs):
            for i, proc in enumerate(procs):
                if i in done:
                    continue
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    done[i] = (time.perf_counter() - start, status, usage.ru_maxrss / 1024)
            if time.perf_counter() - start > timeout:
                for i, proc in enumerate(procs):
                    if i not in done:
                        proc.kill()
                        os.wait4(proc.pid, 0)
                raise TimeoutError(f"{' '.join(argvs[0])} ... ran over {timeout:.0f} s")
            time.sleep(0.005)
        results = []
        for i, (argv, (out, err)) in enumerate(zip(argvs, files, strict=True)):
            wall, status, rss = done[i]
            code = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            if code not in ok:
                raise RuntimeError(f"{' '.join(argv)} exited {code}: {err.read().decode()[-800:]}")
            results.append((wall, rss, out.read().decode()))
        return results


def run_child(
    argv: list[str], timeout: float, ok: tuple[int, ...] = (0,)
) -> tuple[float, float, str]:
    """Run a process; return (wall seconds, peak RSS MiB, stdout)."""
    return run_children([argv], timeout, ok)[0]


def scenario_for(size: str, cache: Path) -> Path:
    """The scenario folder of a size name (generated once into ``cache``)."""
    if size == "default":
        from chipalloc.data import BASE_DIR

        return BASE_DIR
    sites, chips, periods = (int(x) for x in size.split("x"))
    folder = cache / f"{size}-seed0"
    if not (folder / "periods.csv").exists():
        from chipalloc.data.generate import Size, write_generated

        write_generated(folder, Size(sites, chips, periods, 0))
    return folder


@dataclass
class Setup:
    """How each size is run: the method and extra HiGHS options both sides get, and whether
    chipalloc and the floor run side by side (one core each) instead of one after the other."""

    method: str = "choose"
    highs_options: list[str] = field(default_factory=list)
    together: bool = False


def bench(
    size: str,
    repeats: int,
    cache: Path,
    timeout: float,
    phases: bool = True,
    setup: Setup | None = None,
) -> dict:
    """Alternating runs of chipalloc, the floor and (``phases``) the phase driver.

    Without ``phases`` the phase times are those chipalloc records in summary.json (every
    phase but write), which saves a third run on sizes that take minutes. The floor uses
    chipalloc's fleet form and method (read from its summary.json, or, side by side, chosen
    up front: then ``setup.method`` must name one)."""
    setup = setup or Setup()
    scen = scenario_for(size, cache)
    work = Path(tempfile.mkdtemp(prefix="chipalloc-bench-"))
    rows: dict[str, list] = {"chipalloc": [], "floor": [], "phases": []}
    info: dict = {}
    extra_cli = [a for o in setup.highs_options for a in ("--highs-option", o)]
    extra_floor = [a for o in setup.highs_options for a in ("--option", o)]

    def floor_argv(i: int) -> list[str]:
        return [
            PYTHON,
            str(HERE / "floor.py"),
            str(scen),
            str(work / f"floor-{i}"),
            "--form",
            info["form"],
            "--method",
            info["method"],
            *extra_floor,
        ]

    if setup.together:
        if setup.method == "choose":
            raise SystemExit("side by side, name the method (--method), not choose")
        from chipalloc.data import load_scenario
        from chipalloc.model.fleet import choose_fleet_form

        info["form"], info["method"] = choose_fleet_form(load_scenario(scen)), setup.method
    try:
        for i in range(repeats):
            out = work / f"cli-{i}"
            cli = [
                CHIPALLOC,
                "solve",
                str(scen),
                "--out",
                str(out),
                "--force",
                "-q",
                "--method",
                setup.method,
                *extra_cli,
            ]
            if setup.together:
                (wall, rss, _), floor_run = run_children([cli, floor_argv(i)], timeout)
            else:
                wall, rss, _ = run_child(cli, timeout)
            summary = json.loads((out / "summary.json").read_text())
            rows["chipalloc"].append({"wall": wall, "rss": rss})
            info["objective"] = summary["objective"]
            info["form"], info["method"] = summary["fleet_form"], summary["method"]
            shutil.rmtree(out, ignore_errors=True)
            if not setup.together:
                floor_run = run_child(floor_argv(i), timeout)
            wall, rss, text = floor_run
            floor = json.loads(text.strip().splitlines()[-1])  # after HiGHS 1.16's banner
            rows["floor"].append({"wall": wall, "rss": rss, **floor["timings"]})
            info["floor_objective"] = floor["objective"]
            info["lp"] = {k: floor[k] for k in ("rows", "cols", "nnz")}

            if not phases:
                rows["phases"].append({"wall": 0.0, "rss": 0.0, **summary["timings_s"]})
                continue
            wall, rss, text = run_child(
                [
                    PYTHON,
                    str(HERE / "phases.py"),
                    str(scen),
                    str(work / f"phases-{i}"),
                    "--method",
                    setup.method,
                ],
                timeout,
            )
            rows["phases"].append(
                {"wall": wall, "rss": rss, **json.loads(text.strip().splitlines()[-1])}
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {
        name: {
            k: statistics.median(r[k] for r in runs)
            for k in runs[0]
            if isinstance(runs[0][k], int | float)
        }
        for name, runs in rows.items()
        if runs
    }
    gap = abs(info["objective"] - info["floor_objective"]) / max(1.0, abs(info["objective"]))
    return {
        "size": size,
        "repeats": repeats,
        **info,
        "objective_rel_gap": gap,
        "median": med,
        "ratio_wall": med["chipalloc"]["wall"] / med["floor"]["wall"],
        "ratio_rss": med["chipalloc"]["rss"] / med["floor"]["rss"],
        "runs": rows,
    }


def markdown(results: list[dict]) -> str:
    """The results as the tables of BENCHMARKS.md."""
    head = (
        "| size | LP rows x cols (nnz) | form, method | chipalloc s | floor s | ratio "
        "| chipalloc MiB | floor MiB | memory ratio |\n|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = [head]
    for r in results:
        m, lp = r["median"], r["lp"]
        lines.append(
            f"| {r['size']} | {lp['rows']:,} x {lp['cols']:,} ({lp['nnz']:,}) | {r['form']}, "
            f"{r['method']} | {m['chipalloc']['wall']:.2f} | {m['floor']['wall']:.2f} | "
            f"{r['ratio_wall']:.2f} | {m['chipalloc']['rss']:.0f} | {m['floor']['rss']:.0f} | "
            f"{r['ratio_rss']:.2f} |\n"
        )
    lines.append(
        "\nPhases, median seconds. chipalloc (one process of benchmarks/phases.py): imports, "
        "load+validate, build, hand-off, solve (HiGHS run time in brackets), extract, write, and "
        "the whole process (the rest: interpreter start, the reduced-cost table, exit). "
        "Floor: read, assemble, pass, solve, write.\n\n"
        "| size | imports | load+validate | build | hand-off | solve (HiGHS) | extract | write "
        "| process | floor read | floor assemble | floor pass | floor solve | floor write |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for r in results:
        p, f = r["median"]["phases"], r["median"]["floor"]
        cells = [f"{p.get(k, 0.0):.2f}" for k in ("imports", "load", "build", "handoff")]
        cells.append(f"{p.get('solve', 0.0):.2f} ({p.get('highs_run', 0.0):.2f})")
        cells += [f"{p.get(k, 0.0):.2f}" for k in ("extract", "write", "wall")]
        cells += [f"{f.get(k, 0.0):.2f}" for k in ("load", "build", "handoff", "solve", "write")]
        lines.append(f"| {r['size']} | " + " | ".join(cells) + " |\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="chipalloc vs the floor, per phase.")
    ap.add_argument("--sizes", default="default,50x10x60")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per process")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "chipalloc-bench")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument(
        "--no-phases",
        default="",
        help="comma-separated sizes timed from summary.json instead of a phase run",
    )
    ap.add_argument("--method", default="choose", help="chipalloc's --method (floor follows)")
    ap.add_argument("--highs-option", action="append", default=[], help="NAME=VALUE for both sides")
    ap.add_argument(
        "--side-by-side",
        default="",
        help="comma-separated sizes where chipalloc and the floor run at once, one core each",
    )
    args = ap.parse_args(argv)
    quick = set(filter(None, args.no_phases.split(",")))
    together = set(filter(None, args.side_by_side.split(",")))
    results = []
    for size in args.sizes.split(","):
        print(f"benchmarking {size} ...", file=sys.stderr, flush=True)
        setup = Setup(args.method, args.highs_option, size in together)
        result = bench(size, args.repeats, args.cache, args.timeout, size not in quick, setup)
        results.append({**result, "setup": asdict(setup)})
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
    }
    (args.out / "latest.json").write_text(json.dumps({**meta, "results": results}, indent=1))
    text = markdown(results)
    (args.out / "latest.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
