"""Take-or-pay capacity contracts (MODEL.md section 9), solved by hand.

Every case: one chip X (1 PFLOPS, 1 kW, lifetime 1, free to buy, 1e6 units a period),
periods of one year, discount rate 0, no energy price, so a kW-month of lease is the only
cost. A lease of L USD per kW-month on 1 MW of IT for a year costs L x 12 x 1000 USD:
60,000 USD at 5, 120,000 at 10. Demand 1,000 PFLOPS is 1 MW of IT.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from builders import chip, periods, power, site, supply, write_scenario

from chipalloc.data import load_scenario
from chipalloc.data.overrides import apply_edits
from chipalloc.solve.backend.solver import SolveOptions
from chipalloc.solve.pipeline import solve, write
from chipalloc.solve.results.checker import check_results
from chipalloc.solve.whatif.study import Case, Study

TOP = {"contract": "take_or_pay"}


def scenario(tmp_path, name, n, sites, site_power, policies=()):
    folder = write_scenario(
        tmp_path / name,
        settings={"discount_rate": 0.0},
        periods=periods(n, 1000.0),
        chips=[chip(lifetime_periods=1)],
        chip_supply=supply("X", n, 1e6, 0.0),
        sites=sites,
        site_power=site_power,
        policies=list(policies),
    )
    return load_scenario(folder)


def ramp(tmp_path, name="ramp", max_share=1.0):
    """A (as_used, 10 USD/kW-month, 10 MW) and T (take_or_pay, 5 USD/kW-month, PUE 1,
    1 MW in P0 and 4 MW in P1), two periods."""
    return scenario(
        tmp_path,
        name,
        2,
        [
            site(site="A", operator="ms", lease_usd_per_kw_month=10.0),
            site(site="T", operator="or", lease_usd_per_kw_month=5.0, max_share=max_share, **TOP),
        ],
        power("A", 2, 10.0) + power("T", 2, [1.0, 4.0]),
    )


def forced(tmp_path, name="forced", min_share=0.5):
    """T alone (take_or_pay, 5 USD/kW-month, PUE 1.25, 10 MW), one period."""
    return scenario(
        tmp_path,
        name,
        1,
        [
            site(
                site="T",
                operator="or",
                pue=1.25,
                lease_usd_per_kw_month=5.0,
                min_share=min_share,
                **TOP,
            )
        ],
        power("T", 1, 10.0),
    )


def solved(sc, folder=None):
    run = solve(sc)
    assert run.outcome.status == "optimal", run.outcome.message
    if folder is not None:
        write(run, folder, SolveOptions(), force=False)
    return run


def test_a_cheaper_lease_is_contracted_only_as_far_as_it_is_used(tmp_path):
    """T's fee is half A's, but its 4 MW of P1 dwarf the 1 MW needed.

    With share s <= 0.25, T carries s MW in P0 and 4s in P1 and pays 60,000 x (1 + 4) s:
    cost = 120,000 x (1 - s) + 120,000 x (1 - 4s) + 300,000 s = 240,000 - 300,000 s.
    Above 0.25, P1 is full at T: 120,000 x (1 - s) + 300,000 s = 120,000 + 180,000 s.
    So s = 0.25 (contracting all of P0's 1 MW, s = 1, would idle 3 MW in P1), objective
    165,000: A carries 0.75 MW in P0, T 0.25 MW in P0 and 1 MW in P1, nothing idle;
    T's lease 60,000 x 5 x 0.25 = 75,000.
    """
    run = solved(ramp(tmp_path), tmp_path / "out")
    assert run.outcome.objective == pytest.approx(165_000.0)
    res = run.results
    assert res.summary["shares"] == pytest.approx({"T": 0.25})
    t = res.sites[res.sites["site"] == "T"].set_index("period")
    assert t["contracted_mw"].tolist() == pytest.approx([0.25, 1.0])
    assert t["idle_mw"].tolist() == pytest.approx([0.0, 0.0])
    a = res.sites[res.sites["site"] == "A"]
    assert a["contracted_share"].isna().all() and a["contracted_mw"].isna().all()
    contracts = pd.read_csv(tmp_path / "out" / "contracts.csv")
    assert contracts["lease_usd"].tolist() == pytest.approx([75_000.0])
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["shares"] == {"T": 0.25}


def test_a_min_share_forces_idle_capacity_and_its_cost(tmp_path):
    """1 MW of IT needs 1.25 facility MW, share 0.125 of T's 10 MW, but min_share is 0.5.

    share 0.5: 5 MW contracted, 1.25 used, 3.75 idle. Lease 5 x 12 x 1000 x 0.5 x 10 / 1.25
    = 240,000 USD (the objective); idle cost 5 x 12 x 1000 x 3.75 / 1.25 = 180,000 USD.
    The min_share row's dual: d objective / d share = 60,000 x 10 / 1.25 = 480,000 USD,
    4,800 USD per percentage point.
    """
    run = solved(forced(tmp_path), tmp_path / "out")
    res = run.results
    assert run.outcome.objective == pytest.approx(240_000.0)
    assert res.summary["shares"] == pytest.approx({"T": 0.5})
    assert res.summary["idle_contracted_mw_periods"] == pytest.approx(3.75)
    assert res.summary["idle_contract_cost_usd"] == pytest.approx(180_000.0)
    row = res.contracts.iloc[0]
    assert row["idle_cost_usd"] == pytest.approx(180_000.0)
    assert row["objective_change_per_point"] == pytest.approx(4_800.0)
    dual = res.duals.set_index("family").loc["contract_min_share", "shadow_price"]
    assert dual == pytest.approx(480_000.0)
    lease = res.costs.set_index("kind").loc["lease", "nominal_usd"]
    assert lease == pytest.approx(240_000.0)


def test_operator_min_spend_is_met_by_contracted_capacity(tmp_path):
    """A (ms, 1 USD/kW-month) would carry the 1 MW for 12,000 USD; T (or, 5 USD/kW-month,
    10 MW) must be paid 120,000 USD: 60,000 x 10 x s >= 120,000, s >= 0.2 (2 MW). The
    contracted MW cost the same used or not, so the load moves to T and A costs nothing:
    objective 120,000, with 1 MW idle at T (60,000 USD).
    """
    sc = scenario(
        tmp_path,
        "spend",
        1,
        [
            site(site="A", operator="ms", lease_usd_per_kw_month=1.0),
            site(site="T", operator="or", lease_usd_per_kw_month=5.0, **TOP),
        ],
        power("A", 1, 10.0) + power("T", 1, 10.0),
        [{"kind": "operator_min_spend_usd", "name": "or", "value": 120_000.0, "from_period": ""}],
    )
    run = solved(sc, tmp_path / "out")
    assert run.outcome.objective == pytest.approx(120_000.0)
    assert run.results.summary["shares"] == pytest.approx({"T": 0.2})
    assert run.results.summary["idle_contract_cost_usd"] == pytest.approx(60_000.0)


@pytest.mark.parametrize("edit", ["max_share", "min_share"])
def test_value_per_point_is_the_finite_difference(tmp_path, edit):
    """max_share 0.2 binds in ``ramp`` (optimum 0.25): objective 240,000 - 300,000 x 0.2
    = 180,000, -3,000 USD per point; 0.21 gives 177,000 and 0.19 183,000.
    min_share 0.5 binds in ``forced``: +4,800 USD per point; 0.51 gives 244,800, 0.49 235,200.
    """
    base = ramp(tmp_path, max_share=0.2) if edit == "max_share" else forced(tmp_path)
    value = 0.2 if edit == "max_share" else 0.5
    point = solved(base).results.contracts.iloc[0]["objective_change_per_point"]
    assert point == pytest.approx(-3_000.0 if edit == "max_share" else 4_800.0)
    moved = {}
    for step in (-0.01, 0.01):
        sc = apply_edits(
            base, [{"table": "sites", "where": {"site": "T"}, "column": edit, "set": value + step}]
        )
        moved[step] = solved(sc).outcome.objective
    assert moved[0.01] - solved(base).outcome.objective == pytest.approx(point)
    assert (moved[0.01] - moved[-0.01]) / 2 == pytest.approx(point)


def test_the_checker_catches_a_plan_beyond_its_contracted_power(tmp_path):
    """``ramp`` with T's share edited from 0.25 to 0.2 in sites.csv (and summary.json): T runs
    1 MW in P1 but only 0.2 x 4 = 0.8 MW are contracted; the lease in costs.csv (75,000 USD
    at 0.25) no longer matches the 60,000 x 5 x 0.2 = 60,000 of the edited share either."""
    out = tmp_path / "out"
    sc = ramp(tmp_path)
    solved(sc, out)
    assert check_results(sc, out) == []
    sites = pd.read_csv(out / "sites.csv")
    top = sites["site"] == "T"
    sites.loc[top, "contracted_share"] = 0.2
    sites.loc[top, "contracted_mw"] = 0.2 * sites.loc[top, "power_mw"]
    sites.to_csv(out / "sites.csv", index=False)
    summary = json.loads((out / "summary.json").read_text())
    summary["shares"]["T"] = 0.2
    (out / "summary.json").write_text(json.dumps(summary))
    problems = check_results(sc, out)
    assert any(
        p.startswith("power at T in P1: 1.000 MW used, 0.800 MW available") for p in problems
    )
    assert any(p.startswith("lease in P0") for p in problems), problems


def test_the_checker_catches_a_share_outside_its_bounds(tmp_path):
    """``forced`` with the share edited to 0.4 < min_share 0.5 (0.4 x 10 = 4 MW still carry
    the 1.25 MW used)."""
    out = tmp_path / "out"
    sc = forced(tmp_path)
    solved(sc, out)
    sites = pd.read_csv(out / "sites.csv")
    sites["contracted_share"] = 0.4
    sites["contracted_mw"] = 4.0
    sites.to_csv(out / "sites.csv", index=False)
    summary = json.loads((out / "summary.json").read_text())
    summary["shares"]["T"] = 0.4
    (out / "summary.json").write_text(json.dumps(summary))
    problems = check_results(sc, out)
    assert "contract at T: share 0.4 outside [0.5, 1]" in problems


def test_a_sweep_over_max_share_updates_params_without_rebuild(tmp_path):
    """max_share 0.1, 0.2, 0.3 on ``ramp``: 240,000 - 300,000 x s while s <= 0.25, so
    210,000, 180,000, then the free optimum 165,000; only the first case builds the model.
    A change of contract is structural: back to as_used, the model is rebuilt (T's 5 USD
    lease on the load in use wins: 60,000 x 2 = 120,000)."""
    base = ramp(tmp_path)
    where = {"table": "sites", "where": {"site": "T"}}
    study = Study(base)
    rows = [
        study.evaluate(Case({"max_share": v}, [{**where, "column": "max_share", "set": v}]))
        for v in (0.1, 0.2, 0.3)
    ]
    rows.append(
        study.evaluate(
            Case({"contract": "as_used"}, [{**where, "column": "contract", "set": "as_used"}])
        )
    )
    assert [r["rebuilt"] for r in rows] == [True, False, False, True]
    objectives = [r["objective"] for r in rows]
    assert objectives == pytest.approx([210_000.0, 180_000.0, 165_000.0, 120_000.0])


def test_the_sweep_slope_of_max_share_is_its_dual(tmp_path):
    """The slope of an edit of max_share comes from the contract_max_share dual (the spec's
    rhs): -300,000 USD per unit of share at max_share 0.2 in ``ramp``."""
    base = ramp(tmp_path, max_share=0.2)
    edit = {"table": "sites", "where": {"site": "T"}, "column": "max_share", "set": 0.2}
    row = Study(base).evaluate(Case({"point": 1}, [edit], slopes=True))
    assert row["slope_1"] == pytest.approx(-300_000.0)


def test_the_sweep_slope_of_power_at_a_take_or_pay_site_counts_share_and_lease(tmp_path):
    """In ``ramp`` with P MW offered at T in P1, the share s = 1/P fills P1 exactly (less
    leaves P1 to A's dearer lease, more idles T in P1 at 60,000 (P - 1) USD per unit of
    share): Z(P) = 120,000 (1 - s) + 60,000 s (1 + P) = 180,000 - 60,000 / P, so
    dZ/dP = 60,000 / P**2 = 3,750 USD per MW at P = 4: more MW offered cost more, since the
    same share of a longer ramp contracts less of P0. Scaling T's whole ramp by f gives
    s = 1/(4f) and Z = 90,000 + 75,000 whatever f: slope 0. (The power row's dual alone,
    the value of a MW free of contract, is neither.)"""
    base = ramp(tmp_path)
    at = {"table": "site_power", "column": "power_mw"}
    p1 = {**at, "where": {"site": "T", "period": "P1"}, "set": 4.0}
    row = Study(base).evaluate(Case({"point": 1}, [p1], slopes=True))
    assert row["objective"] == pytest.approx(165_000.0)
    assert row["slope_1"] == pytest.approx(3_750.0, rel=1e-9)
    wider = solved(apply_edits(base, [{**p1, "set": 4.4}])).outcome.objective
    assert wider == pytest.approx(180_000.0 - 60_000.0 / 4.4)
    whole = {**at, "where": {"site": "T"}, "scale": 1.0}
    row = Study(base).evaluate(Case({"point": 1}, [whole], slopes=True))
    assert row["slope_1"] == pytest.approx(0.0, abs=1e-3)


def test_a_v1_scenario_has_no_contract_outputs(tmp_path):
    """Without take_or_pay sites: no share variable, shares {}, no contracts table."""
    sc = scenario(tmp_path, "v1", 1, [site(site="A")], power("A", 1, 10.0))
    run = solved(sc)
    assert not hasattr(run.model, "share")
    assert run.results.summary["shares"] == {}
    assert run.results.contracts is None


def test_solve_shows_the_contracts_and_warns_of_idle_capacity(tmp_path):
    """``forced``: 180,000 USD of idle lease is 75% of the 240,000 objective (> 1%)."""
    from typer.testing import CliRunner

    from chipalloc.solve.cli.app import app

    forced(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["solve", str(tmp_path / "forced"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Take-or-pay contracts" in text
    assert "idle contracted capacity costs $180,000 (discounted), 75.0% of the objective" in text
    assert (out / "contracts.csv").exists()


def test_the_report_draws_contracted_against_used_mw(tmp_path):
    """forced(min_share=0.5): 5 MW contracted of T's 10 MW, 1.25 MW used (1 PFLOPS needs 1 kW
    IT x 1000 units = 1 MW IT, x PUE 1.25). The site chart's red step is the contracted 5 MW,
    its bars the 1.25 MW used."""
    from chipalloc.solve.report.charts import solve_charts
    from chipalloc.solve.report.data import load_solve

    folder = tmp_path / "out"
    solved(forced(tmp_path), folder)
    chart = next(c for c in solve_charts(load_solve(folder)) if c.name == "site_power")
    series = {s.name: s.y for panel in chart.panels for s in panel.series}
    assert series["MW contracted (take-or-pay)"] == pytest.approx([5.0])
    assert series["MW used"] == pytest.approx([1.25])
