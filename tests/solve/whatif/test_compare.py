"""chipalloc compare: the base and each variant side by side, with deltas.

Scenario: one period of one year, no discount; chip X (1 PFLOPS, lifetime 1, 10 USD, free
energy) for site A; site C (operator legacy) already holds 10 units of W that need 0.01 MW
and no chip can be bought there. Demand 50 PFLOPS: buy 40 X for 400 USD.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.solve.cli.app import app
from chipalloc.solve.whatif.compare import compare_table

runner = CliRunner()

VARIANTS = {
    "cheap_x": [
        {"table": "chip_supply", "where": {"chip": "X"}, "column": "unit_cost_usd", "scale": 0.5}
    ],
    "more_demand": [{"table": "periods", "column": "demand_pflops", "add": 10}],
    "no_legacy_power": [
        {"table": "site_power", "where": {"site": "C"}, "column": "power_mw", "set": 0}
    ],
}


@pytest.fixture
def case(tmp_path):
    folder = write_scenario(
        tmp_path / "s",
        settings={"discount_rate": 0.0},
        periods=periods(1, 50.0),
        chips=[chip(lifetime_periods=1, operators="own"), chip(chip="W", vendor="old")],
        chip_supply=supply("X", 1, 100, 10.0),
        sites=[site(), site(site="C", operator="legacy", cooling="air")],
        site_power=power("A", 1, 1.0) + power("C", 1, 0.05),
        initial_fleet=[{"chip": "W", "site": "C", "units": 10, "remaining_periods": 1}],
    )
    overrides = tmp_path / "variants.yaml"
    overrides.write_text(yaml.safe_dump(VARIANTS))
    return folder, overrides


def test_compare_writes_side_by_side_with_deltas(case, tmp_path):
    folder, overrides = case
    out = tmp_path / "cmp"
    args = [
        "compare",
        str(folder),
        "--overrides",
        str(overrides),
        "--out",
        str(out),
        "--workers",
        "1",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 of 4 runs found no optimal plan" in result.output
    assert "(-$200)" in result.output and "(+$100)" in result.output
    table = pd.read_csv(out / "compare.csv").set_index("variant")
    assert list(table.index) == ["base", "cheap_x", "more_demand", "no_legacy_power"]
    assert table.loc["base", "objective"] == pytest.approx(400.0)
    assert table.loc["cheap_x", "objective_delta"] == pytest.approx(-200.0)
    assert table.loc["cheap_x", "objective_delta_pct"] == pytest.approx(-50.0)
    assert table.loc["cheap_x", "cost_capex_usd_delta"] == pytest.approx(-200.0)
    assert table.loc["more_demand", "compute_pflops_years_delta"] == pytest.approx(10.0)
    assert table.loc["more_demand", "vendor_nv_pflops_years"] == pytest.approx(50.0)
    assert table.loc["base", "operator_legacy_pflops_years"] == pytest.approx(10.0)
    failed = table.loc["no_legacy_power"]
    assert failed["status"] == "infeasible" and "power[C, P0]" in failed["message"]
    assert math.isnan(failed["objective_delta"])


def test_compare_chosen_variants_and_unknown_names(case, tmp_path):
    folder, overrides = case
    out = tmp_path / "cmp"
    base = ["compare", str(folder), "--overrides", str(overrides), "--workers", "1"]
    result = runner.invoke(app, [*base, "--variant", "more_demand", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(out / "compare.csv")["variant"]) == ["base", "more_demand"]
    bad = runner.invoke(app, [*base, "--variant", "nope", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "unknown variant" in bad.output


def test_compare_table_deltas_and_failed_base():
    rows = [
        {
            "variant": "base",
            "status": "optimal",
            "message": "",
            "objective": 100.0,
            "built_mw": 5.0,
            "seconds": 1.0,
            "dual_power": -3.0,
        },
        {
            "variant": "v",
            "status": "optimal",
            "message": "",
            "objective": 90.0,
            "built_mw": 7.0,
            "seconds": 2.0,
            "dual_power": -1.0,
        },
    ]
    table = compare_table(rows).set_index("variant")
    assert table.loc["v", "objective_delta_pct"] == pytest.approx(-10.0)
    assert table.loc["v", "built_mw_delta"] == pytest.approx(2.0)
    assert "seconds" not in table.columns and "dual_power" not in table.columns
    rows[0] = {"variant": "base", "status": "infeasible", "message": "no plan"}
    assert "objective_delta" not in compare_table(rows).columns
