"""Sensitivity in the planner's units: ranging, reduced costs, binding constraints.

Ranges are proved by re-solving edited scenarios from scratch: inside a range the plan keeps
its shape and the objective moves by exactly (shadow price x change); just past it the
objective leaves that line and what the report named happens (a purchase starts, a row
becomes binding, ...).
"""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.data import load_scenario
from chipalloc.data.overrides import apply_edits
from chipalloc.solve.cli.app import app
from chipalloc.solve.explain.binding import binding_constraints
from chipalloc.solve.pipeline import solve
from chipalloc.solve.results.reduced_costs import reduced_cost_table
from chipalloc.solve.whatif.ranging import ranging_tables

runner = CliRunner()


def three_chips(folder, objective="min_cost", z_price=20.0):
    """One period of one year, no discount, lifetime 1 (a = 1), 150 PFLOPS needed (or, for
    max_compute, a 1,750 USD budget). X, Y, Z give 1 PFLOPS each for 10, 15, 20 USD, at most
    100 units each. Optimum: 100 X + 50 Y = 1,750 USD (or 150 PFLOPS-years).
    """
    settings = {"discount_rate": 0.0}
    if objective == "max_compute":
        settings.update(objective="max_compute", total_budget_usd=1750.0)
    chips = [chip(chip=k, lifetime_periods=1) for k in "XYZ"]
    costs = supply("X", 1, 100, 10.0) + supply("Y", 1, 100, 15.0) + supply("Z", 1, 100, z_price)
    return load_scenario(
        write_scenario(
            folder,
            settings=settings,
            periods=periods(1, 150.0),
            chips=chips,
            chip_supply=costs,
            sites=[site()],
            site_power=power("A", 1, 1.0),
        )
    )


@pytest.fixture
def ladder(tmp_path):
    """Three periods, 10% discount, two sites, three chips, a capex budget in P1: a plan with
    binding power, supply and demand rows and no degenerate ties (checked by the tests)."""
    chips = [
        chip(chip="X", lifetime_periods=2),
        chip(
            chip="Y",
            vendor="amd",
            perf_pflops=2.0,
            power_kw=1.5,
            lifetime_periods=3,
            cooling="liquid",
        ),
        chip(chip="Z", perf_pflops=1.5, lifetime_periods=1, cooling="liquid"),
    ]
    return load_scenario(
        write_scenario(
            tmp_path / "ladder",
            settings={"discount_rate": 0.1},
            periods=periods(3, [100.0, 200.0, 250.0], budget=[None, 150000.0, None]),
            chips=chips,
            chip_supply=supply("X", 3, 60, 1000)
            + supply("Y", 3, 40, 2600)
            + supply("Z", 3, 1000, 2500),
            sites=[
                site(site="A", pue=1.2),
                site(site="B", operator="lessor", cooling="air", lease_usd_per_kw_month=0.2),
            ],
            site_power=power("A", 3, [0.08, 0.1, 0.12], 50.0) + power("B", 3, 1.0, 80.0),
        )
    )


def report(sc):
    run = solve(sc)
    assert run.outcome.status == "optimal"
    variables, constraints = ranging_tables(sc, run.solver)
    return run, variables.set_index("name"), constraints.set_index("name")


def test_hand_solved_ranging_min_cost(tmp_path):
    """Y is the marginal chip: demand is worth 15 USD/PFLOPS for 50 PFLOPS either way (Y at 0
    or at its supply of 100); X's supply is worth 15 - 10 = 5 USD a unit for 50 either way.
    Y's price may rise 5 (then Z at 20 enters) or fall 5 (then Y ties X); Z needs a 5 USD cut."""
    run, var, con = report(three_chips(tmp_path / "s"))
    assert run.outcome.objective == pytest.approx(1750.0)
    demand, x_supply, site_power = (
        con.loc["demand[P0]"],
        con.loc["supply[X, P0]"],
        con.loc["power[A, P0]"],
    )
    assert (demand["shadow_price"], demand["allowable_increase"], demand["allowable_decrease"]) == (
        pytest.approx(15.0),
        pytest.approx(50.0),
        pytest.approx(50.0),
    )
    assert demand["next_at_increase"] == "buy[Z, A, P0] starts; supply[Y, P0] becomes binding"
    assert demand["next_at_decrease"] == "supply[X, P0] stops binding; buy[Y, A, P0] drops to 0"
    assert x_supply["shadow_price"] == pytest.approx(-5.0)
    assert x_supply["allowable_increase"] == pytest.approx(50.0)
    assert x_supply["allowable_decrease"] == pytest.approx(50.0)
    # a row with slack: free to grow, may shrink to its activity (0.15 MW of 1 MW)
    assert site_power["status"] == "slack" and site_power["shadow_price"] == 0.0
    assert site_power["allowable_increase"] == math.inf
    assert site_power["allowable_decrease"] == pytest.approx(0.85)
    assert site_power["next_at_decrease"] == "power[A, P0] becomes binding"
    y, z = var.loc["buy[Y, A, P0]"], var.loc["buy[Z, A, P0]"]
    assert (y["unit_cost_increase_usd"], y["unit_cost_decrease_usd"]) == (
        pytest.approx(5.0),
        pytest.approx(5.0),
    )
    assert y["next_at_increase"] == "buy[Z, A, P0] starts; buy[Y, A, P0] drops to 0"
    assert z["status"] == "at zero" and z["reduced_cost"] == pytest.approx(5.0)
    assert z["unit_cost_increase_usd"] == math.inf
    assert z["unit_cost_decrease_usd"] == pytest.approx(5.0)


def test_hand_solved_ranging_max_compute_signs(tmp_path):
    """Max compute for 1,750 USD: 100 X + 50 Y = 150 PFLOPS-years. One more USD buys 1/15
    PFLOPS of Y (dual +1/15, LP convention d objective / d rhs, positive when maximising),
    for 750 USD either way; one more X unit saves 10 USD = 2/3 Y: +1 - 2/3 = +1/3. Z's reduced
    cost is 1 - 20/15 = -1/3 (negative: it would lower the objective)."""
    run, var, con = report(three_chips(tmp_path / "s", "max_compute"))
    assert run.outcome.objective == pytest.approx(150.0)
    budget = con.loc["total_budget"]
    assert budget["shadow_price"] == pytest.approx(1 / 15)
    assert budget["allowable_increase"] == pytest.approx(750.0)
    assert budget["allowable_decrease"] == pytest.approx(750.0)
    assert budget["objective_at_increase"] == pytest.approx(200.0)
    assert con.loc["supply[X, P0]", "shadow_price"] == pytest.approx(1 / 3)
    assert var.loc["buy[Z, A, P0]", "reduced_cost"] == pytest.approx(-1 / 3)
    # a cost coefficient here is PFLOPS-years per unit: Z enters if worth 1/3 more
    assert var.loc["buy[Z, A, P0]", "allowable_increase"] == pytest.approx(1 / 3)
    assert math.isnan(var.loc["buy[Z, A, P0]", "unit_cost_increase_usd"])


@pytest.mark.parametrize("objective", ["min_cost", "max_compute"])
def test_break_even_price_brings_the_chip_in(tmp_path, objective):
    """Z would be bought at 15 USD (Y's price) in both senses: just below it enters."""
    run = solve(three_chips(tmp_path / "s", objective))
    table = reduced_cost_table(run.scenario, run.solver).set_index("chip")
    assert not table.loc["Z", "in_plan"]
    assert table.loc["Z", "break_even_unit_cost_usd"] == pytest.approx(15.0)
    assert table.loc["X", "break_even_unit_cost_usd"] == table.loc["X", "unit_cost_usd"] == 10.0
    for price, enters in ((14.9, True), (15.1, False)):
        again = solve(three_chips(tmp_path / f"z{price}", objective, z_price=price))
        bought = again.results.plan.set_index("chip")["buy_units"].get("Z", 0.0)
        assert (bought > 1e-6) == enters


# -- ranges proved by re-solving ---------------------------------------------------------

RHS_EDITS = {
    "power": lambda r, v: {
        "table": "site_power",
        "where": {"site": r["site"], "period": r["period"]},
        "column": "power_mw",
        "set": v,
    },
    "supply": lambda r, v: {
        "table": "chip_supply",
        "where": {"chip": r["chip"], "period": r["period"]},
        "column": "max_units",
        "set": v,
    },
    "demand": lambda r, v: {
        "table": "periods",
        "where": {"period": r["period"]},
        "column": "demand_pflops",
        "set": v,
    },
}
EVENT = re.compile(r"(\w+\[[^\]]*\]|\w+) (starts|drops to 0|becomes binding|stops binding)")


def bought(run) -> set:
    """Which purchases the plan makes (a right-hand side inside its range keeps this set)."""
    return set(amounts(run))


def amounts(run) -> dict:
    """How much of each purchase (a cost inside its range keeps every amount)."""
    plan = run.results.plan
    return {
        (r.chip, r.site, r.period): round(r.buy_units, 6)
        for r in plan.itertuples()
        if r.buy_units > 1e-7
    }


def check_events(phrase: str, var: pd.DataFrame, con: pd.DataFrame) -> None:
    """What the report said would happen at the limit has happened just past it."""
    for name, verb in EVENT.findall(phrase):
        if verb == "starts":
            assert var.loc[name, "value"] > 1e-9, phrase
        elif verb == "drops to 0":
            assert var.loc[name, "value"] <= 1e-9, phrase
        else:
            row = con.loc[name]
            gap = abs(row["rhs"] - row["activity"])
            assert (gap <= 1e-7 * max(1.0, abs(row["rhs"]))) == (verb == "becomes binding"), phrase


def test_rhs_ranges_hold_by_resolving(ladder):
    run, _, con = report(ladder)
    objective, plan = run.outcome.objective, bought(run)
    binding = con[(con["status"] == "binding") & con["family"].isin(RHS_EDITS)]
    assert set(binding["family"]) == set(RHS_EDITS)
    past_limits = 0
    for name, row in binding.iterrows():
        for sign, side in ((1, "increase"), (-1, "decrease")):
            allowed = row[f"allowable_{side}"]
            assert 0 < allowed < math.inf, (name, side)
            edit = RHS_EDITS[row["family"]]
            inside = solve(apply_edits(ladder, [edit(row, row["rhs"] + sign * allowed / 2)]))
            expected = objective + row["shadow_price"] * sign * allowed / 2
            assert inside.outcome.objective == pytest.approx(expected, rel=1e-9), (name, side)
            assert bought(inside) == plan, (name, side)
            assert row[f"objective_at_{side}"] == pytest.approx(
                objective + row["shadow_price"] * sign * allowed, rel=1e-9
            )
            past = row["rhs"] + sign * allowed * 1.05
            if past < 0:
                continue
            beyond = solve(apply_edits(ladder, [edit(row, past)]))
            linear = objective + row["shadow_price"] * (past - row["rhs"])
            if beyond.outcome.status != "optimal":
                continue  # past the limit there is no plan at all: the range held up to it
            assert abs(beyond.outcome.objective - linear) > 1e-7 * abs(objective), (name, side)
            _, var2, con2 = report(beyond.scenario)
            check_events(row[f"next_at_{side}"], var2, con2)
            past_limits += 1
    assert past_limits >= 2 * len(binding) - 2


def test_price_ranges_hold_by_resolving(ladder):
    """Unit-price ranges of chips that only one site can host (liquid Y and Z at A), in
    periods without a capex budget: inside, the same purchases and the objective moves by
    units x d_p x a_k,p x change; just past, the purchases change."""
    run, var, _ = report(ladder)
    objective, plan = run.outcome.objective, amounts(run)
    discount = dict(zip(ladder.period_labels, ladder.discount, strict=True))
    priced = var[var["chip"].isin(["Y", "Z"]) & var["unit_cost_increase_usd"].notna()]
    checked = 0
    for name, row in priced.iterrows():
        life = {"Y": 3, "Z": 1}[row["chip"]]
        share = discount[row["period"]] * min(life, 3 - ladder.period_pos[row["period"]]) / life
        for sign, side in ((1, "increase"), (-1, "decrease")):
            allowed = row[f"unit_cost_{side}_usd"]
            if not 0 < allowed < math.inf or allowed >= row["unit_cost_usd"] and sign < 0:
                continue
            inside = solve(price_edit(ladder, row, row["unit_cost_usd"] + sign * allowed / 2))
            change = row["value"] * share * sign * allowed / 2
            assert inside.outcome.objective == pytest.approx(objective + change, rel=1e-9), name
            assert amounts(inside) == plan, (name, side)
            beyond = solve(price_edit(ladder, row, row["unit_cost_usd"] + sign * allowed * 1.02))
            assert amounts(beyond) != plan, (name, side)
            checked += 1
    assert checked >= 5


def price_edit(sc, row, value):
    where = {"chip": row["chip"], "period": row["period"]}
    edit = {"table": "chip_supply", "where": where, "column": "unit_cost_usd", "set": value}
    return apply_edits(sc, [edit])


def test_binding_constraints_rank_by_value_of_one_percent(tmp_path):
    """demand: 15 USD x 150 PFLOPS / 100 = 22.5; X's supply: 5 x 100 / 100 = 5."""
    run = solve(three_chips(tmp_path / "s"))
    top = binding_constraints(run.scenario, run.results, 10)
    assert list(top["constraint"]) == ["demand[P0]", "supply[X, P0]"]
    assert list(top["value_of_1pct"]) == [pytest.approx(22.5), pytest.approx(5.0)]


# -- commands ------------------------------------------------------------------------------


def test_solve_writes_reduced_costs_and_shows_binding_constraints(tmp_path):
    three_chips(tmp_path / "s")
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(tmp_path / "s"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Most valuable binding constraints" in result.output
    assert "demand[P0]" in result.output
    reduced = pd.read_csv(out / "reduced_costs.csv").set_index("chip")
    assert reduced.loc["Z", "break_even_unit_cost_usd"] == pytest.approx(15.0)
    assert reduced.loc["Z", "reduced_cost_unit"] == "USD per unit"


def test_sensitivity_command_writes_the_report(tmp_path):
    three_chips(tmp_path / "s")
    out = tmp_path / "report"
    result = runner.invoke(app, ["sensitivity", str(tmp_path / "s"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "ranging_variables.csv",
        "ranging_constraints.csv",
        "duals.csv",
        "reduced_costs.csv",
        "summary.json",
        "manifest.json",
    }
    rows = pd.read_csv(out / "ranging_constraints.csv").set_index("name")
    assert rows.loc["power[A, P0]", "allowable_increase"] == math.inf  # written as inf
    assert "inf" in (out / "ranging_constraints.csv").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["binding_constraints"] == 2
    again = runner.invoke(app, ["sensitivity", str(tmp_path / "s"), "--out", str(out)])
    assert again.exit_code == 1 and "--force" in again.output


def test_sensitivity_of_an_infeasible_scenario_exits_3(tmp_path):
    folder = write_scenario(
        tmp_path / "bad",
        periods=periods(1, 10.0),
        chips=[chip()],
        chip_supply=supply("X", 1, 100, 1.0),
        sites=[site()],
        site_power=power("A", 1, 1.0),
        policies=[
            {"kind": "operator_min_spend_usd", "name": "own", "value": 1e9, "from_period": ""}
        ],
    )
    result = runner.invoke(app, ["sensitivity", str(folder), "--out", str(tmp_path / "o")])
    assert result.exit_code == 3, result.output
