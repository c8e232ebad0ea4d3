"""The price of independence and near-optimal alternatives (MODEL.md section 10), by hand.

Scenario ``duo``: one period of one year, no discounting (d = 1), demand 100 PFLOPS; chips
X (vendor nv) at $1000 and Y (vendor amd) at $1500, both 1 PFLOPS, lifetime 1 (a = 1), 1000
units of supply each; one own site A with power to spare, no energy price, no lease.
The optimum buys 100 X: Z* = $100,000.

Pareto, cap eps on nv (S = x, T = x + y): x = 100 eps, y = 100 (1 - eps) and
cost(eps) = 1000 * 100 eps + 1500 * 100 (1 - eps) = 150,000 - 50,000 eps. With the row's
right-hand side r (x - eps T <= r): x = 100 eps + r, cost = 150,000 - 500 (100 eps + r),
so mu = d cost / d r = -500 and -mu T / 100 = 500 * 100 / 100 = $500 per point, equal to
the finite difference cost(0.39) - cost(0.40) = 50,000 * 0.01 = $500.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.data import load_scenario
from chipalloc.model.independence import GroupError, parse_group, parse_window
from chipalloc.solve.backend.highs_model import HighsModel
from chipalloc.solve.cli.app import app
from chipalloc.solve.report.html import write_report
from chipalloc.solve.whatif.independence import (
    AlternativesStudy,
    CapCase,
    ParetoStudy,
    extreme_cases,
    mga_cases,
)
from chipalloc.solve.whatif.parallel import run_cases

runner = CliRunner()


def duo_tables(**changes) -> dict:
    tables = {
        "settings": {"discount_rate": 0.0},
        "periods": periods(1, 100.0),
        "chips": [
            chip(chip="X", vendor="nv", lifetime_periods=1),
            chip(chip="Y", vendor="amd", lifetime_periods=1),
        ],
        "chip_supply": supply("X", 1, 1000, 1000.0) + supply("Y", 1, 1000, 1500.0),
        "sites": [site(site="A", operator="own")],
        "site_power": power("A", 1, 100.0),
    }
    tables.update(changes)
    return tables


@pytest.fixture
def duo(tmp_path):
    return write_scenario(tmp_path / "duo", **duo_tables())


def pareto_rows(sc, caps, group="vendor:nv"):
    study = ParetoStudy(sc, None, parse_group(group, sc), parse_window(None, sc))
    return [study.evaluate(CapCase(c)) for c in caps]


def test_marginal_cost_is_the_dual_formula_and_the_finite_difference(duo):
    """cost(eps) = 150,000 - 50,000 eps; $500 per point by -mu T / 100 and by difference."""
    sc = load_scenario(duo)
    r60, r40, r39 = pareto_rows(sc, [0.6, 0.4, 0.39])
    assert r60["objective"] == pytest.approx(150_000 - 50_000 * 0.6)
    assert r40["objective"] == pytest.approx(130_000)
    assert r39["objective"] == pytest.approx(130_500)
    assert r40["share"] == pytest.approx(0.4)
    assert r40["pflops_years"] == pytest.approx(40.0)
    assert r40["total_pflops_years"] == pytest.approx(100.0)
    assert r40["marginal_cost_per_point"] == pytest.approx(500.0)
    assert r40["marginal_cost_per_point"] == pytest.approx(r39["objective"] - r40["objective"])


def test_max_compute_marginal_is_pflops_years_per_point(tmp_path):
    """max_compute, budget $120,000: T (1500 - 500 eps) = 120,000, T(0.5) = 96; with the
    rhs r, T = (120,000 + 500 r) / 1250, mu = 0.4, -mu T / 100 = -0.384 PFLOPS-years per
    point; the finite difference T(0.49) - T(0.5) = 120,000/1255 - 96 = -0.3825."""
    settings = {"discount_rate": 0.0, "objective": "max_compute", "total_budget_usd": 120_000}
    sc = load_scenario(write_scenario(tmp_path / "duomax", **duo_tables(settings=settings)))
    r50, r49 = pareto_rows(sc, [0.5, 0.49])
    assert r50["objective"] == pytest.approx(96.0)
    assert r49["objective"] == pytest.approx(120_000 / 1255)
    assert r50["marginal_cost_per_point"] == pytest.approx(-0.384)
    assert r49["objective"] - r50["objective"] == pytest.approx(-0.3825, abs=1e-3)


def test_an_infeasible_cap_is_a_row(tmp_path):
    """50 X already in service, at most 60 Y: the share of nv is at least 50 / 110 = 45.5%,
    so a 30% cap has no plan (a row with status infeasible), and 60% still solves."""
    tables = duo_tables(
        chip_supply=supply("X", 1, 1000, 1000.0) + supply("Y", 1, 60, 1500.0),
        initial_fleet=[{"chip": "X", "site": "A", "units": 50, "remaining_periods": 1}],
    )
    sc = load_scenario(write_scenario(tmp_path / "held", **tables))
    r60, r30 = pareto_rows(sc, [0.6, 0.3])
    assert r60["status"] == "optimal"
    assert r30["status"] == "infeasible"
    assert pd.isna(r30["objective"])


def test_caps_are_warm_resolves_without_rebuild(duo, monkeypatch):
    """One load of HiGHS for five caps (in-process): each cap only changes a coefficient."""
    loads = []
    original = HighsModel.load
    monkeypatch.setattr(HighsModel, "load", lambda self, m: (loads.append(1), original(self, m)))
    sc = load_scenario(duo)
    group = parse_group("vendor:nv", sc)
    from functools import partial

    study = partial(ParetoStudy, group=group, window=sc.period_labels)
    cases = [CapCase(c) for c in (0.6, 0.5, 0.4, 0.3, 0.2)]
    rows = run_cases(sc, cases, workers=1, progress=False, study=study)
    assert len(loads) == 1
    assert [r["rebuilt"] for r in rows] == [True, False, False, False, False]
    assert [r["objective"] for r in rows] == pytest.approx(
        [150_000 - 50_000 * c for c in (0.6, 0.5, 0.4, 0.3, 0.2)]
    )


def test_a_cap_the_last_plan_meets_is_not_solved_again(duo, monkeypatch):
    """vendor:amd: the optimum (100 X) has share 0, so caps 0.3 and 0 after 0.6 keep its
    plan, $100,000 at $0 per point, without running HiGHS again; a cold study of cap 0
    agrees. vendor:nv: cap 0.6 after 0.4 is looser than the last cap, so it is solved
    (cost(0.6) = $120,000, not the $130,000 of the 0.4 plan)."""
    runs = []
    original = HighsModel.run

    def counted(self, *args, **kwargs):
        runs.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HighsModel, "run", counted)
    sc = load_scenario(duo)
    rows = pareto_rows(sc, [0.6, 0.3, 0.0], group="vendor:amd")
    assert len(runs) == 1
    assert [r["cap"] for r in rows] == [0.6, 0.3, 0.0]
    assert [r["status"] for r in rows] == ["optimal"] * 3
    assert [r["objective"] for r in rows] == pytest.approx([100_000] * 3)
    assert [r["marginal_cost_per_point"] for r in rows] == pytest.approx([0.0] * 3)
    assert [r["iterations"] for r in rows[1:]] == [0, 0]
    (cold,) = pareto_rows(sc, [0.0], group="vendor:amd")
    assert cold["objective"] == pytest.approx(rows[2]["objective"], rel=1e-9)
    assert cold["share"] == pytest.approx(rows[2]["share"])
    r40, r60 = pareto_rows(sc, [0.4, 0.6])
    assert r60["objective"] == pytest.approx(120_000)
    assert r60["share"] == pytest.approx(0.6)


def test_pareto_solves_the_loosest_cap_first_and_keeps_the_order_asked(duo):
    """chipalloc.pareto with caps 0.2, 0.6, 0.4: rows in that order (cost 150,000 - 50,000
    eps), and the 0.6 row is the one that built the model (solved first)."""
    import chipalloc

    table = chipalloc.pareto(duo, "vendor:nv", [0.2, 0.6, 0.4])
    assert table["cap"].tolist() == [0.2, 0.6, 0.4]
    assert table["objective"].tolist() == pytest.approx([140_000, 120_000, 130_000])
    assert table["rebuilt"].tolist() == [False, True, False]


def test_alternatives_ranges_by_hand(duo):
    """Slack 10%: cost <= 110,000. min S_nv: 150,000 - 500 x <= 110,000, x >= 80 (share of
    demand 0.8); max S_nv: 110 X (over-buy, share 1.1); max S_amd: x = 100 - y and
    100,000 + 500 y <= 110,000, y <= 20; min S_amd = 0. The optimum: x = 100, y = 0."""
    sc = load_scenario(duo)
    groups = [parse_group("vendor:nv", sc), parse_group("vendor:amd", sc)]
    study = AlternativesStudy(sc, None, groups, sc.period_labels, 0.10, plans=False)
    rows = {(r["group"], r["direction"]): r for r in map(study.evaluate, extreme_cases(groups, {}))}
    assert rows["vendor:nv", "min"]["pflops_years"] == pytest.approx(80.0)
    assert rows["vendor:nv", "min"]["share"] == pytest.approx(0.8)
    assert rows["vendor:nv", "max"]["pflops_years"] == pytest.approx(110.0)
    assert rows["vendor:amd", "min"]["pflops_years"] == pytest.approx(0.0, abs=1e-6)
    assert rows["vendor:amd", "max"]["share"] == pytest.approx(0.2)
    assert rows["vendor:amd", "max"]["objective"] == pytest.approx(110_000)
    assert study.optimum["objective"] == pytest.approx(100_000)
    assert study.optimum["vendor:nv"]["share"] == pytest.approx(1.0)
    mga = study.evaluate(mga_cases(groups, 1, 0, {})[0])
    assert mga["status"] == "optimal" and mga["objective"] <= 110_000 + 1e-6


def test_unknown_group_or_window_is_an_input_error(duo):
    sc = load_scenario(duo)
    for text in ("vendor:intel", "operator:nobody", "chip:X", "nv"):
        with pytest.raises(GroupError):
            parse_group(text, sc)
    with pytest.raises(GroupError):
        parse_window("P0:P9", sc)
    for command in ("pareto", "alternatives"):
        result = runner.invoke(app, [command, str(duo), "--group", "vendor:intel"])
        assert result.exit_code == 2, result.output


def test_pareto_cli_end_to_end(duo, tmp_path):
    out = tmp_path / "p"
    args = ["pareto", str(duo), "--group", "vendor:nv", "--caps", "0.6,0.4", "--out", str(out)]
    result = runner.invoke(app, [*args, "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "pareto.csv")
    for column in ("cap", "status", "objective", "share", "marginal_cost_per_point"):
        assert column in table
    assert table["objective"].tolist() == pytest.approx([120_000, 130_000])
    assert table["marginal_cost_per_point"].tolist() == pytest.approx([500, 500])
    assert json.loads((out / "pareto.json").read_text())["group"] == "vendor:nv"
    assert (out / "pareto.png").is_file()
    assert write_report(out).kind == "pareto"


def test_alternatives_cli_end_to_end(duo, tmp_path):
    out = tmp_path / "a"
    args = ["alternatives", str(duo), "--slack", "0.1", "--group", "vendor:nv"]
    args += ["--group", "vendor:amd", "--directions", "2", "--out", str(out), "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "share can be 80%-110%" in result.output
    table = pd.read_csv(out / "alternatives.csv")
    for column in ("group", "direction", "status", "pflops_years", "share", "objective"):
        assert column in table
    nv = table[(table["group"] == "vendor:nv") & table["direction"].isin(["min", "max"])]
    assert nv["pflops_years"].tolist() == pytest.approx([80.0, 110.0])
    assert set(table["direction"]) == {"min", "max", "mga-1", "mga-2"}
    plan = pd.read_csv(out / "vendor-nv-min" / "plan.csv")
    assert plan.groupby("chip")["buy_units"].sum().to_dict() == pytest.approx({"X": 80, "Y": 20})
    summary = json.loads((out / "vendor-nv-min" / "summary.json").read_text())
    assert summary["objective"] == pytest.approx(110_000)
    assert write_report(out).kind == "alternatives"


def test_a_warm_solve_without_verdict_is_solved_again_from_scratch():
    """HiGHS can stop with Unknown (status error) on an infeasible cap started from the
    previous basis: the solver state is cleared and the cap solved once more."""
    from types import SimpleNamespace

    from chipalloc.solve.backend.solver import Outcome
    from chipalloc.solve.whatif.independence import warm_solve

    cleared = []
    outcomes = iter(
        [Outcome("error", None, 0.0, message="Unknown"), Outcome("infeasible", None, 0.0)]
    )
    fake = SimpleNamespace(
        solve=lambda: next(outcomes), highs=SimpleNamespace(clearSolver=lambda: cleared.append(1))
    )
    assert warm_solve(fake).status == "infeasible"
    assert cleared == [1]


def test_max_compute_alternatives_by_hand(tmp_path):
    """max_compute, budget $120,000: Z* = 120 PFLOPS-years (all X). Slack 10%: T >= 108.
    min S_nv: 1000 x + 1500 y <= 120,000 and x + y >= 108 give 500 x >= 42,000, x >= 84,
    y = 24, share S / T = 84 / 108; the objective reached is T = 108."""
    settings = {"discount_rate": 0.0, "objective": "max_compute", "total_budget_usd": 120_000}
    sc = load_scenario(write_scenario(tmp_path / "duomax", **duo_tables(settings=settings)))
    groups = [parse_group("vendor:nv", sc)]
    study = AlternativesStudy(sc, None, groups, sc.period_labels, 0.10, plans=False)
    low, high = map(study.evaluate, extreme_cases(groups, {}))
    assert study.optimum["objective"] == pytest.approx(120.0)
    assert low["pflops_years"] == pytest.approx(84.0)
    assert low["share"] == pytest.approx(84 / 108)
    assert low["objective"] == pytest.approx(108.0)
    assert high["pflops_years"] == pytest.approx(120.0)


def test_the_python_api_gives_the_cli_tables(duo):
    """chipalloc.pareto and chipalloc.alternatives, which the two commands call, on the duo
    case: cost(0.4) = 130,000 at $500 per point (as above); the alternatives table equals
    the CLI's alternatives.csv (by hand: cost = 1,000 nv + 1,500 amd, Z* = 100,000 all X;
    within 10%, 110,000, nv runs from 80 to 110 PFLOPS-years)."""
    import chipalloc

    table = chipalloc.pareto(duo, "vendor:nv", [0.4])
    assert table.loc[0, "objective"] == pytest.approx(130_000)
    assert table.loc[0, "marginal_cost_per_point"] == pytest.approx(500)
    ranges = chipalloc.alternatives(duo, ["vendor:nv"], 0.1)
    cli = runner.invoke(
        app, ["alternatives", str(duo), "--group", "vendor:nv", "--slack", "0.1", "-q",
              "--out", str(duo.parent / "alt")],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    written = pd.read_csv(duo.parent / "alt" / "alternatives.csv")
    assert written["pflops_years"].tolist() == pytest.approx(ranges["pflops_years"].tolist())
    assert sorted(ranges["pflops_years"]) == pytest.approx([80.0, 110.0])
    with pytest.raises(GroupError):
        chipalloc.pareto(duo, "vendor:nobody", [0.4])


def test_pareto_and_alternatives_on_a_mip(tmp_path):
    """The duo case with X in racks of 7 (MODEL.md 7.1), demand 100: the optimum is 14 racks
    (98 X) + 2 Y = 98,000 + 3,000 = 101,000. Cap 0.6: nv <= 0.6 (nv + amd) and nv + amd >= 100
    give 8 racks (56 X) + 44 Y = 56,000 + 66,000 = 122,000 (9 racks: 63 + 42 Y = 126,000).
    Cap 0.4: 5 racks (35 X) + 65 Y = 35,000 + 97,500 = 132,500. The marginal cost comes from
    the LP with the racks fixed, where the cap does not bind (0). Alternatives within 10%
    (111,100): nv from 84 (12 racks + 16 Y = 84,000 + 24,000 = 108,000) to 105 (15 racks)."""
    import chipalloc

    tables = duo_tables(
        chips=[
            chip(chip="X", vendor="nv", lifetime_periods=1, units_per_rack=7),
            chip(chip="Y", vendor="amd", lifetime_periods=1),
        ]
    )
    folder = write_scenario(tmp_path / "racks", **tables)
    table = chipalloc.pareto(folder, "vendor:nv", [0.6, 0.4])
    assert table["objective"].tolist() == pytest.approx([122_000, 132_500])
    assert table["share"].tolist() == pytest.approx([0.56, 0.35])
    assert table["marginal_cost_per_point"].tolist() == pytest.approx([0.0, 0.0])
    ranges = chipalloc.alternatives(folder, ["vendor:nv"], 0.1)
    assert sorted(ranges["pflops_years"]) == pytest.approx([84.0, 105.0])
    out = tmp_path / "alt"
    args = ["alternatives", str(folder), "--slack", "0.1", "--group", "vendor:nv"]
    result = runner.invoke(app, [*args, "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "vendor-nv-max" / "summary.json").read_text())
    assert summary["problem"] == "mip" and summary["mip_bound"] is None
    assert summary["objective"] == pytest.approx(105_000)  # 15 racks = 105 X, no Y
    assert "not on its cost" in summary["alternative"]["gap"]
