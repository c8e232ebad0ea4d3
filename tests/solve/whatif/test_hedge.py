"""``chipalloc hedge`` (MODEL.md section 8) on cases solved by hand.

Common to the cases: periods P0, P1 of one year each, discount rate 0, no energy or lease
cost; chip X (1 PFLOPS, 1 kW, lifetime 2) can be bought in P0 only, so every unit serving
P1 is bought in P0, the committed period (commit_through P0); a unit bought in P0 is
charged its whole price (a = min(2, 2 - 0) / 2 = 1). 1 MW hosts 1,000 units.
"""

from __future__ import annotations

import gc
import json

import pandas as pd
import pytest
import yaml
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.data import BASE_DIR, load_scenario
from chipalloc.data.futures import load_futures
from chipalloc.solve.cli.app import app
from chipalloc.solve.whatif.hedge import run_hedge

runner = CliRunner()
SETTINGS = {"discount_rate": 0.0}


def write_futures(folder, futures, variants=None, **top):
    """futures.yaml (and variants.yaml) in ``folder``."""
    if variants is not None:
        (folder / "variants.yaml").write_text(yaml.safe_dump(variants))
    doc = {"commit_through": "P0", **top, "futures": futures}
    path = folder / "futures.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def hedge(folder, out, *extra):
    result = runner.invoke(app, ["hedge", str(folder), "--out", str(out), "-q", *extra])
    return result


def summary(out):
    return json.loads((out / "summary.json").read_text())


@pytest.fixture
def insurance(tmp_path):
    """Site A (10 MW) fails in P1 in future a_late; site C (10 MW) fails in P1 in c_late;
    site B has no power but can build (lead 0, build lifetime 2: b = min(2, 2-0-0)/2 = 1)
    at 100,000 USD per MW, up to 10 MW. Demand 10,000 PFLOPS in P1; X costs 1,000 USD;
    shortfall 1e6 USD per PFLOPS-year. Units bought in P0 stay where they are bought, so a
    unit at a site without power in P1 breaks that future's power row.

    - c_late alone puts its 10,000 units at A: Z* = 10,000 x 1,000 = 1e7 (no build);
    - a_late alone puts them at C: Z* = 1e7 (no build);
    - the hedge must place them in P0 without knowing which site fails: only B is safe,
      with a 10 MW build that neither future's own plan makes: Z_f = 1e7 + 10 x 1e5 = 1.1e7
      in both; RP = 1.1e7, WS = 1e7, EVPI = 1e6, regret 1e6 each;
    - EEV: the reference c_late's own plan (10,000 units at A) fails in a_late (10 MW at A
      in P1 against 0): EEV and VSS null, eev_infeasible = [a_late].
    """
    folder = write_scenario(
        tmp_path / "insurance",
        settings={**SETTINGS, "unmet_penalty_usd_per_pflops_year": 1e6},
        periods=periods(2, [0.0, 10000.0]),
        chips=[chip(lifetime_periods=2)],
        chip_supply=supply("X", 1, 30000.0, 1000.0),
        sites=[
            site(site="A"),
            site(site="B", max_build_mw=10.0, build_cost_usd_per_mw=1e5, build_lifetime_periods=2),
            site(site="C"),
        ],
        site_power=power("A", 2, 10.0) + power("B", 2, 0.0) + power("C", 2, 10.0),
    )
    late = {"table": "site_power", "column": "power_mw", "set": 0}
    write_futures(
        folder,
        {
            "c_late": {"probability": 0.5, "variants": ["c_late"]},
            "a_late": {"probability": 0.5, "variants": ["a_late"]},
        },
        {
            "c_late": [{**late, "where": {"site": "C", "period": "P1"}}],
            "a_late": [{**late, "where": {"site": "A", "period": "P1"}}],
        },
    )
    return folder


def test_a_build_started_early_as_insurance_neither_future_makes(insurance, tmp_path):
    """See ``insurance``: the hedge builds 10 MW at B in P0 and buys all 10,000 units there."""
    out = tmp_path / "out"
    result = hedge(insurance, out)
    assert result.exit_code == 0, result.output
    s = summary(out)
    f = s["futures"]
    for name in ("c_late", "a_late"):
        assert f[name]["perfect_foresight"] == pytest.approx(1e7, rel=1e-9)
        assert f[name]["objective"] == pytest.approx(1.1e7, rel=1e-9)
        assert f[name]["regret"] == pytest.approx(1e6, rel=1e-6)
    assert s["rp"] == pytest.approx(1.1e7, rel=1e-9)
    assert s["ws"] == pytest.approx(1e7, rel=1e-9)
    assert s["evpi"] == pytest.approx(1e6, rel=1e-6)
    commitments = pd.read_csv(out / "commitments.csv")
    builds = commitments[commitments["kind"] == "build"]
    assert list(builds["site"]) == ["B"] and builds["build_mw"].iloc[0] == pytest.approx(10.0)
    buys = commitments[commitments["kind"] == "buy"]
    assert list(buys["site"]) == ["B"] and buys["buy_units"].iloc[0] == pytest.approx(10000.0)


def test_a_reference_plan_that_fails_in_one_future(insurance, tmp_path):
    """See ``insurance``: c_late's own plan (all at A) breaks a_late's power at A in P1."""
    out = tmp_path / "out"
    assert hedge(insurance, out).exit_code == 0
    s = summary(out)
    assert s["eev"] is None and s["vss"] is None
    assert s["eev_infeasible"] == ["a_late"]


@pytest.fixture
def demand(tmp_path):
    """One site A of 30 MW; demand in P1 is 10,000 PFLOPS (future low) or 20,000 (high),
    probability 0.5 each; X costs 1,000 USD; up to 30,000 units in P0. Buying x units in P0
    (10,000 <= x <= 20,000): Z_low = 1,000 x, Z_high = 1,000 x + pen (20,000 - x), with pen
    the shortfall penalty per PFLOPS-year (variants set it to 3,000 or 1,500)."""
    folder = write_scenario(
        tmp_path / "demand",
        settings=SETTINGS,
        periods=periods(2, [0.0, 10000.0]),
        chips=[chip(lifetime_periods=2)],
        chip_supply=supply("X", 1, 30000.0, 1000.0),
        sites=[site(site="A")],
        site_power=power("A", 2, 30.0),
    )
    (folder / "variants.yaml").write_text(
        yaml.safe_dump(
            {
                "high": [
                    {
                        "table": "periods",
                        "where": {"period": "P1"},
                        "column": "demand_pflops",
                        "set": 20000,
                    }
                ],
                "pen3000": [
                    {
                        "table": "scenario",
                        "column": "unmet_penalty_usd_per_pflops_year",
                        "set": 3000,
                    }
                ],
                "pen1500": [
                    {
                        "table": "scenario",
                        "column": "unmet_penalty_usd_per_pflops_year",
                        "set": 1500,
                    }
                ],
            }
        )
    )
    return folder


def demand_futures(folder, pen: str, **top):
    return write_futures(
        folder,
        {
            "low": {"probability": 0.5, "variants": [pen]},
            "high": {"probability": 0.5, "variants": [pen, "high"]},
        },
        **top,
    )


def test_vss_and_evpi_by_hand(demand, tmp_path):
    """pen = 3,000: the expected cost 1,000 x + 0.5 x 3,000 (20,000 - x) falls with x
    (1,000 - 1,500 < 0), so the hedge buys x = 20,000: Z_low = Z_high = 2e7, RP = 2e7.
    Z*_low = 1e7, Z*_high = 2e7: WS = 1.5e7, EVPI = 5e6; regret_low = 1e7, regret_high = 0.
    EEV (low's own x = 10,000): Z_low = 1e7, Z_high = 1e7 + 3,000 x 10,000 = 4e7;
    EEV = 2.5e7, VSS = 2.5e7 - 2e7 = 5e6."""
    demand_futures(demand, "pen3000")
    out = tmp_path / "out"
    result = hedge(demand, out)
    assert result.exit_code == 0, result.output
    s = summary(out)
    assert s["rp"] == pytest.approx(2e7, rel=1e-9)
    assert s["ws"] == pytest.approx(1.5e7, rel=1e-9)
    assert s["evpi"] == pytest.approx(5e6, rel=1e-6)
    assert s["eev"] == pytest.approx(2.5e7, rel=1e-9)
    assert s["vss"] == pytest.approx(5e6, rel=1e-6)
    assert s["futures"]["low"]["regret"] == pytest.approx(1e7, rel=1e-6)
    assert s["futures"]["high"]["regret"] == pytest.approx(0.0, abs=1e-3)
    assert s["eev_infeasible"] == []
    futures = pd.read_csv(out / "futures.csv").set_index("future")
    assert futures.loc["high", "perfect_foresight_objective"] == pytest.approx(2e7)


def test_nonanticipativity_holds_in_plan_csv(demand, tmp_path):
    """Buys up to commit_through are the same in every future's rows of plan.csv."""
    demand_futures(demand, "pen3000")
    out = tmp_path / "out"
    assert hedge(demand, out).exit_code == 0
    plan = pd.read_csv(out / "plan.csv")
    assert plan.columns[0] == "future"
    early = plan[plan["period"] == "P0"].pivot_table(
        index=["site", "chip"], columns="future", values="buy_units"
    )
    assert (early["low"] - early["high"]).abs().max() < 1e-6
    assert early["low"].sum() == pytest.approx(20000.0)


def test_cvar_moves_the_plan_toward_the_worst_future(demand, tmp_path):
    """pen = 1,500: expected cost 1,000 x + 750 (20,000 - x) rises with x, so the expected
    hedge buys x = 10,000: RP = 0.5 x 1e7 + 0.5 x (1e7 + 1.5e7) = 1.75e7.
    CVaR at alpha 0.5, weight 1, of two futures of probability 0.5 is the worse Z:
    Z_high = 1,000 x + 1,500 (20,000 - x) = 3e7 - 500 x >= Z_low = 1,000 x for x <= 20,000,
    least at x = 20,000: objective 2e7 (eta = 2e7, u = 0), Z_low = Z_high = 2e7."""
    demand_futures(demand, "pen1500")
    out = tmp_path / "expected"
    assert hedge(demand, out).exit_code == 0
    assert summary(out)["rp"] == pytest.approx(1.75e7, rel=1e-9)
    out = tmp_path / "cvar"
    result = hedge(demand, out, "--risk", "cvar", "--alpha", "0.5", "--weight", "1")
    assert result.exit_code == 0, result.output
    s = summary(out)
    assert s["measure"] == "cvar"
    assert s["objective"] == pytest.approx(2e7, rel=1e-9)
    assert s["futures"]["high"]["objective"] == pytest.approx(2e7, rel=1e-9)
    commitments = pd.read_csv(out / "commitments.csv")
    assert commitments["buy_units"].sum() == pytest.approx(20000.0)


def test_worst_case(demand, tmp_path):
    """pen = 1,500, worst_case: min over x of max(1,000 x, 3e7 - 500 x) on [10,000, 20,000]
    is at x = 20,000: objective 2e7 (at x = 10,000 it would be 2.5e7)."""
    demand_futures(demand, "pen1500", risk={"measure": "worst_case"})
    out = tmp_path / "out"
    result = hedge(demand, out)
    assert result.exit_code == 0, result.output
    s = summary(out)
    assert s["measure"] == "worst_case"
    assert s["objective"] == pytest.approx(2e7, rel=1e-9)
    # the least expected plan among those of worst cost t* (t <= t* (1 + 1e-9))
    assert max(f["objective"] for f in s["futures"].values()) == pytest.approx(2e7, rel=1e-8)


def test_a_single_future_is_a_plain_solve(tmp_path):
    """One future of probability 1 and no variants: the objective of ``chipalloc solve``."""
    path = tmp_path / "one.yaml"
    path.write_text("commit_through: 2026Q1\nfutures:\n  only: {probability: 1}\n")
    out = tmp_path / "hedge"
    result = runner.invoke(app, ["hedge", "--futures", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    plain = tmp_path / "plain"
    assert runner.invoke(app, ["solve", "--out", str(plain), "-q"]).exit_code == 0
    expected = summary(plain)["objective"]
    s = summary(out)
    assert s["objective"] == pytest.approx(expected, rel=1e-9)
    assert s["rp"] == pytest.approx(expected, rel=1e-9)
    assert s["evpi"] == pytest.approx(0.0, abs=1e-6 * expected)


def test_the_default_futures_file_runs(tmp_path):
    """data/base/futures.yaml: every future solves; EVPI, VSS >= 0 (to solver tolerance)."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["hedge", str(BASE_DIR), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    s = summary(out)
    assert s["evpi"] >= -1e-6 * s["rp"]
    assert s["vss"] is None or s["vss"] >= -1e-6 * s["rp"]


@pytest.mark.parametrize(
    "futures, top, says",
    [
        ({"a": {"probability": 0.5}, "b": {"probability": 0.4}}, {}, "sum to 0.9"),
        ({"a": {"probability": 1.0, "variants": ["nope"]}}, {}, "future 'a': unknown variant"),
        (
            {"a": {"probability": 0.5}, "b": {"probability": 0.5, "variants": ["other_operator"]}},
            {},
            "future 'b': changes the compatible pairs",
        ),
        ({"a": {"probability": 1.0}}, {"commit_through": "P9"}, "commit_through 'P9'"),
        ({"a": {"probability": 1.0}}, {"reference": "zz"}, "reference 'zz'"),
        ({"a": {"probability": 0.0}, "b": {"probability": 1.0}}, {}, "future 'a': probability"),
        (
            {"a": {"probability": 1.0}},
            {"risk": {"measure": "cvar", "alpha": 1.5, "weight": 1}},
            "0 < alpha < 1",
        ),
    ],
)
def test_futures_file_errors_exit_2_naming_file_and_future(demand, tmp_path, futures, top, says):
    variants = {
        "other_operator": [{"table": "chips", "column": "operators", "set": "someone_else"}]
    }
    path = write_futures(demand, futures, variants, **top)
    result = hedge(demand, tmp_path / "out")
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert path.name in text and says in text
    assert not (tmp_path / "out").exists()


def test_an_infeasible_future_exits_3_naming_it(demand, tmp_path):
    """Future 'spend' asks A's operator to spend 1e12 USD on leases, with a lease of 0 USD:
    no plan meets it (0 >= 1e12 fails), so the hedge is infeasible and names 'spend'."""
    policies = [{"kind": "operator_min_spend_usd", "name": "own", "value": 0.0, "from_period": ""}]
    pd.DataFrame(policies).to_csv(demand / "policies.csv", index=False)
    variants = {"spend": [{"table": "policies", "column": "value", "set": 1e12}]}
    write_futures(
        demand,
        {"ok": {"probability": 0.5}, "spend": {"probability": 0.5, "variants": ["spend"]}},
        variants,
    )
    result = hedge(demand, tmp_path / "out")
    assert result.exit_code == 3, result.output
    assert "future 'spend'" in " ".join(result.output.split())


def test_the_report_reads_a_hedge_folder(demand, tmp_path):
    """A hedge folder is its own kind: the page shows the futures, EVPI and VSS, two charts."""
    from chipalloc.solve.report.data import detect_kind
    from chipalloc.solve.report.html import build_page

    demand_futures(demand, "pen3000")
    out = tmp_path / "out"
    assert hedge(demand, out).exit_code == 0
    assert detect_kind(out) == "hedge"
    page = build_page(out)
    assert [c.name for c in page.charts] == ["hedge_objectives", "hedge_regret"]
    rows = dict(page.summary)
    assert rows["Futures"] == "low, high"
    assert "VSS (what planning for all futures saves)" in rows


def test_max_compute_signs(tmp_path):
    """max_compute, total_budget_usd 1e7 (future low) or 2e7 (high): x units bought in P0
    serve P0 and P1 (2 PFLOPS-years each) at 1,000 USD, x <= budget / 1,000 in each future,
    so the common x <= 10,000: Z_low = Z_high = 20,000 = RP. Z*_low = 20,000, Z*_high =
    40,000: WS = 30,000, EVPI = WS - RP = 10,000; regret_high = Z*_high - Z_high = 20,000;
    EEV (low's own x = 10,000, high adapts with nothing left to buy) = 20,000, VSS = RP - EEV
    = 0. worst_case: max min Z_f = 20,000."""
    folder = write_scenario(
        tmp_path / "maxc",
        settings={**SETTINGS, "objective": "max_compute", "total_budget_usd": 1e7},
        periods=periods(2, [0.0, 0.0]),
        chips=[chip(lifetime_periods=2)],
        chip_supply=supply("X", 1, 30000.0, 1000.0),
        sites=[site(site="A")],
        site_power=power("A", 2, 30.0),
    )
    write_futures(
        folder,
        {"low": {"probability": 0.5}, "high": {"probability": 0.5, "variants": ["rich"]}},
        {"rich": [{"table": "scenario", "column": "total_budget_usd", "set": 2e7}]},
    )
    for risk, objective in (("expected", 20000.0), ("worst_case", 20000.0)):
        out = tmp_path / risk
        result = hedge(folder, out, "--risk", risk)
        assert result.exit_code == 0, result.output
        s = summary(out)
        assert s["objective"] == pytest.approx(objective, rel=1e-8)
        assert s["ws"] == pytest.approx(30000.0, rel=1e-9)
        assert s["evpi"] == pytest.approx(10000.0, rel=1e-6)
        assert s["futures"]["high"]["regret"] == pytest.approx(20000.0, rel=1e-6)
        assert s["vss"] == pytest.approx(0.0, abs=1e-3)
    result = hedge(folder, tmp_path / "cvar", "--risk", "cvar", "--alpha", "0.5", "--weight", "1")
    assert result.exit_code == 2 and "max_compute" in result.output


def test_a_hedge_no_plan_satisfies_exits_3_naming_the_futures(insurance, tmp_path):
    """``insurance`` plus operator own (sites A and C, lease 1 USD per kW-month) must spend
    60,000 USD in P1: 12 x 1 kW x 1 year = 12 USD per unit, so 5,000 units at A or C in P1.
    Each future alone can (c_late at A, a_late at C), but units are placed in P0, before the
    future is known, and A has no MW in P1 in a_late, C none in c_late: no common placement
    holds, the non-anticipativity rows conflict and both futures are named."""
    sites = pd.read_csv(insurance / "sites.csv")
    sites.loc[sites["site"] != "B", "lease_usd_per_kw_month"] = 1.0
    sites.loc[sites["site"] == "B", "operator"] = "other"
    sites.to_csv(insurance / "sites.csv", index=False)
    policies = [
        {"kind": "operator_min_spend_usd", "name": "own", "value": 60000.0, "from_period": "P1"}
    ]
    pd.DataFrame(policies).to_csv(insurance / "policies.csv", index=False)
    result = hedge(insurance, tmp_path / "out")
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "the extensive form" in text
    assert "futures in the conflict: c_late, a_late" in text
    assert "nonanticipativity" in text
    assert "in future 'c_late': P1 at C (power)" in text
    assert not (tmp_path / "out").exists()


def test_a_take_or_pay_share_is_one_decision_for_every_future(tmp_path):
    """MODEL.md 8 and 9: share[s] is common. One year, no discount, a free chip X (1 kW, 1
    PFLOPS). T is take_or_pay, 10 MW at 5 USD/kW-month: a share s costs 5 x 12 x 1000 x s x 10
    = 600,000 s and carries 10 s MW; A is as_used at 10 USD/kW-month: 120,000 per MW used.
    Future lo needs 1 MW (1,000 PFLOPS), hi 4 MW, each with probability 0.5.

    - alone: lo contracts s = 0.1 (60,000), hi s = 0.4 (240,000): WS = 150,000;
    - hedged, one s: 600,000 s + 0.5 x 120,000 x (1 - 10 s)+ + 0.5 x 120,000 x (4 - 10 s)+ is
      300,000 - 600,000 s up to 0.1, then flat at 240,000 up to 0.4: RP = 240,000, EVPI = 90,000.
      (With a share per future RP would be WS: the gap is the common decision.)
    """
    top = {"contract": "take_or_pay", "min_share": 0.0, "max_share": 1.0}
    folder = write_scenario(
        tmp_path / "contract",
        settings=SETTINGS,
        periods=periods(1, 1000.0, years=1.0),
        chips=[chip(lifetime_periods=1)],
        chip_supply=supply("X", 1, 1e6, 0.0),
        sites=[site(site="T", lease_usd_per_kw_month=5.0, **top),
               site(site="A", lease_usd_per_kw_month=10.0)],
        site_power=power("T", 1, 10.0) + power("A", 1, 10.0),
    )  # fmt: skip
    write_futures(
        folder,
        {"lo": {"probability": 0.5}, "hi": {"probability": 0.5, "variants": ["hi"]}},
        {"hi": [{"table": "periods", "column": "demand_pflops", "set": 4000.0}]},
        commit_through="P0",
    )
    out = tmp_path / "out"
    result = hedge(folder, out)
    assert result.exit_code == 0, result.output
    s = summary(out)
    assert s["futures"]["lo"]["perfect_foresight"] == pytest.approx(60_000)
    assert s["futures"]["hi"]["perfect_foresight"] == pytest.approx(240_000)
    assert s["rp"] == pytest.approx(240_000)
    assert s["evpi"] == pytest.approx(90_000)
    sites = pd.read_csv(out / "plan.csv")
    assert set(sites["future"]) == {"lo", "hi"}


def test_the_study_leaves_the_collector_as_it_found_it(demand):
    """run_hedge freezes the objects alive after the build, so collections during the solves
    need not walk the extensive form, and unfreezes them at the end; objects someone else
    froze stay frozen (then the study freezes nothing)."""
    path = demand_futures(demand, "pen3000")
    futures = load_futures(load_scenario(demand), path)
    assert gc.get_freeze_count() == 0
    run_hedge(futures)
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()  # falls as frozen objects die
        run_hedge(futures)
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
