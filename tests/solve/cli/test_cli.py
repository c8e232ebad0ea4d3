"""The CLI end to end: each command and its documented exit codes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer.main
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.solve.cli.app import app

runner = CliRunner()


@pytest.fixture
def tiny(tmp_path):
    """30 PFLOPS a period for 2 periods from chip X (2 PFLOPS, 1 kW, 1,000 USD) at site A."""
    return write_scenario(
        tmp_path / "tiny",
        periods=periods(2, 30.0),
        chips=[chip(perf_pflops=2.0, lifetime_periods=1)],
        chip_supply=supply("X", 2, 1e3, 1000.0),
        sites=[site()],
        site_power=power("A", 2, 1.0, 50.0),
    )


def test_solve_writes_the_results_folder(tiny, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "optimal" in result.output
    assert {p.name for p in out.iterdir()} >= {
        "costs.csv",
        "duals.csv",
        "manifest.json",
        "plan.csv",
        "sites.csv",
        "summary.json",
    }
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["unmet_pflops"] == {"P0": 0.0, "P1": 0.0}
    plan = pd.read_csv(out / "plan.csv")
    assert list(plan["buy_units"]) == [15.0, 15.0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["inputs"]) >= {"chips.csv", "periods.csv", "scenario.yaml"}


def test_solve_refuses_to_overwrite_without_force(tiny, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(out), "-q"]).exit_code == 0
    before = (out / "plan.csv").read_bytes()
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert result.exit_code == 1
    assert "--force" in result.output
    assert (out / "plan.csv").read_bytes() == before
    assert (
        runner.invoke(app, ["solve", str(tiny), "--out", str(out), "--force", "-q"]).exit_code == 0
    )


def test_solve_writes_the_solver_log(tiny, tmp_path):
    log = tmp_path / "highs.log"
    result = runner.invoke(
        app,
        [
            "solve",
            str(tiny),
            "--out",
            str(tmp_path / "o"),
            "-q",
            "--solver-log",
            str(log),
            "--threads",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "HiGHS" in log.read_text()


def test_invalid_scenario_exits_2_naming_file_row_column(tiny, tmp_path):
    (tiny / "chips.csv").write_text(
        "chip,vendor,perf_pflops,power_kw,lifetime_periods,cooling\nX,nv,-2,1,2.5,air\n"
    )
    result = runner.invoke(app, ["validate", str(tiny)])
    assert result.exit_code == 2
    assert "chips.csv" in result.output
    assert "perf_pflops" in result.output and "lifetime_periods" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_validate_accepts_a_valid_scenario(tiny):
    result = runner.invoke(app, ["validate", str(tiny)])
    assert result.exit_code == 0
    assert "valid" in result.output


def test_infeasible_exits_3(tiny, tmp_path):
    (tiny / "initial_fleet.csv").write_text("chip,site,units,remaining_periods\nX,A,5000,2\n")
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(tmp_path / "o")])
    assert result.exit_code == 3, result.output
    assert "infeasible" in result.output


def test_variant_from_overrides_file(tiny, tmp_path):
    overrides = tmp_path / "o.yaml"
    overrides.write_text(
        "pricier:\n  - {table: chip_supply, column: unit_cost_usd, scale: 2}\n"
        "broken:\n  - {table: chip_supply, where: {chip: Q}, column: "
        "unit_cost_usd, scale: 2}\n"
    )
    out = tmp_path / "v"
    result = runner.invoke(
        app,
        [
            "solve",
            str(tiny),
            "--overrides",
            str(overrides),
            "--variant",
            "pricier",
            "--out",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((out / "summary.json").read_text())["scenario"] == "tiny-pricier"
    result = runner.invoke(
        app,
        [
            "solve",
            str(tiny),
            "--overrides",
            str(overrides),
            "--variant",
            "broken",
            "--out",
            str(tmp_path / "b"),
        ],
    )
    assert result.exit_code == 2
    assert "variant 'broken', edit 1" in result.output


def test_init_copies_the_base_scenario(tmp_path):
    from chipalloc.data import BASE_DIR

    target = tmp_path / "mine"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert {"periods.csv", "chips.csv", "sites.csv"} <= {p.name for p in target.iterdir()}
    assert {p.name for p in target.iterdir()} == {p.name for p in BASE_DIR.iterdir()} - {"discrete"}
    assert runner.invoke(app, ["init", str(target)]).exit_code == 1


def test_init_discrete_writes_the_default_with_its_discrete_features(tmp_path):
    """``chipalloc init DIR --discrete``: a MIP that validates and solves (MODEL.md 7.5:
    summary.json says ``problem: mip``); a non-empty DIR needs --force."""
    target, out = tmp_path / "mine", tmp_path / "out"
    result = runner.invoke(app, ["init", str(target), "--discrete"])
    assert result.exit_code == 0, result.output
    assert {"clusters.csv", "fabrics.csv"} <= {p.name for p in target.iterdir()}
    assert runner.invoke(app, ["validate", str(target)]).exit_code == 0
    argv = ["solve", str(target), "--out", str(out), "-q", "--mip-gap", "0.01"]
    assert runner.invoke(app, argv).exit_code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["problem"], summary["status"], summary["scenario"]) == (
        "mip",
        "optimal",
        "mine",
    )
    assert set(pd.read_csv(out / "clusters.csv")["cluster"]) == {"frontier-2027", "frontier-2029"}
    refused = runner.invoke(app, ["init", str(target), "--discrete"])
    assert refused.exit_code == 1
    assert "exists and is not empty; use --force" in refused.output
    assert runner.invoke(app, ["init", str(target), "--discrete", "--force"]).exit_code == 0


def test_highs_options_reach_highs_and_the_manifest(tiny, tmp_path):
    out, log = tmp_path / "o", tmp_path / "highs.log"
    argv = ["solve", str(tiny), "--out", str(out), "-q", "--solver-log", str(log)]
    result = runner.invoke(app, [*argv, "--highs-option", "presolve=off"])
    assert result.exit_code == 0, result.output
    assert "Presolving model" not in log.read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["options"]["highs_options"] == {"presolve": "off"}
    # the same run with presolve on (HiGHS's default) does presolve
    assert runner.invoke(app, [*argv, "--force"]).exit_code == 0
    assert "Presolving model" in log.read_text()


@pytest.mark.parametrize(
    ("option", "says"),
    [
        ("presolv=off", "no such option"),  # unknown name
        ("random_seed=-5", "refuses the value"),  # out of range
        ("presolve", "NAME=VALUE"),  # no value
    ],
)
def test_bad_highs_option_is_invalid_and_writes_nothing(tiny, tmp_path, option, says):
    out = tmp_path / "o"
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out), "--highs-option", option])
    assert result.exit_code == 2
    assert says in result.output
    assert option.split("=")[0] in result.output
    assert not out.exists()


def test_every_command_module_registers_its_command():
    """solve/cli holds one module per command (plus app, common, display), and ``app``
    registers each by name: a new module whose command is not in COMMANDS fails here."""
    import pkgutil

    import chipalloc.solve.cli as package
    from chipalloc.solve.cli.app import COMMANDS, command_function

    modules = {m.name for m in pkgutil.iter_modules(package.__path__)} - {
        "app",
        "common",
        "display",
    }
    assert set(COMMANDS) == modules
    assert all(command_function(name).__name__ == name for name in COMMANDS)
    group = typer.main.get_command(app)
    assert group.list_commands(None) == list(COMMANDS)
