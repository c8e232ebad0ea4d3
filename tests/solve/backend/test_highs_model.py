"""The vectorised hand-off to HiGHS: the same LP as Pyomo's own, and correct re-solves."""

from __future__ import annotations

import shutil

import highspy
import numpy as np
import pyomo.environ as pyo
import pytest
import yaml
from pyomo.repn.standard_repn import generate_standard_repn

from chipalloc.data import load_scenario
from chipalloc.data.generate import Size, write_generated
from chipalloc.model import build_model
from chipalloc.solve.backend.options import method_options, parse_highs_options
from chipalloc.solve.backend.solver import Solver


@pytest.fixture(scope="module")
def rich_scenario(tmp_path_factory):
    """A generated plan with every row family: budgets, min share, min spend, max_compute."""
    folder = write_generated(tmp_path_factory.mktemp("rich") / "s", Size(6, 4, 10, seed=2))
    periods = (folder / "periods.csv").read_text().splitlines()
    periods[0] += ",capex_budget_usd"
    periods[1:] = [row + (",5e9" if i % 3 == 0 else ",") for i, row in enumerate(periods[1:])]
    (folder / "periods.csv").write_text("\n".join(periods) + "\n")
    with open(folder / "policies.csv", "a") as f:
        f.write("operator_min_share,oracle,0.05,\noperator_min_spend_usd,oracle,1e7,2026Q3\n")
    return folder


def max_compute(source, folder):
    """A copy of ``source`` that maximises compute within a budget."""
    shutil.copytree(source, folder)
    settings = yaml.safe_load((folder / "scenario.yaml").read_text())
    settings.update(objective="max_compute", total_budget_usd=2e10)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(settings))
    return folder


def pyomo_rows(solver: Solver) -> dict[int, dict[int, float]]:
    """Every row as Pyomo's standard representation sees it: row -> {col: coefficient}."""
    out = {}
    for row, con in enumerate(solver.highs_model.constraints):
        assert solver.row_of(con) == row
        repn = generate_standard_repn(con.body, compute_values=True)
        coefs: dict[int, float] = {}
        for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            coefs[solver.col_of(v)] = coefs.get(solver.col_of(v), 0.0) + c
        out[row] = {c: v for c, v in coefs.items() if v != 0.0}
    return out


def highs_rows(solver: Solver) -> dict[int, dict[int, float]]:
    """Every row as HiGHS holds it (after any changeCoeff): row -> {col: coefficient}."""
    lp = solver.highs.getLp()
    matrix = lp.a_matrix_
    starts, index, value = (np.asarray(a) for a in (matrix.start_, matrix.index_, matrix.value_))
    rowwise = matrix.format_ == highspy.MatrixFormat.kRowwise
    out: dict[int, dict[int, float]] = {r: {} for r in range(lp.num_row_)}
    for outer in range(len(starts) - 1):
        for k in range(starts[outer], starts[outer + 1]):
            if value[k] != 0.0:
                row, col = (outer, int(index[k])) if rowwise else (int(index[k]), outer)
                out[row][col] = float(value[k])
    return out


def assert_same_lp(solver: Solver) -> None:
    ours, theirs = highs_rows(solver), pyomo_rows(solver)
    assert ours.keys() == theirs.keys()
    for row, coefs in theirs.items():
        assert ours[row].keys() == coefs.keys(), solver.highs_model.constraints[row].name
        for col, c in coefs.items():
            assert ours[row][col] == pytest.approx(c, rel=1e-12)
    m = solver.model
    repn = generate_standard_repn(m.objective.expr, compute_values=True)
    cost = np.zeros(solver.highs.getNumCol())
    for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        cost[solver.col_of(v)] += c
    assert np.allclose(np.asarray(solver.highs.getLp().col_cost_), cost, rtol=1e-12, atol=0)


@pytest.mark.parametrize("form", ["window", "recursion"])
@pytest.mark.parametrize("objective", ["min_cost", "max_compute"])
def test_matrix_and_costs_equal_pyomos_own_reading(rich_scenario, tmp_path, form, objective):
    folder = rich_scenario
    if objective == "max_compute":
        folder = max_compute(rich_scenario, tmp_path / "max")
    solver = Solver(build_model(load_scenario(folder), form))
    solver.load()
    assert_same_lp(solver)
    assert solver.solve().status == "optimal"


def test_both_fleet_forms_give_the_same_optimum(rich_scenario):
    sc = load_scenario(rich_scenario)
    objectives = []
    for form in ("window", "recursion"):
        solver = Solver(build_model(sc, form))
        outcome = solver.solve()
        assert outcome.status == "optimal"
        objectives.append(outcome.objective)
    assert objectives[0] == pytest.approx(objectives[1], rel=1e-8)


def test_resolve_after_param_changes_matches_a_fresh_build(rich_scenario):
    sc = load_scenario(rich_scenario)
    solver = Solver(build_model(sc))
    first = solver.solve().objective

    def edit(m):
        for k, p in list(m.unit_cost)[:5]:
            m.unit_cost[k, p] = pyo.value(m.unit_cost[k, p]) * 1.5
        s = m.S.first()
        for p in m.P:
            m.power_mw[s, p] = pyo.value(m.power_mw[s, p]) * 0.5
        m.load_factor = 0.8
        for key in m.operator_min_share_index:
            m.operator_min_share_value[key] = 0.08

    edit(solver.model)
    warm = solver.solve()
    fresh_model = build_model(sc)
    edit(fresh_model)
    fresh = Solver(fresh_model).solve()
    assert warm.status == fresh.status == "optimal"
    assert warm.objective == pytest.approx(fresh.objective, rel=1e-9)
    assert warm.objective != pytest.approx(first, rel=1e-6)
    assert_same_lp(solver)


def test_an_update_recompiles_only_what_the_changed_params_reach(tmp_path):
    """A price edit moves only costs (and HiGHS re-solves with primal simplex); a power edit
    only bounds; a share edit the matrix. Each warm re-solve equals a fresh build's solve."""
    sc = load_scenario(write_generated(tmp_path / "s", Size(5, 3, 8, seed=4)))
    solver = Solver(build_model(sc))
    solver.solve()
    k, _, p = next(iter(solver.model.BUY))
    s = solver.model.S.first()
    steps = [
        ("price", lambda m: m.unit_cost.__setitem__((k, p), pyo.value(m.unit_cost[k, p]) / 3)),
        ("power", lambda m: [m.power_mw.__setitem__((s, q), 0.0) for q in m.P]),
        (
            "share",
            lambda m: [
                m.vendor_max_share_value.__setitem__(i, 0.6) for i in m.vendor_max_share_value
            ],
        ),
    ]
    expected = {"price": {"costs"}, "power": {"bounds"}, "share": {"matrix"}}
    done = []
    for name, edit in steps:
        edit(solver.model)
        done.append(edit)
        warm = solver.solve()
        assert expected[name] <= solver.highs_model.solved_changes, name
        primal = solver.highs.getOptionValue("simplex_strategy")[1] == 4
        assert primal == (solver.highs_model.solved_changes == {"costs"}), name
        assert_same_lp(solver)
        fresh_model = build_model(sc)
        for change in done:
            change(fresh_model)
        fresh = Solver(fresh_model).solve()
        assert warm.status == fresh.status == "optimal"
        assert warm.objective == pytest.approx(fresh.objective, rel=1e-9), name


def test_deactivating_a_row_reloads_the_model(rich_scenario):
    solver = Solver(build_model(load_scenario(rich_scenario)))
    base = solver.solve().objective
    solver.model.supply.deactivate()
    relaxed = solver.solve()
    assert relaxed.status == "optimal"
    assert relaxed.objective < base
    assert solver.highs.getNumRow() == len(solver.highs_model.constraints)


def test_choose_picks_simplex_for_window_and_re_solves_ipm_with_crossover_for_recursion():
    simplex = {"solver": "simplex"}
    assert method_options("choose", "window", has_basis=False) == simplex
    assert method_options("choose", "recursion", has_basis=False) == {
        "solver": "ipm",
        "run_crossover": "on",
    }
    assert method_options("choose", "recursion", has_basis=True) == simplex
    assert method_options("ipm", "window", has_basis=True)["run_crossover"] == "on"
    huge = method_options("choose", "recursion", has_basis=False, n_cols=10**6)
    assert huge == {"solver": "ipm", "run_crossover": "off"}


def test_a_row_given_a_new_expression_is_reloaded(rich_scenario):
    solver = Solver(build_model(load_scenario(rich_scenario)))
    base = solver.solve().objective
    m = solver.model
    k, p = next(iter(m.SUPPLY))
    m.supply[k, p].set_value(m.bought[k, p] <= 0.5 * m.max_units[k, p])
    tighter = solver.solve()
    assert tighter.status == "optimal"
    assert tighter.objective >= base
    assert_same_lp(solver)
    row = solver.row_of(m.supply[k, p])
    upper = solver.highs.getLp().row_upper_[row]
    assert upper == pytest.approx(0.5 * pyo.value(m.max_units[k, p]))


def test_parse_highs_options_reads_types_and_checks_with_highs():
    parsed = parse_highs_options(
        ["presolve = off", "random_seed=3", "time_limit=2.5", "output_flag=false"]
    )
    assert parsed == {"presolve": "off", "random_seed": 3, "time_limit": 2.5, "output_flag": False}
    assert isinstance(parsed["random_seed"], int) and isinstance(parsed["output_flag"], bool)
    for bad in ("nosuch=1", "presolve=sometimes", "random_seed=x", "=off"):
        with pytest.raises(ValueError, match="--highs-option"):
            parse_highs_options([bad])


def stall_first_solve(solver: Solver, monkeypatch) -> list[dict]:
    """Make the first HiGHS run of ``solver`` report what an IPX stall reports (model status
    ``kUnknown``); returns the HiGHS options of every run."""
    real, calls = solver.highs_model.solve, []

    def stalls_once(options, *args):
        calls.append(options)
        run = real(options, *args)
        if len(calls) == 1:
            run.model_status, run.text = highspy.HighsModelStatus.kUnknown, "Unknown"
        return run

    monkeypatch.setattr(solver.highs_model, "solve", stalls_once)
    return calls


@pytest.mark.parametrize(
    ("method", "extra", "retried"),
    [
        ("choose", {}, True),  # choose picked ipm-nox (a large plan): retry without presolve
        ("choose", {"presolve": "on"}, False),  # the planner set presolve: respected
        ("ipm-nox", {}, False),  # the planner named the method: no second guess
    ],
)
def test_a_stalled_interior_point_is_retried_without_presolve_only_under_choose(
    rich_scenario, monkeypatch, method, extra, retried
):
    import chipalloc.solve.backend.options as highs

    monkeypatch.setattr(highs, "CROSSOVER_MAX_COLS", 0)  # choose -> ipm-nox at any size
    options = highs.SolveOptions(method=method, highs_options=extra)
    solver = Solver(build_model(load_scenario(rich_scenario), "recursion"), options)
    calls = stall_first_solve(solver, monkeypatch)
    outcome = solver.solve()
    assert solver.method == "ipm-nox"
    assert all(c["solver"] == "ipm" and c["run_crossover"] == "off" for c in calls)
    if retried:
        assert [c.get("presolve") for c in calls] == [None, "off"]
        assert outcome.status == "optimal" and "presolve off" in solver.retried
        # HiGHS now holds presolve=off: a stall of the next solve is not re-run unchanged
        again = stall_first_solve(solver, monkeypatch)
        assert solver.solve().status == "error"
        assert len(again) == 1 and not solver.retried
    else:
        assert len(calls) == 1 and not solver.retried
        assert outcome.status == "error" and "presolve=off" in outcome.message


def test_fleet_balance_rows_go_to_highs_last(rich_scenario):
    """The recursion rows follow every MODEL.md family, the order the benchmark floor uses
    (so both give HiGHS the same LP up to rounding)."""
    solver = Solver(build_model(load_scenario(rich_scenario), "recursion"))
    solver.load()
    families = [con.parent_component().name for con in solver.highs_model.constraints]
    first = families.index("fleet_balance")
    assert first > 0 and set(families[first:]) == {"fleet_balance"}
    assert families[: len(families) - families.count("fleet_balance")][0] == "power"


def test_making_the_first_highs_object_prints_nothing():
    """highspy 1.16 prints a banner when a process makes its first Highs object: not ours."""
    import subprocess
    import sys

    code = (
        "from chipalloc.solve.backend.highs_model import new_highs\n"
        "from chipalloc.solve.backend.solver import highs_version\n"
        "new_highs(); print(highs_version())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == highspy.Highs().version() + "\n"


def test_the_solver_log_is_collected_not_printed(rich_scenario, tmp_path, capfd):
    from chipalloc.solve.backend.options import SolveOptions

    log = tmp_path / "highs.log"
    solver = Solver(build_model(load_scenario(rich_scenario)), SolveOptions(solver_log=log))
    assert solver.solve().status == "optimal"
    assert "Model status        : Optimal" in log.read_text()
    assert "HiGHS" not in capfd.readouterr().out


def test_deactivating_one_row_or_adding_a_row_reloads_the_model(rich_scenario):
    solver = Solver(build_model(load_scenario(rich_scenario)))
    solver.solve()
    m = solver.model
    k, p = next(iter(m.SUPPLY))
    m.supply[k, p].deactivate()
    assert solver.solve().status == "optimal"
    assert "structure" in solver.highs_model.solved_changes
    assert m.supply[k, p] not in set(solver.highs_model.constraints)
    m.extra = pyo.Constraint(expr=m.bought[k, p] <= 1.0)
    assert solver.solve().status == "optimal"
    assert "structure" in solver.highs_model.solved_changes
    assert solver.highs.getLp().row_upper_[solver.row_of(m.extra)] == pytest.approx(1.0)
    assert_same_lp(solver)
    solver.solve()
    assert solver.highs_model.solved_changes == set()


@pytest.mark.parametrize(("lower_y", "expected"), [(0.5, "unbounded"), (2.0, "infeasible")])
def test_infeasible_or_unbounded_is_asked_again_without_presolve(
    tmp_path, monkeypatch, lower_y, expected
):
    """Presolve's "infeasible or unbounded" is settled by a run without presolve, whose log
    goes to the solver log too; presolve is back to ``choose`` afterwards."""
    from chipalloc.solve.backend.options import SolveOptions

    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var(within=pyo.NonNegativeReals)
    m.c = pyo.Constraint(expr=m.y <= 1)
    m.d = pyo.Constraint(expr=m.y >= lower_y)
    m.e = pyo.Constraint(expr=m.x <= 5)
    m.objective = pyo.Objective(expr=m.x + m.y)
    m.fixed_rows = []
    log = tmp_path / "highs.log"
    solver = Solver(m, SolveOptions(solver_log=log))
    real, presolve = solver.highs_model.solve, []

    def undecided(*args):
        run = real(*args)
        run.model_status = highspy.HighsModelStatus.kUnboundedOrInfeasible
        return run

    monkeypatch.setattr(solver.highs_model, "solve", undecided)
    real_run = solver.highs_model.run

    def recording(options=None, *args):
        presolve.append((options or {}).get("presolve"))
        return real_run(options, *args)

    monkeypatch.setattr(solver.highs_model, "run", recording)
    assert solver.solve().status == expected
    assert presolve == [None, "off"]
    assert solver.highs.getOptionValue("presolve")[1] == "choose"
    assert log.read_text().count("Model status") == 2
