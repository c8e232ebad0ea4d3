"""Issue 18: the rough edges a new user hits, each pinned by a test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.data import ScenarioError, load_scenario
from chipalloc.solve.cli import common
from chipalloc.solve.cli.app import COMMANDS, app
from chipalloc.solve.report.charts import robust_top
from chipalloc.solve.report.data import load_solve
from chipalloc.solve.report.pages.summary import binding_limits
from chipalloc.solve.report.palette import SPARE, Palette, _slot
from chipalloc.solve.results.limits import sites_at_limit

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def tiny(tmp_path):
    return write_scenario(
        tmp_path / "tiny",
        periods=periods(2, 30.0),
        chips=[chip(perf_pflops=2.0, lifetime_periods=1)],
        chip_supply=supply("X", 2, 1e3, 1000.0),
        sites=[site()],
        site_power=power("A", 2, 1.0, 50.0),
    )


def test_init_names_the_copy_after_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init", "my-plan"]).exit_code == 0
    settings = yaml.safe_load((tmp_path / "my-plan" / "scenario.yaml").read_text())
    assert settings["name"] == "my-plan"
    sc = load_scenario(tmp_path / "my-plan")
    assert common.default_out(sc) == Path("results/my-plan")
    for name in re.findall(r"[A-Za-z_]+\.md", settings.get("description", "")):
        assert (tmp_path / "my-plan" / name).is_file(), name


def test_every_help_points_to_the_scenario_format_doc():
    texts = [runner.invoke(app, ["--help"]).output]
    texts += [runner.invoke(app, [c, "--help"]).output for c in COMMANDS]
    joined = " ".join(" ".join(t.split()) for t in texts)
    assert "MODEL.md format" not in joined
    assert joined.count("docs/scenario-format.md") >= 6


@pytest.fixture
def late_site(tmp_path):
    """Site B (cheap energy) has no power in P0 and 10 MW from P1: the plan fills it."""
    return write_scenario(
        tmp_path / "late",
        periods=periods(3, 30.0),
        chips=[chip(perf_pflops=2.0, lifetime_periods=1)],
        chip_supply=supply("X", 3, 1e3, 1000.0),
        sites=[site(), site(site="B")],
        site_power=power("A", 3, 1.0, 500.0) + power("B", 3, [0.0, 0.01, 0.01], 1.0),
    )


def test_report_binding_limits_agree_with_the_cli(late_site, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(late_site), "--out", str(out)])
    assert result.exit_code == 0, result.output
    full = sites_at_limit(pd.read_csv(out / "sites.csv"))
    b = full.set_index("site").loc["B"]
    assert b["first"] == "P1" and b["periods"] == 2  # P0, without power, is not counted
    phrases = [p for p in binding_limits(load_solve(out)) if p.startswith("site power full")]
    assert phrases and "B (2 periods from P1)" in phrases[0], phrases
    screen = result.output[result.output.index("Sites at their power limit") :]
    row = next(line for line in screen.splitlines() if line.strip("│┃ ").startswith("B "))
    assert re.search(r"│\s+2\s+│\s+P1\s+│", row), row


def test_plan_says_it_holds_fractional_accelerators(tiny, tmp_path):
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(tmp_path / "o")])
    assert "fractional accelerators" in " ".join(result.output.split())
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert "linear program" in summary["fractional_units"]
    assert "fractional" in (ROOT / "README.md").read_text()


def test_colours_do_not_depend_on_the_names_present():
    names = [f"op-{i}" for i in range(60)]
    clash = next(
        (a, b) for a in names for b in names if a < b and _slot(a) == _slot(b)
    )  # two names with one hash slot: the old palette moved the later one
    alone = Palette([clash[1]]).colour(clash[1])
    assert Palette(list(clash)).colour(clash[1]) == alone
    assert Palette(["coreweave", "microsoft"]).colour("coreweave") == Palette(
        ["coreweave", "crusoe", "microsoft"]
    ).colour("coreweave")
    assert alone in SPARE


def test_heatmap_scale_is_robust_to_one_dark_column():
    values = [1.0] * 60 + [2.0] * 60 + [100.0] * 10  # one expensive period at 10 sites
    assert robust_top(values) < 5.0
    assert robust_top([]) == 1.0
    assert robust_top([3.0, 3.0]) == 3.0


def test_no_spinner_when_quiet_or_not_a_terminal(tiny, tmp_path):
    from contextlib import nullcontext

    from chipalloc.solve.cli.display import spinner

    assert spinner(True) is nullcontext
    assert spinner(False) is nullcontext  # CliRunner's stderr is not a terminal
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 0 and result.output == ""


def test_wide_tables_read_at_80_columns(tmp_path, monkeypatch):
    monkeypatch.setattr(common.console, "_width", 80)
    result = runner.invoke(app, ["solve", "--out", str(tmp_path / "base")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("│", "┃"))]
    assert lines and max(len(line) for line in lines) <= 80
    mix = result.output[result.output.index("Chip mix per site") :]
    for name in ("fairwater-atl", "coreweave-denton", "abilene"):
        assert f"│ {name} " in mix, name


def _typo_site(tiny: Path) -> None:
    frame = pd.read_csv(tiny / "sites.csv")
    frame.loc[0, "site"] = "Aa"
    frame.to_csv(tiny / "sites.csv", index=False)


def test_a_typo_is_one_problem_with_did_you_mean(tmp_path):
    folder = write_scenario(
        tmp_path / "t",
        periods=periods(8, 30.0),
        chips=[chip(perf_pflops=2.0, lifetime_periods=1)],
        chip_supply=supply("X", 8, 1e3, 1000.0),
        sites=[site(site="fairwater")],
        site_power=power("fairwater", 8, 1.0, 50.0),
    )
    frame = pd.read_csv(folder / "sites.csv")
    frame.loc[0, "site"] = "fairwatr"
    frame.to_csv(folder / "sites.csv", index=False)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    lines = [str(p) for p in caught.value.problems]
    unknown = [line for line in lines if "unknown site 'fairwater'" in line]
    assert len(unknown) == 1, lines
    assert "in 8 rows" in unknown[0] and "did you mean 'fairwatr'?" in unknown[0]


def test_a_site_without_power_rows_warns(tmp_path):
    folder = write_scenario(
        tmp_path / "t",
        periods=periods(2, 30.0),
        chips=[chip(perf_pflops=2.0, lifetime_periods=1)],
        chip_supply=supply("X", 2, 1e3, 1000.0),
        sites=[site(), site(site="B")],
        site_power=power("A", 2, 1.0, 50.0),
    )
    sc = load_scenario(folder)
    assert any("site 'B' has no rows in site_power.csv" in w for w in sc.warnings)


def test_results_file_lists_name_reduced_costs():
    readme = (ROOT / "README.md").read_text()
    results = readme[readme.index("Results (`results/<name>/`)") :]
    assert "reduced_costs.csv" in results[:1200]
    fmt = (ROOT / "docs" / "scenario-format.md").read_text()
    table = fmt[fmt.index("## Results folder") : fmt.index("## Choices")]
    assert "`reduced_costs.csv`" in table


def test_study_objectives_carry_their_unit(tiny, tmp_path):
    edit = "{table: chip_supply, column: unit_cost_usd, scale: [0.5, 2]}"
    out = tmp_path / "sw"
    result = runner.invoke(
        app, ["sweep", str(tiny), "--edit", edit, "--out", str(out), "--workers", "1", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(out / "sweep.csv")["objective_unit"]) == {"USD"}
    spec = tmp_path / "t.yaml"
    spec.write_text("price: " + edit + "\n")
    out = tmp_path / "to"
    result = runner.invoke(
        app, ["tornado", str(tiny), "--spec", str(spec), "--out", str(out), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(out / "tornado.csv")["objective_unit"]) == {"USD"}


def test_one_png_chart_is_singular(tmp_path, monkeypatch, capsys):
    from chipalloc.solve.cli import report
    from chipalloc.solve.report import html

    png = tmp_path / "charts" / "a.png"
    fake = html.Report("solve", tmp_path / "report.html", [png], [])
    monkeypatch.setattr(html, "write_report", lambda folder, png=True: fake)
    monkeypatch.setattr(report.console, "_width", 200)
    report.report_folder(tmp_path)
    out = capsys.readouterr().out
    assert "1 PNG chart in" in out and "charts in" not in out


def test_missing_matplotlib_says_how_to_get_the_charts(tmp_path):
    from chipalloc.solve.report import html

    class Broken:
        name = "x"

        def png(self, path):
            raise ModuleNotFoundError("No module named 'matplotlib'")

    paths, problem = html.write_pngs([Broken(), Broken()], tmp_path)
    assert paths == [] and "pip install matplotlib" in problem and problem.count("x.png") == 0


def test_the_report_shows_the_chip_mix_per_site(late_site, tmp_path):
    from chipalloc.solve.report.pages.summary import solve_summary

    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(late_site), "--out", str(out), "-q"]).exit_code == 0
    rows = dict(solve_summary(load_solve(out)))
    mix = rows["Chip mix per site in P2"]
    assert any(line.startswith("B: X ") for line in mix), mix
