#!/usr/bin/env bash
# Every figure of BENCHMARKS.md in one command (about 75 minutes on 2 cores; --quick skips the
# 200x20x120 pair, which is most of it). Run from a checkout with `pip install -e ".[test]"`.
# Results land in benchmarks/results/ (latest.*, sweep-*, 200x20x120/latest.*).
set -euo pipefail
cd "$(dirname "$0")/.."
python benchmarks/run.py --sizes default,50x10x60,100x10x60 --repeats 3
python benchmarks/bench_sweep.py 50x10x60
python benchmarks/bench_sweep.py default
if [ "${1:-}" != "--quick" ]; then
    # same method and options on both sides, side by side (one core each): see BENCHMARKS.md
    python benchmarks/run.py --sizes 200x20x120 --repeats 1 --no-phases 200x20x120 \
        --side-by-side 200x20x120 --method ipm-nox --highs-option presolve=off \
        --timeout 5400 --out benchmarks/results/200x20x120
fi
