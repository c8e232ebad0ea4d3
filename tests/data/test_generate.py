"""chipalloc generate: deterministic, valid, solvable synthetic scenarios."""

from __future__ import annotations

import filecmp

import pytest
from typer.testing import CliRunner

from chipalloc.data import load_scenario
from chipalloc.data.generate import Size, write_generated
from chipalloc.solve.cli.app import app
from chipalloc.solve.pipeline import solve, write
from chipalloc.solve.results.checker import check_results

FILES = [
    "periods.csv",
    "chips.csv",
    "chip_supply.csv",
    "sites.csv",
    "site_power.csv",
    "initial_fleet.csv",
    "policies.csv",
    "scenario.yaml",
]


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a = write_generated(tmp_path / "a", Size(7, 5, 10, seed=3))
    b = write_generated(tmp_path / "b", Size(7, 5, 10, seed=3))
    c = write_generated(tmp_path / "c", Size(7, 5, 10, seed=4))
    match, mismatch, errors = filecmp.cmpfiles(a, b, FILES, shallow=False)
    assert match == FILES and not mismatch and not errors
    assert filecmp.cmpfiles(a, c, FILES, shallow=False)[1], "another seed changes the data"


@pytest.mark.parametrize("size", [Size(1, 1, 1), Size(2, 1, 3, 5), Size(9, 6, 20, 2)])
def test_generated_scenarios_load_and_have_the_requested_size(tmp_path, size):
    sc = load_scenario(write_generated(tmp_path / "s", size))
    assert (len(sc.sites), len(sc.chips), sc.n_periods) == (size.sites, size.chips, size.periods)
    chips, sites = sc.chips, sc.sites
    assert chips["perf_pflops"].between(1.0, 2.5).all()
    assert chips["power_kw"].between(1.0, 2.0).all()
    assert sc.chip_supply["unit_cost_usd"].between(10_000, 50_000).all()
    assert sites["pue"].between(1.1, 1.4).all()
    assert sc.site_power["power_mw"].max() <= 2000
    leased = sites[sites["operator"] != "proprietary"]
    assert leased["lease_usd_per_kw_month"].between(120, 250).all()
    assert not sc.warnings


def test_bad_size_is_refused():
    with pytest.raises(ValueError, match="sites must be at least 1"):
        Size(0, 1, 1)


def test_small_scenario_solves_with_power_and_supply_binding(tmp_path):
    sc = load_scenario(write_generated(tmp_path / "s", Size(8, 4, 16, seed=1)))
    run = solve(sc)
    assert run.outcome.status == "optimal"
    duals = run.results.duals
    binding = duals[duals["shadow_price"].abs() > 1e-9]["family"].value_counts()
    assert binding.get("power", 0) > 0 and binding.get("supply", 0) > 0
    unmet = sum(run.results.summary["unmet_pflops"].values())
    assert unmet <= 0.01 * sc.periods["demand_pflops"].sum()
    assert (sc.sites["max_build_mw"] > 0).any()
    write(run, tmp_path / "out", run.solver.options, force=False)
    assert check_results(sc, tmp_path / "out") == []


def test_cli_generate_writes_and_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    out = tmp_path / "g"
    args = ["generate", str(out), "--sites", "3", "--chips", "2", "--periods", "6"]
    first = runner.invoke(app, [*args, "--seed", "9"])
    assert first.exit_code == 0, first.output
    assert load_scenario(out).n_periods == 6
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert runner.invoke(app, ["generate", str(tmp_path / "h"), "--sites", "0"]).exit_code == 2
