"""The embedded default scenario: it solves to a checked, plausible plan, and so does every
variant in its variants.yaml."""

from __future__ import annotations

import re

import pytest
import yaml

from chipalloc.data import BASE_DIR, load_scenario
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.pipeline import load, solve, write
from chipalloc.solve.results.checker import check_results

VARIANTS = list(yaml.safe_load((BASE_DIR / "variants.yaml").read_text()))


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    run = solve(load_scenario(BASE_DIR), SolveOptions())
    out = tmp_path_factory.mktemp("base") / "results"
    if run.outcome.status == "optimal":
        write(run, out, SolveOptions(), force=True)
    return run, out


def test_base_is_optimal_and_passes_the_plan_checker(base_run):
    run, out = base_run
    assert run.outcome.status == "optimal"
    assert check_results(run.scenario, out) == []


def test_base_plan_is_plausible(base_run):
    """Demand is met; the fleet fits the sites' power; every modern chip that is not
    dominated is used. Broadcom-XPU is not required: at its sourced price ($80k for
    2.5 PFLOPS, $32k per PFLOPS, 0.80 kW per PFLOPS) it costs more per PFLOPS and per MW
    than VR200 ($125k for 5 PFLOPS, $25k per PFLOPS, 0.72 kW per PFLOPS) in every
    quarter, so a min-cost plan buys it only under a commitment (data/base/SOURCES.md)."""
    run, _ = base_run
    res = run.results
    assert sum(res.summary["unmet_pflops"].values()) == pytest.approx(0.0, abs=1e-6)
    bought = res.plan.groupby("chip")["buy_units"].sum()
    for chip in ("GB200", "GB300", "VR200", "MI355X", "MI450", "Maia200"):
        assert bought.get(chip, 0.0) > 0, chip
    assert (res.sites["used_mw"] <= res.sites["capacity_mw"] + 1e-6).all()
    # power is binding somewhere: some site-quarter has a positive value of one more MW
    assert (res.sites["power_shadow_price"] > 0).any()


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_solves(variant):
    run = solve(load(BASE_DIR, BASE_DIR / "variants.yaml", variant), SolveOptions())
    assert run.outcome.status == "optimal", variant


def test_default_scenario_is_well_scaled(tmp_path):
    """HiGHS's reported matrix, cost and right-hand-side ranges each span at most 1e6."""
    log = tmp_path / "highs.log"
    run = solve(load_scenario(BASE_DIR), SolveOptions(solver_log=log))
    assert run.outcome.status == "optimal"
    ranges = dict(re.findall(r"^\s+(Matrix|Cost|RHS)\s+\[(.*?)\]", log.read_text(), re.M))
    assert set(ranges) == {"Matrix", "Cost", "RHS"}
    for name, span in ranges.items():
        low, high = (float(x) for x in span.split(","))
        assert high / low <= 1e6, (name, span)
