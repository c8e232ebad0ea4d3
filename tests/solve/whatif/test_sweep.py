"""Sweeps and tornado on one persistent model: every point equals a fresh solve.

Scenario ``plant`` (two periods of a year, 10% discount): chips X (nv, 1 PFLOPS, 1 kW,
lifetime 2, for operators own and lessor) and Y (amd, 2 PFLOPS, 1.5 kW, lifetime 1,
liquid); sites A (own, liquid, small) and B (lessor, air, leased); site C (legacy) holds
100 units of W from the start and no chip can be bought there, so its power row holds no
decision (a row re-checked before each solve).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.data import load_scenario
from chipalloc.data.overrides import apply_edits
from chipalloc.model import build_model
from chipalloc.model.params import update_params
from chipalloc.solve.cli.app import app
from chipalloc.solve.pipeline import solve
from chipalloc.solve.results.extract import plan_table
from chipalloc.solve.whatif.parallel import blocks, run_cases
from chipalloc.solve.whatif.study import Case, SpecError, Study
from chipalloc.solve.whatif.sweep import parse_axis, sweep_cases
from chipalloc.solve.whatif.tornado import parse_tornado, tornado_cases, tornado_table

runner = CliRunner()

X_PRICE = {"table": "chip_supply", "where": {"chip": "X"}, "column": "unit_cost_usd"}
DEMAND = {"table": "periods", "column": "demand_pflops"}
C_POWER = {"table": "site_power", "where": {"site": "C"}, "column": "power_mw"}


@pytest.fixture
def plant(tmp_path):
    return load_scenario(write_scenario(tmp_path / "plant", **plant_tables()))


def plant_tables() -> dict:
    return {
        "settings": {"discount_rate": 0.1},
        "periods": periods(2, [110.0, 170.0]),
        "chips": [
            chip(chip="X", lifetime_periods=2, operators="own;lessor"),
            chip(
                chip="Y",
                vendor="amd",
                perf_pflops=2.0,
                power_kw=1.5,
                lifetime_periods=1,
                cooling="liquid",
            ),
            chip(chip="W", vendor="old", operators="legacy"),
        ],
        "chip_supply": supply("X", 2, 80, 1000.0) + supply("Y", 2, 50, 2600.0),
        "sites": [
            site(site="A", pue=1.2),
            site(site="B", operator="lessor", cooling="air", lease_usd_per_kw_month=0.2),
            site(site="C", operator="legacy", cooling="air"),
        ],
        "site_power": power("A", 2, [0.05, 0.08], 50.0)
        + power("B", 2, 1.0, 80.0)
        + power("C", 2, 0.2, 60.0),
        "initial_fleet": [{"chip": "W", "site": "C", "units": 100, "remaining_periods": 2}],
    }


def buys(sc, model) -> dict:
    plan = plan_table(sc, model)
    return {(r.chip, r.site, r.period): r.buy_units for r in plan.itertuples() if r.buy_units}


def assert_same_as_fresh(study: Study, row: dict, edits: list) -> None:
    fresh = solve(apply_edits(study.base, edits))
    assert row["status"] == fresh.outcome.status, row
    if fresh.outcome.status != "optimal":
        return
    assert row["objective"] == pytest.approx(fresh.outcome.objective, rel=1e-9)
    mine = buys(study.scenario, study.solver.model)
    theirs = buys(fresh.scenario, fresh.model)
    assert mine.keys() == theirs.keys()
    for key, units in theirs.items():
        assert mine[key] == pytest.approx(units, rel=1e-7, abs=1e-6), key


def test_update_params_tells_values_from_structure(plant):
    model = build_model(plant)
    cheaper = apply_edits(plant, [{**X_PRICE, "scale": 0.5}])
    assert update_params(model, plant, cheaper)
    assert model.unit_cost["X", "P1"].value == pytest.approx(0.5)  # USD million per 1,000
    assert update_params(model, cheaper, apply_edits(cheaper, [{**DEMAND, "add": 5}]))
    assert model.demand_pflops["P0"].value == pytest.approx(0.115)  # thousands of PFLOPS
    shifted = {"table": "site_power", "where": {"site": "A"}, "column": "power_mw", "shift": 1}
    assert update_params(model, plant, apply_edits(plant, [shifted]))  # rows exist: values move
    assert model.power_mw["A", "P1"].value == pytest.approx(0.05)
    for edit in (
        {"table": "chips", "where": {"chip": "X"}, "column": "perf_pflops", "set": 2},
        {"table": "periods", "where": {"period": "P0"}, "column": "years", "set": 0.5},
        {"table": "initial_fleet", "column": "units", "set": 50},
        {"table": "sites", "where": {"site": "A"}, "column": "pue", "set": 1.5},
        {"table": "periods", "where": {"period": "P0"}, "column": "capex_budget_usd", "set": 1e6},
        {"table": "sites", "where": {"site": "A"}, "column": "max_build_mw", "set": 5},
    ):
        assert not update_params(model, plant, apply_edits(plant, [edit])), edit
    assert model.power_mw["A", "P1"].value == pytest.approx(0.05)  # refused: nothing changed


def test_every_sweep_point_equals_a_fresh_solve(plant):
    """A 3 x 2 grid of X price and demand, then a shift (values move between existing rows:
    no rebuild), a change of perf (rebuild), C's power below its fleet (a row with no decision
    fails; back to the base structure: rebuild), and two more: each equals a fresh solve."""
    axes = [
        parse_axis({**X_PRICE, "scale": [0.8, 1.0, 2.0]}),
        parse_axis({**DEMAND, "scale": [1.0, 1.3]}),
    ]
    shift = {"table": "site_power", "where": {"site": "A"}, "column": "power_mw", "shift": 1}
    perf = {"table": "chips", "where": {"chip": "X"}, "column": "perf_pflops", "set": 1.5}
    cases = sweep_cases(axes) + [
        Case({"point": 7}, [shift]),
        Case({"point": 8}, [perf]),
        Case({"point": 9}, [{**C_POWER, "set": 0.05}]),
        Case({"point": 10}, [{**X_PRICE, "scale": 1.5}]),
        Case({"point": 11}, [{**DEMAND, "scale": 0.5}]),
    ]
    study = Study(plant)
    rows = []
    for case in cases:
        row = study.evaluate(case)
        assert_same_as_fresh(study, row, case.edits)
        rows.append(row)
    assert [r["rebuilt"] for r in rows] == [True] + [False] * 6 + [True, True, False, False]
    assert rows[8]["status"] == "infeasible"
    assert "power[C, P0]" in rows[8]["message"]
    assert len({round(r["objective"], 3) for r in rows if r["status"] == "optimal"}) == 10


def test_a_failed_point_is_a_row_and_the_others_go_on(plant):
    axis = parse_axis(
        {"table": "chip_supply", "where": {"chip": "X"}, "column": "max_units", "set": [-5, 40]}
    )
    rows = run_cases(plant, sweep_cases([axis]), workers=1, progress=False)
    assert rows[0]["status"] == "invalid"
    assert "sweep point 1" in rows[0]["message"] and "max_units" in rows[0]["message"]
    assert rows[1]["status"] == "optimal"


def test_slope_is_the_dual_of_the_swept_right_hand_side(plant):
    """d objective / d demand in P1, from the duals, matches the objective's finite slope."""
    edit = {**DEMAND, "where": {"period": "P1"}}
    rows = run_cases(
        plant, sweep_cases([parse_axis({**edit, "set": [170, 171]})]), workers=1, progress=False
    )
    finite = rows[1]["objective"] - rows[0]["objective"]
    assert rows[0]["slope_1"] == pytest.approx(finite, rel=1e-9)
    scaled = run_cases(
        plant, sweep_cases([parse_axis({**edit, "scale": [1.0, 1.001]})]), workers=1, progress=False
    )
    assert scaled[0]["slope_1"] * 0.001 == pytest.approx(
        scaled[1]["objective"] - scaled[0]["objective"], rel=1e-6
    )


def test_slope_of_a_price_is_its_cost_share_of_the_plan(plant):
    """d objective / d (scale of X's unit cost) = sum over p of d_p * a_X,p * unit_cost *
    buy[X,.,p]: with X's lifetime 2 over two periods, a_X,0 = 1 and a_X,1 = 1/2; the plan
    does not move for a small change, so the objective's finite slope is the same."""
    rows = run_cases(
        plant, sweep_cases([parse_axis({**X_PRICE, "scale": [1.0, 1.001]})]), workers=1,
        progress=False,
    )  # fmt: skip
    run = solve(plant)
    share = {"P0": 1.0, "P1": 0.5}
    discount = dict(zip(plant.period_labels, plant.discount, strict=True))
    by_hand = sum(
        discount[p] * share[p] * 1000.0 * units
        for (k, _, p), units in buys(plant, run.model).items()
        if k == "X"
    )
    assert by_hand > 0
    assert rows[0]["slope_1"] == pytest.approx(by_hand, rel=1e-9)
    finite = (rows[1]["objective"] - rows[0]["objective"]) / 0.001
    assert rows[0]["slope_1"] == pytest.approx(finite, rel=1e-6)


def test_no_slope_for_a_shift_or_a_rebuild(plant):
    """A shift moves rows in time and a perf change rebuilds: no dual slope, NaN."""
    perf = {"table": "chips", "where": {"chip": "Y"}, "column": "perf_pflops", "set": 2.0}
    shift = {**C_POWER, "shift": 0}
    for edit in (perf, shift):
        row = Study(plant).evaluate(Case({"point": 1}, [edit], slopes=True))
        assert row["status"] == "optimal"
        assert row["slope_1"] != row["slope_1"]  # NaN


def test_axis_values_and_spec_errors():
    assert parse_axis({**X_PRICE, "scale": "0.5:1.5:3"}).values == [0.5, 1.0, 1.5]
    assert parse_axis({**X_PRICE, "set": 7}).values == [7]
    assert (
        parse_axis({**X_PRICE, "scale": [1, 2]}).title == "chip_supply[chip=X].unit_cost_usd scale"
    )
    grid = sweep_cases(
        [parse_axis({**X_PRICE, "scale": [1, 2]}), parse_axis({**DEMAND, "add": [0, 5, 9]})]
    )
    assert len(grid) == 6 and grid[5].label == {"point": 6, "value_1": 2, "value_2": 9}
    for bad in ({**X_PRICE}, {**X_PRICE, "scale": "1:2:0"}, {**X_PRICE, "scale": "a:b:c"}, [1]):
        with pytest.raises(SpecError):
            parse_axis(bad)
    with pytest.raises(SpecError):
        sweep_cases([parse_axis({**X_PRICE, "scale": [1]})] * 3)
    with pytest.raises(SpecError):
        parse_tornado({"p": {**X_PRICE, "scale": [1, 2, 3]}})


def test_tornado_sorts_by_swing_and_keeps_failures(plant):
    spec = {
        "x_price": {**X_PRICE, "scale": [0.9, 1.1]},
        "demand": {"low": [{**DEMAND, "scale": 0.5}], "high": {**DEMAND, "scale": 1.5}},
        "legacy_power": {"low": {**C_POWER, "set": 0.01}, "high": {**C_POWER, "set": 1}},
    }
    rows = run_cases(plant, tornado_cases(parse_tornado(spec)), workers=1, progress=False)
    table = tornado_table(rows)
    assert list(table["parameter"]) == ["demand", "x_price", "legacy_power"]
    base = solve(plant).outcome.objective
    assert table["base_objective"].iloc[0] == pytest.approx(base)
    demand = table.iloc[0]
    assert demand["swing"] == pytest.approx(abs(demand["high_objective"] - demand["low_objective"]))
    assert demand["low_delta"] < 0 < demand["high_delta"]
    legacy = table.iloc[2]
    assert legacy["low_status"] == "infeasible" and pd.isna(legacy["swing"])


def test_process_pool_and_dask_give_the_local_results(plant):
    """Two worker processes, then a Dask LocalCluster on loopback: the same rows."""
    distributed = pytest.importorskip("distributed")
    cases = sweep_cases([parse_axis({**X_PRICE, "scale": [0.8, 1.0, 1.5, 2.0]})])
    local = run_cases(plant, cases, workers=1, progress=False)
    pooled = run_cases(plant, cases, workers=2, progress=False)
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        processes=True,
    ) as cluster:
        remote = run_cases(plant, cases, scheduler=cluster.scheduler_address, progress=False)
    for other in (pooled, remote):
        assert [r["status"] for r in other] == ["optimal"] * 4
        for mine, theirs in zip(local, other, strict=True):
            assert theirs["point"] == mine["point"]
            assert theirs["objective"] == pytest.approx(mine["objective"], rel=1e-9)


def test_sweep_and_tornado_commands(plant, tmp_path):
    out = tmp_path / "sweep"
    edit = "{table: chip_supply, where: {chip: X}, column: unit_cost_usd, scale: '0.5:1.5:3'}"
    args = ["sweep", plant.source, "--edit", edit, "--out", str(out), "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "sweep.csv",
        "sweep.json",
        "sweep.png",
        "manifest.json",
    }
    table = pd.read_csv(out / "sweep.csv")
    assert list(table["value_1"]) == [0.5, 1.0, 1.5]
    assert table["objective"].is_monotonic_increasing
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["axes"][0]["title"] == "chip_supply[chip=X].unit_cost_usd scale"
    bad = runner.invoke(
        app, ["sweep", plant.source, "--edit", "{table: chips}", "--out", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2
    unknown = runner.invoke(
        app,
        [
            "sweep",
            plant.source,
            "--edit",
            "{table: chips, column: nope, set: [1, 2]}",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "y"),
        ],
    )
    assert unknown.exit_code == 2 and "nope" in unknown.output

    spec = tmp_path / "tornado.yaml"
    spec.write_text(
        "x_price: {table: chip_supply, where: {chip: X}, column: unit_cost_usd, "
        "scale: [0.9, 1.1]}\ndemand: {table: periods, column: demand_pflops, "
        "scale: [0.5, 1.5]}\n"
    )
    out = tmp_path / "tornado"
    result = runner.invoke(
        app, ["tornado", plant.source, "--spec", str(spec), "--out", str(out), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "tornado.png").stat().st_size > 1000
    assert list(pd.read_csv(out / "tornado.csv")["parameter"]) == ["demand", "x_price"]


@pytest.mark.parametrize(("n", "workers"), [(10, 2), (7, 3), (3, 4), (50, 2), (1, 1)])
def test_each_worker_gets_one_run_of_consecutive_cases(n, workers):
    runs = blocks(n, workers)
    assert [i for run in runs for i in run] == list(range(n))  # every case once, in order
    assert len(runs) == min(n, workers)
    assert max(map(len, runs)) - min(map(len, runs)) <= 1
