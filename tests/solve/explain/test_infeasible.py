"""Impossible plans (exit 3), shortfalls (a loud warning) and limits (exit 4).

Each infeasible case states the conflict's numbers by hand; the diagnosis must name the
MODEL.md constraint, its index and those numbers, in both fleet forms (the ``fleet_form``
fixture: fleet as a window sum, or as a variable tied to the buys by fleet_balance rows).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.data import load_scenario
from chipalloc.data.generate import Size, write_generated
from chipalloc.model import fleet
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.cli.app import app
from chipalloc.solve.explain import iis
from chipalloc.solve.explain.shortfall import shortfall
from chipalloc.solve.pipeline import solve

runner = CliRunner()


@pytest.fixture(autouse=True, params=["window", "recursion"])
def fleet_form(request, monkeypatch) -> str:
    """Every solve here (CLI and pipeline, fleet form ``auto``) builds fleet in one form:
    ``auto`` picks recursion above WINDOW_LIMIT window terms."""
    monkeypatch.setattr(fleet, "WINDOW_LIMIT", -1 if request.param == "recursion" else 10**12)
    return request.param


def flat(text: str) -> str:
    return " ".join(text.split())


def solve_cli(folder: Path, *extra: str):
    out = folder.parent / "out"
    result = runner.invoke(app, ["solve", str(folder), "--out", str(out), "-q", *extra])
    return result, out


def fleet_over_power(tmp_path: Path, buyable: bool = True) -> Path:
    """410,000 initial units of 1 kW (410 MW at PUE 1) at a 300 MW site, for P0 and P1."""
    return write_scenario(
        tmp_path / "fleet",
        periods=periods(3, 100.0),
        chips=[chip()],
        chip_supply=supply("X", 3, 1000.0, 10.0) if buyable else [],
        sites=[site(site="fairwater-wi")],
        site_power=power("fairwater-wi", 3, 300.0),
        initial_fleet=[
            {"chip": "X", "site": "fairwater-wi", "units": 410_000, "remaining_periods": 2}
        ],
    )


def test_initial_fleet_over_site_power(tmp_path):
    result, out = solve_cli(fleet_over_power(tmp_path))
    assert result.exit_code == 3, result.output
    text = flat(result.output)
    assert re.search(
        r"P[01] at fairwater-wi \(power\): the initial fleet needs 410 MW but 300 MW is available",
        text,
    ), text
    assert "found by IIS" in text
    assert not out.exists()


def test_initial_fleet_over_power_with_nothing_to_buy(tmp_path, fleet_form):
    """No buy variable at the site. Window form: the rows never reach HiGHS and are checked
    directly. Recursion form: the fleet variables carry the initial units, the IIS names
    one period and the note the other."""
    result, _ = solve_cli(fleet_over_power(tmp_path, buyable=False))
    assert result.exit_code == 3, result.output
    text = flat(result.output)
    assert "P2 at fairwater-wi" not in text
    if fleet_form == "window":
        for p in ("P0", "P1"):
            assert f"{p} at fairwater-wi (power): the initial fleet needs 410 MW but 300 MW" in text
        assert "found by rows without decisions" in text
        return
    named = re.search(r"(P[01]) at fairwater-wi \(power\): the initial fleet needs 410 MW", text)
    assert named, text
    other = "P1" if named.group(1) == "P0" else "P0"
    assert f"also over its MW in 1 more period(s): {other}" in text
    assert "found by IIS" in text


def test_min_and_max_share_that_cannot_both_hold(tmp_path):
    """100 PFLOPS stay at own's site A. From P1 own needs >= 80% of compute but <= 50%.

    min share row: max of C_own - 0.8 C subject to C_own <= 0.5 C (so C_B >= C_own) is
    -0.6 C_own <= -60 PFLOPS; max share row: min of C_own - 0.5 C subject to
    C_own >= 0.8 C (so C_B <= C_own / 4) is 0.375 C_own >= 37.5 PFLOPS.
    """
    folder = write_scenario(
        tmp_path / "shares",
        periods=periods(2, 100.0),
        chips=[chip()],
        chip_supply=supply("X", 2, 1000.0, 10.0),
        sites=[site(), site(site="B", operator="ms")],
        site_power=power("A", 2, 1.0) + power("B", 2, 1.0),
        initial_fleet=[{"chip": "X", "site": "A", "units": 100, "remaining_periods": 2}],
        policies=[
            {"kind": "operator_min_share", "name": "own", "value": 0.8, "from_period": "P1"},
            {"kind": "operator_max_share", "name": "own", "value": 0.5, "from_period": ""},
        ],
    )
    result, _ = solve_cli(folder)
    assert result.exit_code == 3, result.output
    text = flat(result.output)
    assert (
        "P1 (operator_min_share): own must have at least 80% of compute, but the other "
        "limits leave own at least 60 PFLOPS below that share" in text
    )
    assert (
        "P1 (operator_max_share): own may have at most 50% of compute, but the other "
        "limits leave own at least 37.5 PFLOPS above that share" in text
    )


def test_min_spend_no_plan_reaches(tmp_path):
    """Lease 100 USD/kW-month at a 1 MW site for 2 years pays at most 2 x 12 x 100 x 1000."""
    folder = write_scenario(
        tmp_path / "spend",
        periods=periods(2, 0.0),
        chips=[chip()],
        chip_supply=supply("X", 2, 10_000.0, 10.0),
        sites=[site(lease_usd_per_kw_month=100.0)],
        site_power=power("A", 2, 1.0),
        policies=[{"kind": "operator_min_spend_usd", "name": "own", "value": 5e6}],
    )
    result, _ = solve_cli(folder)
    assert result.exit_code == 3, result.output
    text = flat(result.output)
    assert (
        "own (operator_min_spend_usd): at least 5,000,000 USD of lease must be paid over the "
        "whole horizon, but at most 2,400,000 USD can be" in text
    )
    # 5e6 USD needs fleet kW f0 + f1 = 4,166.7, f0 <= f1 (P0 buys stay): f1 >= 2,083.3
    assert "P1 at A (power): the fleet needs at least 2.083 MW but 1 MW is available" in text


@pytest.mark.parametrize("buyable", [True, False])
def test_total_budget_below_the_initial_fleet_cost(tmp_path, buyable):
    """1,000 units of 1 kW for 2 one-year periods: lease 12 x 100 x 1000 = 1,200,000 USD and
    energy 1000 x 8.76 x 50 = 438,000 USD a year; discounted 1,638,000 x (1 + 1/1.08)."""
    folder = write_scenario(
        tmp_path / "budget",
        settings={"objective": "max_compute", "total_budget_usd": 1e6},
        periods=periods(2, 0.0),
        chips=[chip()],
        chip_supply=supply("X", 2, 1000.0, 10.0) if buyable else [],
        sites=[site(lease_usd_per_kw_month=100.0)],
        site_power=power("A", 2, 5.0, 50.0),
        initial_fleet=[{"chip": "X", "site": "A", "units": 1000, "remaining_periods": 2}],
    )
    result, _ = solve_cli(folder)
    assert result.exit_code == 3, result.output
    assert (
        "total_budget: the initial fleet's energy and lease alone cost 3,154,667 USD "
        "(discounted) but total_budget_usd is 1,000,000 USD" in flat(result.output)
    )


def test_period_budget_below_what_a_min_spend_needs(tmp_path):
    """1,200,000 USD of lease a year at 100 USD/kW-month needs 1,000 units at 1,000 USD."""
    folder = write_scenario(
        tmp_path / "capex",
        periods=periods(1, 0.0, budget=[0.0]),
        chips=[chip()],
        chip_supply=supply("X", 1, 10_000.0, 1000.0),
        sites=[site(lease_usd_per_kw_month=100.0)],
        site_power=power("A", 1, 5.0),
        policies=[{"kind": "operator_min_spend_usd", "name": "own", "value": 1.2e6}],
    )
    result, _ = solve_cli(folder)
    assert result.exit_code == 3, result.output
    text = flat(result.output)
    assert (
        "P0 (period_budget): purchases and builds cost at least 1,000,000 USD but "
        "capex_budget_usd is 0 USD" in text
    )
    assert "own (operator_min_spend_usd): at least 1,200,000 USD of lease" in text


def test_diagnosis_leaves_the_solver_reusable(tmp_path):
    sc = load_scenario(fleet_over_power(tmp_path))
    run = solve(sc)
    assert run.outcome.status == "infeasible"
    diagnosis = iis.explain_infeasible(run.solver)
    assert [c.family for c in diagnosis.conflicts] == ["power"]
    [c] = diagnosis.conflicts
    assert (c.bound, c.fixed, c.reach) == pytest.approx((300.0, 410.0, 410.0))
    for p in run.model.P:
        run.model.power_mw["fairwater-wi", p] = 500.0
    assert run.solver.solve().status == "optimal"


def test_elastic_resolve_names_the_same_rows(tmp_path):
    """The fallback when no IIS is found: the least violation, variable bounds kept."""
    run = solve(load_scenario(fleet_over_power(tmp_path)))
    conflicts = iis._from_relaxation(run.solver, iis._copy(run.solver))
    assert sorted(c.index for c in conflicts) == [("fairwater-wi", "P0"), ("fairwater-wi", "P1")]
    assert all(c.reach == pytest.approx(410.0) and c.bound == 300.0 for c in conflicts)


def shortfall_case(tmp_path: Path) -> Path:
    """1,000 units a period of a 1 PFLOPS chip that lives 4 periods: P1 can reach 2,000 of
    its 3,000 PFLOPS, so 1,000 are unmet and the P1 supply row binds."""
    return write_scenario(
        tmp_path / "short",
        periods=periods(2, [100.0, 3000.0]),
        chips=[chip()],
        chip_supply=supply("X", 2, 1000.0, 10.0),
        sites=[site()],
        site_power=power("A", 2, 10.0),
    )


def test_shortfall_is_a_loud_warning_with_the_binding_limits(tmp_path):
    result, out = solve_cli(shortfall_case(tmp_path))
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "WARNING: demand is not met in 1 period(s), 1,000 PFLOPS short in total (P1: 1,000)" in (
        text
    )
    assert "supply of X in P1: all 1,000 units bought" in text
    assert "supply of X in P0" not in text
    assert (out / "plan.csv").exists()


def test_no_shortfall_no_warning(tmp_path):
    run = solve(load_scenario(shortfall_case(tmp_path)))
    assert shortfall(run.solver, {"P0": 0.0, "P1": 0.0}) is None
    # interior-point crumbs, relative to demand (100 and 3,000 PFLOPS), are not a shortfall
    assert shortfall(run.solver, {"P0": 5e-8, "P1": 2e-6}) is None
    found = shortfall(run.solver, {"P0": 5e-8, "P1": 4e-6})
    assert found is not None and found.lines()[0].startswith("demand is not met in 1 period(s)")


def bigger(tmp_path: Path) -> Path:
    """6 periods, 3 chips, 4 sites: enough work that HiGHS needs simplex iterations."""
    chips = [chip(chip=f"K{i}", perf_pflops=1.0 + i, power_kw=1.0 + i / 2) for i in range(3)]
    rows = [r for i in range(3) for r in supply(f"K{i}", 6, 500.0, 1000.0 * (i + 1))]
    sites = [site(site=f"S{j}", lease_usd_per_kw_month=10.0 * j) for j in range(4)]
    mw = [r for j in range(4) for r in power(f"S{j}", 6, [0.5 + 0.2 * t for t in range(6)], 40.0)]
    return write_scenario(
        tmp_path / "bigger",
        periods=periods(6, [500.0 * (t + 1) for t in range(6)]),
        chips=chips,
        chip_supply=rows,
        sites=sites,
        site_power=mw,
    )


def test_time_limit_exits_4_and_leaves_earlier_results(tmp_path):
    folder = bigger(tmp_path)
    result, out = solve_cli(folder)
    assert result.exit_code == 0, result.output
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result, out = solve_cli(folder, "--time-limit", "0", "--force")
    assert result.exit_code == 4, result.output
    assert "time_limit" in result.output and "nothing was written" in flat(result.output)
    assert "optimal" not in result.output.replace("optimal;", "")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_iteration_limit_is_reported_as_time_limit(tmp_path, fleet_form):
    if fleet_form == "recursion":
        pytest.skip("the recursion form is solved by interior point: no simplex iterations")
    sc = load_scenario(bigger(tmp_path))
    options = SolveOptions(highs_options={"presolve": "off", "simplex_iteration_limit": 1})
    run = solve(sc, options)
    assert (run.outcome.status, run.outcome.message) == ("time_limit", "iteration limit reached")
    assert run.results is None and run.outcome.objective is None


def test_generated_fleet_over_power_names_site_period_and_mw(tmp_path, fleet_form):
    """The bug of issue "One home for every fact": a generated scenario with the first
    initial_fleet row's units x10. In the recursion form the IIS holds fleet_balance rows,
    which the explanation once could not rank (``ValueError``, exit 1). Both forms must
    exit 3 and name the site, a period and the MW."""
    folder = write_generated(tmp_path / "gen", Size(8, 3, 12))
    fleet_csv = folder / "initial_fleet.csv"
    frame = pd.read_csv(fleet_csv)
    frame.loc[0, "units"] *= 10
    frame.to_csv(fleet_csv, index=False)
    site_id = frame.loc[0, "site"]

    run = solve(load_scenario(folder))
    assert run.outcome.status == "infeasible"
    assert run.model.fleet_form == fleet_form

    result, out = solve_cli(folder)
    assert result.exit_code == 3, result.output
    text = flat(result.output)
    assert re.search(
        rf"\S+ at {site_id} \(power\): the initial fleet needs [\d,.]+ MW but [\d,.]+ MW is "
        "available",
        text,
    ), text
    assert "fleet_balance" not in text or "bookkeeping" in text
    assert not out.exists()
