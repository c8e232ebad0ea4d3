"""MODEL.md section 7, hand-solved: each feature changes the optimum of a tiny scenario.

Every scenario has one period of one year (d = 1), chips with lifetime 1 (a = 1), PUE 1 and
no energy price, so a cost is a sum a reader can do: capex = units x price, lease =
kW x 12 x lease_usd_per_kw_month, build = MW x build_cost x b (b = 1 with build lifetime 1).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.data import load_scenario
from chipalloc.model import build_model
from chipalloc.solve.backend.highs_model import HighsModel
from chipalloc.solve.cli.app import app
from chipalloc.solve.pipeline import solve
from chipalloc.solve.whatif.study import Case, Study

runner = CliRunner()
LEASED = {"site": "B", "operator": "msft", "lease_usd_per_kw_month": 1.0}
"""Site B: leased at 1 USD per kW-month, 12 USD per kW a year."""


def scenario(tmp_path, name="s", **tables):
    defaults = {
        "periods": periods(1, 1000.0),
        "chips": [chip(lifetime_periods=1)],
        "chip_supply": supply("X", 1, 10_000.0, 0.0),
        "sites": [site(), site(**LEASED)],
        "site_power": power("A", 1, 0.0) + power("B", 1, 10.0),
    }
    return load_scenario(write_scenario(tmp_path / name, **{**defaults, **tables}))


def folder_of(tmp_path, name="s", **tables):
    scenario(tmp_path, name, **tables)
    return tmp_path / name


def test_racks_round_up(tmp_path):
    """Demand 100 PFLOPS of X (1 PFLOPS, 10 USD): the LP buys 100 units (1,000 USD); in racks
    of 72 it buys 2 racks = 144 units, 1,440 USD."""
    sc = scenario(
        tmp_path,
        periods=periods(1, 100.0),
        chips=[chip(lifetime_periods=1, units_per_rack=72)],
        chip_supply=supply("X", 1, 1000.0, 10.0),
        sites=[site()],
        site_power=power("A", 1, 10.0),
    )
    run = solve(sc)
    assert run.outcome.status == "optimal"
    assert run.outcome.objective == pytest.approx(1440.0)
    assert run.results.plan["buy_units"].tolist() == pytest.approx([144.0])
    racks = run.results.discrete["racks"]
    assert racks[["racks", "buy_units"]].values.tolist() == [[2, 144.0]]
    assert run.results.summary["problem"] == "mip"


def test_the_fractional_note_names_the_chips_without_racks(tmp_path):
    """An LP says its accelerators are fractional; a MIP where every chip comes in racks
    says nothing; a MIP with a chip outside racks (Y) names that chip, never "an LP"."""
    from chipalloc.solve.results.units import FRACTIONAL_NOTE, fractional_note

    assert fractional_note(scenario(tmp_path, "lp")) == FRACTIONAL_NOTE
    racked = scenario(tmp_path, "racked", chips=[chip(lifetime_periods=1, units_per_rack=72)])
    assert fractional_note(racked) is None
    mixed = scenario(
        tmp_path,
        "mixed",
        chips=[chip(lifetime_periods=1, units_per_rack=72), chip(chip="Y", lifetime_periods=1)],
        chip_supply=supply("X", 1, 10_000.0, 0.0) + supply("Y", 1, 10_000.0, 0.0),
    )
    note = fractional_note(mixed)
    assert "(Y)" in note and "linear program" not in note


def test_every_mip_runs_with_chipalloc_s_mip_options_unless_overridden(tmp_path):
    """MIP_OPTIONS (root reduced-cost heuristic off) reach HiGHS on a MIP; --highs-option
    wins over them."""
    from chipalloc.solve.backend.options import MIP_OPTIONS, SolveOptions
    from chipalloc.solve.backend.solver import Solver

    name = "mip_heuristic_run_root_reduced_cost"
    assert {name: False} == MIP_OPTIONS
    sc = scenario(tmp_path, chips=[chip(lifetime_periods=1, units_per_rack=72)])
    for given, seen in (({}, False), ({name: True}, True)):
        solver = Solver(build_model(sc), SolveOptions(highs_options=given))
        assert solver.solve().status == "optimal"
        assert solver.highs.getOptionValue(name)[1] is seen


def own_builder(**kw):
    """Site A: own, 0 MW, may build 20 MW at 1,000 USD per MW, lead 0, build lifetime 1."""
    return site(build_cost_usd_per_mw=1000.0, max_build_mw=20.0, build_lifetime_periods=1, **kw)


def test_fixed_cost_makes_a_build_not_worth_it(tmp_path):
    """1,000 units of X (1 kW) need 1 MW. Building 1 MW at A costs 1,000 USD; leasing at B
    1,000 kW x 12 = 12,000 USD. With a fixed cost of 20,000 USD the build costs 21,000:
    the plan leases at B, 12,000 USD, and the CLI says why A builds nothing."""
    plain = scenario(tmp_path, "plain", sites=[own_builder(), site(**LEASED)])
    assert solve(plain).outcome.objective == pytest.approx(1000.0)
    folder = folder_of(
        tmp_path, "fixed", sites=[own_builder(build_fixed_cost_usd=20_000.0), site(**LEASED)]
    )
    run = solve(load_scenario(folder))
    assert run.outcome.objective == pytest.approx(12_000.0)
    assert run.results.sites["build_started_mw"].sum() == pytest.approx(0.0)
    result = runner.invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "no project at A" in " ".join(result.output.split())


def test_minimum_size_forces_a_bigger_build_or_none(tmp_path):
    """Need 1 MW. min_build_mw 5: building 5 MW costs 5,000 < 12,000 leasing, so A builds
    5 MW (4 more than needed). min_build_mw 15: 15,000 > 12,000, so nothing is built."""
    bigger = scenario(tmp_path, "bigger", sites=[own_builder(min_build_mw=5.0), site(**LEASED)])
    run = solve(bigger)
    assert run.outcome.objective == pytest.approx(5000.0)
    assert run.results.discrete["builds"]["build_mw"].sum() == pytest.approx(5.0)
    none = scenario(tmp_path, "none", sites=[own_builder(min_build_mw=15.0), site(**LEASED)])
    run = solve(none)
    assert run.outcome.objective == pytest.approx(12_000.0)
    assert run.results.discrete["builds"].empty


def test_cluster_pushed_off_the_cheapest_campus(tmp_path):
    """A (own, free) has 0.5 MW, B leases at 12 USD per kW. Demand 1,000 PFLOPS: the LP puts
    500 units at A and 500 at B, 6,000 USD. A cluster of 1,000 PFLOPS must run on one
    campus; A reaches at most 500 (0.5 MW / 1 kW x 1 PFLOPS), so it runs at B: 1,000 units
    there, 12,000 USD."""
    tables = {"site_power": power("A", 1, 0.5) + power("B", 1, 10.0)}
    assert solve(scenario(tmp_path, "lp", **tables)).outcome.objective == pytest.approx(6000.0)
    cluster = {"cluster": "train", "pflops": 1000.0}
    run = solve(scenario(tmp_path, "mip", clusters=[cluster], **tables))
    assert run.outcome.objective == pytest.approx(12_000.0)
    clusters = run.results.discrete["clusters"]
    assert clusters[["campus", "pflops_available"]].values.tolist() == [["B", 1000.0]]


def test_cluster_rows_keep_their_index_in_duals_and_the_cli(tmp_path):
    """duals.csv names a cluster row by cluster and campus and a fabric row by its fabric,
    and ``chipalloc solve`` (which labels the binding rows by their index) runs through a
    plan with a cluster and a fabric."""
    tables = {"site_power": power("A", 1, 0.5) + power("B", 1, 10.0)}
    fabrics = [{"fabric": "eth", "vendor": "nv", "usd_per_accelerator": 0.0, "chips": ""}]
    cluster = {"cluster": "train", "pflops": 1000.0}
    folder = folder_of(tmp_path, clusters=[cluster], fabrics=fabrics, **tables)
    result = runner.invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    duals = pd.read_csv(tmp_path / "out" / "duals.csv", keep_default_na=False)
    rows = duals[duals["family"] == "cluster_compute"]
    assert rows[["cluster", "campus"]].values.tolist() == [["train", "A"], ["train", "B"]]
    assert set(duals.loc[duals["family"] == "fabric_capacity", "fabric"]) == {"eth"}


def test_two_clusters_cannot_share_a_campus(tmp_path):
    """A (free, 10 MW) could hold both clusters of 500 PFLOPS; one campus runs one cluster at
    a time, so the second runs at B: 500 kW x 12 = 6,000 USD (0 without the rule)."""
    tables = {"site_power": power("A", 1, 10.0) + power("B", 1, 10.0)}
    clusters = [{"cluster": "c1", "pflops": 500.0}, {"cluster": "c2", "pflops": 500.0}]
    run = solve(scenario(tmp_path, clusters=clusters, **tables))
    assert run.outcome.objective == pytest.approx(6000.0)
    placed = run.results.discrete["clusters"]
    assert sorted(placed["campus"]) == ["A", "B"]


def test_a_fabric_that_cannot_serve_a_chip(tmp_path):
    """X costs 1 USD, Y 10 USD (both 1 PFLOPS, 1 kW). The one fabric, ib, serves Y only at 2
    USD per accelerator: X cannot be bought (a warning); 100 PFLOPS take 100 Y at 10 + 2 USD,
    1,200 USD (100 without fabrics)."""
    sc = scenario(
        tmp_path,
        periods=periods(1, 100.0),
        chips=[chip(lifetime_periods=1), chip(chip="Y", lifetime_periods=1)],
        chip_supply=supply("X", 1, 1000.0, 1.0) + supply("Y", 1, 1000.0, 10.0),
        sites=[site()],
        site_power=power("A", 1, 10.0),
        fabrics=[{"fabric": "ib", "vendor": "nv", "usd_per_accelerator": 2.0, "chips": "Y"}],
    )
    assert any("no fabric of fabrics.csv serves chip 'X'" in w for w in sc.warnings)
    run = solve(sc)
    assert run.outcome.objective == pytest.approx(1200.0)
    assert run.results.plan["chip"].tolist() == ["Y"]
    assert run.results.discrete["fabrics"].values.tolist() == [["A", "ib"]]
    capex = run.results.costs.set_index("kind").at["capex", "nominal_usd"]
    assert capex == pytest.approx(1200.0)


@pytest.mark.parametrize(
    ("eth_price", "eth_chips", "dominated", "optimum"),
    [(1.0, "", {"ib": "eth"}, 1100.0), (3.0, "", {}, 1200.0), (1.0, "X", {}, 1200.0)],
)
def test_a_dominated_fabric_is_bounded_and_the_optimum_unchanged(
    tmp_path, monkeypatch, eth_price, eth_chips, dominated, optimum
):
    """ib (2 USD, serves Y) against eth: eth serving every chip at 1 USD dominates ib, so
    use[s,ib] is bounded to 0; at 3 USD, or serving X only, it does not. Either way the
    optimum is that of the model without the bound: 100 Y at 10 USD plus the cheaper fabric
    that serves Y."""
    fabrics = [
        {"fabric": "ib", "vendor": "nv", "usd_per_accelerator": 2.0, "chips": "Y"},
        {"fabric": "eth", "vendor": "nv", "usd_per_accelerator": eth_price, "chips": eth_chips},
    ]
    tables = {
        "periods": periods(1, 100.0),
        "chips": [chip(lifetime_periods=1), chip(chip="Y", lifetime_periods=1)],
        "chip_supply": supply("X", 1, 0.0, 1.0) + supply("Y", 1, 1000.0, 10.0),
        "sites": [site()],
        "site_power": power("A", 1, 10.0),
        "fabrics": fabrics,
    }
    sc = scenario(tmp_path, "strong", **tables)
    run = solve(sc)
    assert run.model.fabric_dominated == dominated
    assert run.model.use["A", "ib"].ub == (0 if dominated else 1)
    import chipalloc.model.discrete as discrete

    monkeypatch.setattr(discrete, "dominated_fabrics", lambda sc: {})
    weak = solve(scenario(tmp_path, "weak", **tables))
    assert weak.model.fabric_dominated == {}
    assert run.outcome.objective == pytest.approx(weak.outcome.objective)
    assert run.outcome.objective == pytest.approx(optimum)


def test_an_infeasible_cluster_is_explained(tmp_path):
    """A cluster of 2,000 PFLOPS: campus A reaches 1 MW / 1 kW x 1 PFLOPS = 1,000, campus
    east (sites B1, B2 of 0.7 MW each) 1,400. No campus can host it: exit 3, naming the
    cluster and the largest campus."""
    folder = folder_of(
        tmp_path,
        periods=periods(1, 0.0),
        sites=[site(), site(site="B1", campus="east"), site(site="B2", campus="east")],
        site_power=power("A", 1, 1.0) + power("B1", 1, 0.7) + power("B2", 1, 0.7),
        clusters=[{"cluster": "frontier", "pflops": 2000.0}],
    )
    result = runner.invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "cluster frontier needs 2,000 PFLOPS on one campus" in text
    assert "the largest campus, east, reaches at most 1,400 PFLOPS" in text
    assert not (tmp_path / "out").exists()


def knapsack(tmp_path):
    """40 rack chips (racks of 50-149 units, 3 racks on sale each) priced at 100 USD per
    PFLOPS plus up to 1 % noise, against half of all the compute on sale: HiGHS needs
    about 3 s to prove the optimum at gap 0 and has incumbents within 0.2 s."""
    rng = np.random.default_rng(3)
    n = 40
    sizes = rng.integers(50, 150, n)
    perf = rng.uniform(1, 3, n)
    chips = [
        chip(
            chip=f"K{i}",
            perf_pflops=round(float(perf[i]), 4),
            lifetime_periods=1,
            units_per_rack=int(sizes[i]),
        )
        for i in range(n)
    ]
    price = perf * 100 * (1 + rng.uniform(0, 0.01, n))
    rows = [
        row
        for i in range(n)
        for row in supply(f"K{i}", 1, float(sizes[i] * 3), round(float(price[i]), 3))
    ]
    return folder_of(
        tmp_path,
        "knapsack",
        periods=periods(1, round(float(sum(perf * sizes * 3)) * 0.5, 1)),
        chips=chips,
        chip_supply=rows,
        sites=[site()],
        site_power=power("A", 1, 1e4),
    )


def test_a_mip_stopped_at_its_time_limit(tmp_path):
    """--time-limit 0.2 at --mip-gap 0: status time_limit and exit 4. With an incumbent (the
    usual case) the plan and its gap are written, marked not optimal; without one the folder
    holds summary.json alone."""
    folder = knapsack(tmp_path)
    out = tmp_path / "out"
    args = ["solve", str(folder), "--out", str(out), "--mip-gap", "0", "--time-limit", "0.2"]
    result = runner.invoke(app, [*args, "--highs-option", "presolve=off"])
    assert result.exit_code == 4, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "time_limit"
    assert summary["problem"] == "mip"
    if (out / "plan.csv").exists():
        assert summary["proved_optimal"] is False
        assert summary["mip_gap"] > 0
        assert (out / "racks.csv").exists()
        assert "not proved optimal" in " ".join(result.output.split())
    else:
        assert sorted(p.name for p in out.iterdir()) == ["summary.json"]


def test_fixed_lp_duals_match_a_finite_difference(tmp_path):
    """X (2 PFLOPS, racks of 100, 550 on sale) and Y (1 PFLOPS), both 1 kW and 1 USD; A has
    1 MW free, B leases at 12 USD/kW. Demand 1,600: 5 racks of X (1,000 PFLOPS, 500 kW) and
    600 Y, 500 at A and 100 at B: 500 + 600 + 100 x 12 = 2,300 USD. One more kW at A moves a
    Y from B: power[A] is worth 12 USD per kW = 12,000 USD per MW, and with 1.001 MW the MIP
    costs 2,288."""
    tables = {
        "periods": periods(1, 1600.0),
        "chips": [
            chip(perf_pflops=2.0, lifetime_periods=1, units_per_rack=100),
            chip(chip="Y", lifetime_periods=1),
        ],
        "chip_supply": supply("X", 1, 550.0, 1.0) + supply("Y", 1, 10_000.0, 1.0),
    }
    run = solve(
        scenario(tmp_path, "base", site_power=power("A", 1, 1.0) + power("B", 1, 10.0), **tables)
    )
    assert run.outcome.objective == pytest.approx(2300.0)
    duals = run.results.duals
    price = duals[(duals["family"] == "power") & (duals["site"] == "A")]["shadow_price"].item()
    assert price == pytest.approx(-12_000.0)
    more = solve(
        scenario(tmp_path, "more", site_power=power("A", 1, 1.001) + power("B", 1, 10.0), **tables)
    )
    assert more.outcome.objective == pytest.approx(2288.0)
    assert (more.outcome.objective - run.outcome.objective) / 0.001 == pytest.approx(price)


def test_a_price_sweep_on_a_rack_scenario_buys_whole_racks_at_every_point(tmp_path):
    """Racks of 72 X against demand 100: every price point re-solves the MIP from the
    previous plan and buys 2 racks = 144 units, objective 144 x price."""
    sc = scenario(
        tmp_path,
        periods=periods(1, 100.0),
        chips=[chip(lifetime_periods=1, units_per_rack=72)],
        chip_supply=supply("X", 1, 1000.0, 10.0),
        sites=[site()],
        site_power=power("A", 1, 10.0),
    )
    study = Study(sc)
    for price in (10.0, 20.0, 5.0):
        edit = {"table": "chip_supply", "column": "unit_cost_usd", "set": price}
        row = study.evaluate(Case({"price": price}, [edit]))
        assert row["status"] == "optimal" and row["problem"] == "mip"
        assert row["rebuilt"] is (price == 10.0)
        m = study.solver.model
        buys = study.solver.values([m.buy[b] for b in m.BUY]) * 1000
        assert buys.tolist() == pytest.approx([144.0])
        assert row["objective"] == pytest.approx(144 * price)


def test_a_v1_scenario_stays_the_lp(tmp_path):
    """No section 7 column or file: no integer column, problem lp, no racks/builds/... files."""
    sc = scenario(tmp_path)
    hm = HighsModel()
    hm.load(build_model(sc))
    assert not hm.is_mip
    run = solve(sc)
    assert run.results.summary["problem"] == "lp"
    assert run.results.discrete == {}


def late_demand(tmp_path):
    """Demand 0 in P0, 1,000 PFLOPS in P1 (8 % discount); A alone, a project with a fixed
    cost of 500 USD and no power of its own."""
    return scenario(
        tmp_path,
        periods=periods(2, [0.0, 1000.0]),
        chip_supply=supply("X", 2, 10_000.0, 0.0),
        sites=[own_builder(build_fixed_cost_usd=500.0)],
        site_power=power("A", 2, 0.0),
    )


def test_a_plan_within_the_gap_starts_its_project_at_its_first_mw(tmp_path):
    """Demand 0 then 1,000 PFLOPS: A builds 1 MW in P1 (1,000 USD) with a fixed cost of 500,
    discounted at 8 % a year (d_P1 = 1/1.08). Started in P1 the project costs
    1,500 / 1.08 = 1,388.89 USD; started in P0 (before its first MW), 1,000 / 1.08 + 500 =
    1,425.93. A MIP start in P0 at gap 1,000 % is accepted as it is; the plan reported
    starts in P1, where MODEL.md 7.2 reports it, at the lower cost."""
    from chipalloc.solve.backend.options import SolveOptions
    from chipalloc.solve.backend.solver import Solver

    sc = late_demand(tmp_path)
    m = build_model(sc)
    solver = Solver(m, SolveOptions(mip_gap=10.0))
    solver.start_by_name({"start[A,P0]": 1.0, "build[A,P1]": 1.0, "buy[X,A,P1]": 1.0})
    outcome = solver.solve()
    assert outcome.status == "optimal"
    assert outcome.mip_gap > 0.01
    assert [m.start["A", p].value for p in ("P0", "P1")] == pytest.approx([0.0, 1.0])
    assert outcome.objective == pytest.approx(1500.0 / 1.08)


def test_each_future_of_a_hedge_starts_its_project_at_its_own_first_mw(tmp_path):
    """The extensive form of two futures, each with A's project: a plan that starts it in P0
    in both, with its first MW in P1 in one future and none in the other, moves the first
    future's start to P1 and leaves the second without a project (MODEL.md 7.2's rule, in
    every future's Block)."""
    from chipalloc.model.extensive import build_extensive
    from chipalloc.model.projects import first_mw_starts

    sc = late_demand(tmp_path)
    m = build_extensive({"a": sc, "b": sc}, {"a": 0.5, "b": 0.5}, ["P0"])
    for f, mw in (("a", 1.0), ("b", 0.0)):
        block = m.future[f]
        block.start["A", "P0"].set_value(1.0)
        block.start["A", "P1"].set_value(0.0)
        block.build["A", "P0"].set_value(0.0)
        block.build["A", "P1"].set_value(mw)
    moves = {v.name: value for v, value in first_mw_starts(m).items()}
    assert moves == {
        "future[a].start[A,P0]": 0.0,
        "future[a].start[A,P1]": 1.0,
        "future[b].start[A,P0]": 0.0,
    }


def everything(tmp_path):
    """Racks of 8 X, a project at A (fixed cost 100 USD, at least 2 MW), campuses, a cluster
    and two fabrics: the checker must accept the plan the MIP writes."""
    return folder_of(
        tmp_path,
        "all",
        periods=periods(2, 1500.0),
        chips=[chip(lifetime_periods=2, units_per_rack=8), chip(chip="Y", lifetime_periods=2)],
        chip_supply=supply("X", 2, 10_000.0, 1.0) + supply("Y", 2, 10_000.0, 2.0),
        sites=[
            own_builder(build_fixed_cost_usd=100.0, min_build_mw=2.0, campus="east"),
            site(**LEASED, campus="east"),
            site(site="C", operator="msft", lease_usd_per_kw_month=3.0),
        ],
        site_power=power("A", 2, 0.5) + power("B", 2, 0.5) + power("C", 2, 10.0),
        clusters=[{"cluster": "train", "pflops": 1200.0, "chips": "X"}],
        fabrics=[
            {"fabric": "ib", "vendor": "nv", "usd_per_accelerator": 0.5, "chips": "X"},
            {"fabric": "eth", "vendor": "ar", "usd_per_accelerator": 0.2, "chips": ""},
        ],
    )


def test_the_checker_verifies_section_7_from_the_folder(tmp_path):
    """The written plan passes the checker (it runs before the folder is put in place); a
    plan.csv edited to a part of a rack, or a cluster moved to a campus too small, fails it."""
    from chipalloc.solve.results.checker import check_results

    folder = everything(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("racks", "builds", "clusters", "fabrics"):
        assert (out / f"{name}.csv").exists(), name
    sc = load_scenario(folder)
    assert check_results(sc, out) == []
    text = " ".join(result.output.split())
    assert "those of the LP with every integer and binary variable fixed at its value" in text
    assert "cluster train runs on east; not elsewhere because: C" in text
    plan = (out / "plan.csv").read_text().splitlines()
    row = next(i for i, line in enumerate(plan) if ",X," in line and ",0.0," not in line)
    cells = plan[row].split(",")
    cells[5] = str(float(cells[5]) + 1)
    plan[row] = ",".join(cells)
    (out / "plan.csv").write_text("\n".join(plan) + "\n")
    problems = check_results(sc, out)
    assert any("not a whole number of racks" in p for p in problems), problems


def test_overrides_edit_clusters_and_fabrics(tmp_path):
    """Section 5 knows the tables clusters and fabrics: scaling the cluster's PFLOPS by 2
    (1,200 -> 2,400) and setting the ib price."""
    from chipalloc.data.overrides import apply_edits

    sc = load_scenario(everything(tmp_path))
    edited = apply_edits(
        sc,
        [
            {"table": "clusters", "where": {"cluster": "train"}, "column": "pflops", "scale": 2},
            {
                "table": "fabrics",
                "where": {"fabric": "ib"},
                "column": "usd_per_accelerator",
                "set": 0.0,
            },
        ],
    )
    assert edited.tables["clusters"]["pflops"].tolist() == [2400.0]
    assert edited.tables["fabrics"]["usd_per_accelerator"].tolist() == [0.0, 0.2]


def test_a_minimum_build_that_cannot_be_met_is_explained(tmp_path):
    """1,000 initial X (1 kW, 1 PFLOPS) at B; own sites must hold half the compute, so A must
    run 1,000 PFLOPS = 1 MW, built at 1 USD per MW under a capex budget of 5 USD. The project
    at A must build at least 10 MW (10 USD > 5): no plan. The LP relaxation (start = 0.1,
    1 MW) has one, so the message names the minimum build, not an IIS."""
    folder = folder_of(
        tmp_path,
        periods=periods(1, 0.0, budget=[5.0]),
        sites=[
            site(build_cost_usd_per_mw=1.0, max_build_mw=20.0, min_build_mw=10.0),
            site(**LEASED),
        ],
        initial_fleet=[{"chip": "X", "site": "B", "units": 1000.0, "remaining_periods": 1}],
        policies=[{"kind": "operator_min_share", "name": "own", "value": 0.5, "from_period": ""}],
    )
    result = runner.invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "site A builds as one project of at least 10 MW" in text
    assert "the LP relaxation has a plan" in text


def test_the_live_mip_line_waits_then_shows_incumbent_bound_and_gap():
    """Nothing before DELAY seconds; then one line with the incumbent 3 (model units: USD
    3e6), the bound 2 (2e6) and the gap 1/3 = 33.3%."""
    from rich.console import Console

    from chipalloc.solve.cli.display import DELAY, MipProgress

    console = Console(force_terminal=False, width=120)
    line = MipProgress(console, maximise=False)
    line(3.0, 2.0, 1 / 3, DELAY / 2)
    assert line.live is None
    line(3.0, 2.0, 1 / 3, DELAY + 1)
    assert line.live is not None
    line.close()
    assert line.line(3.0, 2.0, 1 / 3, 5.0) == "MIP: incumbent $3.00M, bound $2.00M, gap 33.3%, 5s"


def test_the_discrete_base_scenario_is_a_valid_mip(tmp_path):
    """The default scenario with its discrete features (data/base/discrete, written by
    ``write_discrete_default``): campuses, two training clusters, fabrics and own-build
    projects (sourced or marked in its provenance.csv) load, validate and make a MIP (MODEL.md
    section 7); benchmarks/bench_mip.py solves it."""
    from chipalloc.data import write_discrete_default
    from chipalloc.data.discrete import is_mip, project_sites

    sc = load_scenario(write_discrete_default(tmp_path / "d"))
    assert is_mip(sc) and sc.name == "base-discrete"
    assert set(sc.tables["clusters"]["cluster"]) == {"frontier-2027", "frontier-2029"}
    assert set(sc.tables["fabrics"]["fabric"]) == {"infiniband", "ethernet"}
    assert set(project_sites(sc)) == {"lordstown", "greenfield-tx"}
