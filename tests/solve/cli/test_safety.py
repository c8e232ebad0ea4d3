"""Never a wrong or damaged result: atomic writes, reproducible CSVs, safe cells and YAML."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.solve.cli.app import app
from chipalloc.solve.results.write import (
    restore_interrupted,
    safe_cell,
    unescape_cell,
    write_folder,
)

runner = CliRunner()


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return write_scenario(
        tmp_path / "scenario",
        periods=periods(3, [100.0, 200.0, 300.0]),
        chips=[chip(), chip(chip="Y", vendor="amd", perf_pflops=2.0, power_kw=1.5)],
        chip_supply=supply("X", 3, 200.0, 10.0) + supply("Y", 3, 200.0, 25.0),
        sites=[site(), site(site="B", operator="ms", lease_usd_per_kw_month=5.0)],
        site_power=power("A", 3, 0.2, 40.0) + power("B", 3, 0.5, 60.0),
    )


def solve_to(scenario: Path, out: Path, *extra: str) -> None:
    result = runner.invoke(app, ["solve", str(scenario), "--out", str(out), "-q", *extra])
    assert result.exit_code == 0, result.output


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from chipalloc.data import load_scenario
    from chipalloc.solve import pipeline
    from chipalloc.solve.backend.options import SolveOptions

    scenario, out, ready = sys.argv[1:]

    def stall(sc, staged):
        Path(ready).write_text(str(staged))
        time.sleep(120)
        return []

    pipeline.check_results = stall
    run = pipeline.solve(load_scenario(scenario))
    pipeline.write(run, Path(out), SolveOptions(), force=True)
    """
)


def test_a_run_killed_mid_write_leaves_earlier_results_intact(scenario, tmp_path):
    out = tmp_path / "results"
    solve_to(scenario, out)
    before = contents(out)
    ready = tmp_path / "ready"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(scenario), str(out), str(ready)],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not ready.exists() and writer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), writer.stderr.read().decode() if writer.poll() is not None else ""
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    staged = Path(ready.read_text())
    assert (staged / "plan.csv").exists(), "the kill came after the new files were written"
    assert contents(out) == before
    solve_to(scenario, out, "--force")
    assert contents(out)["plan.csv"] == before["plan.csv"]


def test_a_kill_between_the_two_renames_is_undone_by_the_next_write(tmp_path):
    """_replace sets the old folder aside, then renames the new one in; a kill in between
    leaves only the backup, which the next write puts back before anything else."""
    target = tmp_path / "results"
    backup = tmp_path / ".results.old-12345"
    backup.mkdir()
    (backup / "plan.csv").write_text("old plan\n")
    (backup / "manifest.json").write_text('{"chipalloc": "test"}\n')
    restore_interrupted(target)
    assert (target / "plan.csv").read_text() == "old plan\n"
    assert not backup.exists()
    with pytest.raises(FileExistsError):
        write_folder(target, {}, {"summary": {}}, force=False)
    assert (target / "plan.csv").read_text() == "old plan\n"


def test_a_failed_check_writes_nothing_and_keeps_the_old_folder(tmp_path):
    target = tmp_path / "results"
    target.mkdir()
    (target / "plan.csv").write_text("old\n")
    (target / "manifest.json").write_text('{"chipalloc": "test"}\n')
    with pytest.raises(Exception, match="bad plan"):
        write_folder(target, {}, {"summary": {}}, force=True, verify=lambda staged: ["bad plan"])
    assert (target / "plan.csv").read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_same_inputs_give_byte_identical_csvs(scenario, tmp_path):
    solve_to(scenario, tmp_path / "one")
    solve_to(scenario, tmp_path / "two")
    one, two = contents(tmp_path / "one"), contents(tmp_path / "two")
    csvs = [name for name in one if name.endswith(".csv")]
    assert {"plan.csv", "sites.csv", "costs.csv", "duals.csv"} <= set(csvs)
    for name in csvs:
        assert one[name] == two[name], name


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+nv", "'+nv"),
        ("-own", "'-own"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("fair=water", "fair=water"),
        ("'=x", "''=x"),
        ("'quoted", "''quoted"),
        (-1.5, -1.5),
    ],
)
def test_safe_cell(cell, written):
    assert safe_cell(cell) == written
    assert unescape_cell(written) == cell


def test_ids_equal_after_a_naive_escape_stay_distinct_and_check(tmp_path):
    """``=x`` and ``'=x`` are both valid ids: written as ``'=x`` and ``''=x``, checked back."""
    folder = write_scenario(
        tmp_path / "quotes",
        periods=periods(2, [150.0, 450.0]),
        chips=[chip(chip="=x"), chip(chip="'=x", perf_pflops=2.0)],
        chip_supply=supply("=x", 2, 100.0, 10.0) + supply("'=x", 2, 100.0, 15.0),
        sites=[site(site="=s"), site(site="'=s", operator="'own")],
        site_power=power("=s", 2, 0.5) + power("'=s", 2, 0.5),
    )
    out = tmp_path / "out"
    solve_to(folder, out)
    with open(out / "plan.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["chip"] for r in rows} == {"'=x", "''=x"}
    assert {r["site"] for r in rows} <= {"'=s", "''=s"}


def test_formula_like_names_are_escaped_and_the_plan_still_checks(tmp_path):
    name = '=HYPERLINK("http://example.com")'
    folder = write_scenario(
        tmp_path / "formulas",
        periods=periods(2, [100.0, 300.0]),
        chips=[chip(chip="@SUM(A1)", vendor="+nv")],
        chip_supply=supply("@SUM(A1)", 2, 1000.0, 10.0),
        sites=[site(site=name, operator="-own")],
        site_power=power(name, 2, 1.5),
    )
    out = tmp_path / "out"
    solve_to(folder, out)
    for file in ("plan.csv", "sites.csv", "duals.csv"):
        with open(out / file, newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows
        for row in rows:
            for column in ("period", "site", "operator", "chip", "vendor"):
                value = row.get(column) or ""
                assert not value.startswith(("=", "+", "-", "@")), (file, column, value)
    with open(out / "plan.csv", newline="") as handle:
        first = next(csv.DictReader(handle))
    assert (first["site"], first["chip"], first["vendor"], first["operator"]) == (
        "'" + name,
        "'@SUM(A1)",
        "'+nv",
        "'-own",
    )


def test_scenario_yaml_is_loaded_safely(scenario, tmp_path):
    marker = tmp_path / "ran"
    (scenario / "scenario.yaml").write_text(
        f'name: !!python/object/apply:os.system ["touch {marker}"]\n'
    )
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2
    assert "scenario.yaml: is not valid YAML" in result.output
    assert not marker.exists()
