"""Hand-solved scenarios, one per constraint family and cost term (MODEL.md section 4).

Each test's docstring holds the arithmetic of its optimum. Unless a test says otherwise:
periods of one year, discount rate 0, chip X with 1 PFLOPS and 1 kW per unit, a liquid
site A of operator ``own`` with PUE 1 and no lease, free energy.
"""

from __future__ import annotations

import pandas as pd
import pytest
from builders import chip, periods, power, site, supply

NO_DISCOUNT = {"discount_rate": 0.0}


def buys(run) -> dict[tuple[str, str, str], float]:
    plan = run.results.plan
    return {(r.chip, r.site, r.period): r.buy_units for r in plan.itertuples() if r.buy_units}


def site_rows(run, site_id: str) -> pd.DataFrame:
    sites = run.results.sites
    return sites[sites["site"] == site_id].set_index("period")


def test_capex_share_and_lifetime(solve_case):
    """Lifetime 2, three periods, 10 PFLOPS needed each period, 100 USD a unit.

    Buy 10 in P0 (serves P0, P1; a = min(2, 3)/2 = 1) and 10 in P2 (a = min(2, 1)/2 = 0.5):
    1000 + 500 = 1500 USD. The P0 units retire after P1, so P2 must buy again.
    """
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(3, 10.0),
        chips=[chip(lifetime_periods=2)],
        chip_supply=supply("X", 3, 1e6, 100.0),
        sites=[site()],
        site_power=power("A", 3, 100.0),
    )
    assert run.outcome.status == "optimal"
    assert run.outcome.objective == pytest.approx(1500.0)
    assert buys(run) == pytest.approx({("X", "A", "P0"): 10.0, ("X", "A", "P2"): 10.0})
    fleet = run.results.plan.set_index("period")["fleet_units"]
    assert list(fleet) == pytest.approx([10.0, 10.0, 10.0])


def test_discounting(solve_case):
    """As above with an 8 % rate: P2 costs 500 / 1.08^2 = 428.67, total 1428.67 USD."""
    run = solve_case(
        {"discount_rate": 0.08},
        periods=periods(3, 10.0),
        chips=[chip(lifetime_periods=2)],
        chip_supply=supply("X", 3, 1e6, 100.0),
        sites=[site()],
        site_power=power("A", 3, 100.0),
    )
    assert run.outcome.objective == pytest.approx(1000.0 + 500.0 / 1.08**2)
    costs = run.results.costs.set_index(["period", "kind"])
    assert costs.loc[("P2", "capex"), "nominal_usd"] == pytest.approx(500.0)
    assert costs.loc[("P2", "capex"), "discounted_usd"] == pytest.approx(500.0 / 1.08**2)


def test_power_limit_and_its_shadow_price(solve_case):
    """A has 5 MW (5,000 units), B is unlimited but leases at 10 USD/kW-month.

    8,000 PFLOPS: 5,000 units at A, 3,000 at B: lease 3,000 kW x 12 x 10 = 360,000 USD.
    One more MW at A moves 1,000 units off B: it is worth 1,000 x 12 x 10 = 120,000 USD.
    """
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(1, 8000.0),
        chips=[chip(lifetime_periods=1)],
        chip_supply=supply("X", 1, 1e6, 0.0),
        sites=[site(site="A"), site(site="B", operator="lessor", lease_usd_per_kw_month=10.0)],
        site_power=power("A", 1, 5.0) + power("B", 1, 1000.0),
    )
    assert buys(run) == pytest.approx({("X", "A", "P0"): 5000.0, ("X", "B", "P0"): 3000.0})
    assert run.outcome.objective == pytest.approx(360_000.0)
    a = site_rows(run, "A").loc["P0"]
    assert a["used_mw"] == pytest.approx(5.0)
    assert a["power_shadow_price"] == pytest.approx(120_000.0)
    assert site_rows(run, "B").loc["P0", "power_shadow_price"] == pytest.approx(0.0)


def test_pue_scales_facility_power(solve_case):
    """PUE 1.25 on 5 MW leaves 4 MW of IT load: 4,000 units at A, 4,000 at B (480,000 USD)."""
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(1, 8000.0),
        chips=[chip(lifetime_periods=1)],
        chip_supply=supply("X", 1, 1e6, 0.0),
        sites=[
            site(site="A", pue=1.25),
            site(site="B", operator="lessor", lease_usd_per_kw_month=10.0),
        ],
        site_power=power("A", 1, 5.0) + power("B", 1, 1000.0),
    )
    assert buys(run) == pytest.approx({("X", "A", "P0"): 4000.0, ("X", "B", "P0"): 4000.0})
    assert run.outcome.objective == pytest.approx(480_000.0)


def test_supply_limit(solve_case):
    """X: 100 units at 10 USD; Y: unlimited at 20 USD; 150 PFLOPS -> 100 X + 50 Y = 2,000 USD.

    One more X unit saves 20 - 10 = 10 USD: the supply row's shadow price is -10 USD/unit.
    """
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(1, 150.0),
        chips=[
            chip(chip="X", lifetime_periods=1),
            chip(chip="Y", vendor="amd", lifetime_periods=1),
        ],
        chip_supply=supply("X", 1, 100.0, 10.0) + supply("Y", 1, 1e6, 20.0),
        sites=[site()],
        site_power=power("A", 1, 100.0),
    )
    assert buys(run) == pytest.approx({("X", "A", "P0"): 100.0, ("Y", "A", "P0"): 50.0})
    assert run.outcome.objective == pytest.approx(2000.0)
    duals = run.results.duals.set_index(["family", "chip", "period"])
    assert duals.loc[("supply", "X", "P0"), "shadow_price"] == pytest.approx(-10.0)


def build_case(max_build: float) -> dict:
    """Own site B with no MW, lead 1, 1 MUSD/MW, build life 4; 2,000 PFLOPS in P1 and P2."""
    return dict(
        settings={**NO_DISCOUNT, "unmet_penalty_usd_per_pflops_year": 1000.0},
        periods=periods(3, [0.0, 2000.0, 2000.0]),
        chips=[chip(lifetime_periods=3)],
        chip_supply=supply("X", 3, 1e6, 0.0),
        sites=[
            site(
                site="B",
                build_cost_usd_per_mw=1e6,
                build_lead_periods=1,
                build_lifetime_periods=4,
                max_build_mw=max_build,
            )
        ],
        site_power=power("B", 3, 0.0)[1:],
    )


def test_build_with_lead_time_and_horizon_share(solve_case):
    """2 MW must start in P0 to serve P1 (lead 1); b = min(4, 3 - 0 - 1)/4 = 0.5.

    Cost 2 MW x 1 MUSD x 0.5 = 1 MUSD; no shortfall.
    """
    run = solve_case(**build_case(max_build=3.0))
    b = site_rows(run, "B")
    assert list(b["build_started_mw"]) == pytest.approx([2.0, 0.0, 0.0])
    assert list(b["built_mw"]) == pytest.approx([0.0, 2.0, 2.0])
    assert run.outcome.objective == pytest.approx(1e6)


def test_build_total_cap_causes_shortfall(solve_case):
    """Cap 1 MW: 1,000 PFLOPS unmet in P1 and P2 at 1,000 USD/PFLOPS-year = 2 MUSD,
    plus 1 MW x 1 MUSD x 0.5 = 0.5 MUSD of building: 2.5 MUSD."""
    run = solve_case(**build_case(max_build=1.0))
    assert run.results.summary["unmet_pflops"] == pytest.approx(
        {"P0": 0.0, "P1": 1000.0, "P2": 1000.0}
    )
    assert run.outcome.objective == pytest.approx(2.5e6)
    costs = run.results.costs.groupby("kind")["discounted_usd"].sum()
    assert costs["shortfall_penalty"] == pytest.approx(2e6)
    assert run.results.summary["total_cost_usd"] == pytest.approx(0.5e6)


def test_demand_unmet_without_supply(solve_case):
    """No chip supply: all 30 PFLOPS of P0 are unmet; penalty 1e9 x 1 year x 30 = 3e10."""
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(1, 30.0),
        chips=[chip()],
        chip_supply=supply("X", 1, 0.0, 5.0),
        sites=[site()],
        site_power=power("A", 1, 1.0),
    )
    assert run.results.summary["unmet_pflops"] == pytest.approx({"P0": 30.0})
    assert run.outcome.objective == pytest.approx(3e10)


def test_period_budget_moves_purchases(solve_case):
    """Lifetime 2; 10 PFLOPS needed in P1 only; X costs 100 in P0 and 300 in P1.

    Unconstrained: 10 units in P0 (a = 1) = 1,000 USD. With a 500 USD budget in P0 only 5
    units fit there; the other 5 are bought in P1 at 300 x a = 0.5: 500 + 750 = 1,250 USD.
    """
    prices = [
        {"chip": "X", "period": "P0", "max_units": 1e6, "unit_cost_usd": 100.0},
        {"chip": "X", "period": "P1", "max_units": 1e6, "unit_cost_usd": 300.0},
    ]
    common = dict(
        chips=[chip(lifetime_periods=2)],
        chip_supply=prices,
        sites=[site()],
        site_power=power("A", 2, 100.0),
    )
    free = solve_case(NO_DISCOUNT, periods=periods(2, [0.0, 10.0]), **common)
    assert free.outcome.objective == pytest.approx(1000.0)
    capped = solve_case(
        NO_DISCOUNT, periods=periods(2, [0.0, 10.0], budget=[500.0, None]), **common
    )
    assert buys(capped) == pytest.approx({("X", "A", "P0"): 5.0, ("X", "A", "P1"): 5.0})
    assert capped.outcome.objective == pytest.approx(1250.0)


def two_operators(policies: list[dict], n: int = 1) -> dict:
    """A (own, free) and B (lessor, 10 USD/kW-month); 100 PFLOPS each period, lifetime 1,
    chips at 1 USD (100 USD a period)."""
    return dict(
        settings=NO_DISCOUNT,
        periods=periods(n, 100.0),
        chips=[chip(lifetime_periods=1)],
        chip_supply=supply("X", n, 1e6, 1.0),
        sites=[site(site="A"), site(site="B", operator="lessor", lease_usd_per_kw_month=10.0)],
        site_power=power("A", n, 10.0) + power("B", n, 10.0),
        policies=policies,
    )


def fleet_at(run, site_id: str) -> dict[str, float]:
    plan = run.results.plan
    return plan[plan["site"] == site_id].set_index("period")["fleet_units"].to_dict()


def test_operator_max_share_from_period(solve_case):
    """own may hold 60 % from P1 on: P0 all 100 at A; P1 60 at A, 40 at B (200 + 4,800 USD)."""
    run = solve_case(
        **two_operators(
            [{"kind": "operator_max_share", "name": "own", "value": 0.6, "from_period": "P1"}], n=2
        )
    )
    assert fleet_at(run, "A") == pytest.approx({"P0": 100.0, "P1": 60.0})
    assert fleet_at(run, "B") == pytest.approx({"P1": 40.0})
    assert run.outcome.objective == pytest.approx(200 + 40 * 12 * 10)


def test_operator_min_share(solve_case):
    """lessor must hold at least 30 %: 30 units at B, lease 30 x 12 x 10 = 3,600 (+100) USD."""
    run = solve_case(
        **two_operators(
            [{"kind": "operator_min_share", "name": "lessor", "value": 0.3, "from_period": ""}]
        )
    )
    assert fleet_at(run, "B") == pytest.approx({"P0": 30.0})
    assert run.outcome.objective == pytest.approx(3700.0)


def test_operator_min_spend(solve_case):
    """At least 1,200 USD of lease to lessor: 1,200 / (12 x 10) = 10 units at B (+100 USD)."""
    run = solve_case(
        **two_operators(
            [
                {
                    "kind": "operator_min_spend_usd",
                    "name": "lessor",
                    "value": 1200.0,
                    "from_period": "",
                }
            ]
        )
    )
    assert fleet_at(run, "B") == pytest.approx({"P0": 10.0})
    assert run.outcome.objective == pytest.approx(1300.0)


def test_vendor_max_share(solve_case):
    """nv (10 USD) may supply half: 50 X + 50 Y (20 USD) = 1,500 USD."""
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(1, 100.0),
        chips=[
            chip(chip="X", lifetime_periods=1),
            chip(chip="Y", vendor="amd", lifetime_periods=1),
        ],
        chip_supply=supply("X", 1, 1e6, 10.0) + supply("Y", 1, 1e6, 20.0),
        sites=[site()],
        site_power=power("A", 1, 100.0),
        policies=[{"kind": "vendor_max_share", "name": "nv", "value": 0.5, "from_period": ""}],
    )
    assert buys(run) == pytest.approx({("X", "A", "P0"): 50.0, ("Y", "A", "P0"): 50.0})
    assert run.outcome.objective == pytest.approx(1500.0)


def test_compatibility_cooling_and_operators(solve_case):
    """Air site A is free; liquid site B leases at 10. L (liquid) can only go to B; M (air,
    operators=own) only to A. 10 PFLOPS of each -> L at B: 10 x 12 x 10 = 1,200 USD."""
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(1, 20.0),
        chips=[
            chip(chip="L", cooling="liquid", lifetime_periods=1),
            chip(chip="M", operators="own", lifetime_periods=1),
        ],
        chip_supply=supply("L", 1, 10.0, 0.0) + supply("M", 1, 10.0, 0.0),
        sites=[
            site(site="A", cooling="air"),
            site(site="B", operator="lessor", lease_usd_per_kw_month=10.0),
        ],
        site_power=power("A", 1, 100.0) + power("B", 1, 100.0),
    )
    assert buys(run) == pytest.approx({("L", "B", "P0"): 10.0, ("M", "A", "P0"): 10.0})
    assert run.outcome.objective == pytest.approx(1200.0)
    assert ("L", "A") not in run.scenario.compatible_pairs
    assert ("M", "B") not in run.scenario.compatible_pairs


def test_initial_fleet_expires_and_pays_energy_and_lease(solve_case):
    """10 initial units serve P0 only (remaining 1); P1 must buy 10 at 100 USD (a = 1/2 with
    lifetime 2 and one period left: 500 USD). Initial units pay lease 10 x 12 x 10 = 1,200 in P0
    and energy 10 kW x 8.76 x 1 x 50 = 4,380; P1's units pay the same: 500 + 2 x 5,580."""
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(2, 10.0),
        chips=[chip(lifetime_periods=2)],
        chip_supply=supply("X", 2, 1e6, 100.0, start=1),
        sites=[site(lease_usd_per_kw_month=10.0)],
        site_power=power("A", 2, 100.0, price=50.0),
        initial_fleet=[{"chip": "X", "site": "A", "units": 10.0, "remaining_periods": 1}],
    )
    assert buys(run) == pytest.approx({("X", "A", "P1"): 10.0})
    assert run.outcome.objective == pytest.approx(500.0 + 2 * (1200.0 + 4380.0))


def test_energy_cost_with_pue_and_load_factor(solve_case):
    """1 unit, PUE 1.2, load factor 0.5, 50 USD/MWh: 1 kW x 1.2 x 0.5 x 8.76 x 50 = 262.8."""
    run = solve_case(
        {**NO_DISCOUNT, "load_factor": 0.5},
        periods=periods(1, 1.0),
        chips=[chip(lifetime_periods=1)],
        chip_supply=supply("X", 1, 1e6, 0.0),
        sites=[site(pue=1.2)],
        site_power=power("A", 1, 100.0, price=50.0),
    )
    assert run.outcome.objective == pytest.approx(262.8)
    energy = run.results.costs.set_index("kind").loc["energy", "nominal_usd"]
    assert energy == pytest.approx(262.8)


def test_max_compute_spends_the_budget(solve_case):
    """Budget 1,000 USD, X (2 PFLOPS) at 100 USD -> 10 units = 20 PFLOPS for one year.

    Buying more is limited by the budget row, whose shadow price is 20 / 1,000 = 0.02
    PFLOPS-years per USD.
    """
    run = solve_case(
        {**NO_DISCOUNT, "objective": "max_compute", "total_budget_usd": 1000.0},
        periods=periods(1, 0.0),
        chips=[chip(perf_pflops=2.0, lifetime_periods=1)],
        chip_supply=supply("X", 1, 1e6, 100.0),
        sites=[site()],
        site_power=power("A", 1, 100.0),
    )
    assert run.outcome.objective == pytest.approx(20.0)
    assert run.results.summary["sense"] == "max"
    assert run.results.summary["unmet_pflops"] == {}
    duals = run.results.duals.set_index("family")
    assert duals.loc["total_budget", "shadow_price"] == pytest.approx(0.02)


def test_initial_fleet_over_power_is_infeasible(solve_case):
    """20 initial units of 1 kW need 0.02 MW; the site has 0.01 MW and nothing to buy."""
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(1, 0.0),
        chips=[chip()],
        chip_supply=supply("X", 1, 0.0, 1.0),
        sites=[site()],
        site_power=power("A", 1, 0.01),
        initial_fleet=[{"chip": "X", "site": "A", "units": 20.0, "remaining_periods": 1}],
    )
    assert run.outcome.status == "infeasible"


def test_initial_fleet_over_power_without_any_decision_is_infeasible(solve_case):
    """Same, but X has no supply row at all: the power row holds no variable and is checked
    before HiGHS runs (model.fixed_rows), naming power at (A, P0)."""
    run = solve_case(
        NO_DISCOUNT,
        periods=periods(1, 0.0),
        chips=[chip()],
        chip_supply=supply("X", 1, 1.0, 1.0)[:0],
        sites=[site()],
        site_power=power("A", 1, 0.01),
        initial_fleet=[{"chip": "X", "site": "A", "units": 20.0, "remaining_periods": 1}],
    )
    assert run.outcome.status == "infeasible"
    [row] = run.outcome.fixed_conflicts
    assert (row.family, row.index) == ("power", ("A", "P0"))
    assert row.violation() == pytest.approx(0.01)
