"""Bad input (MODEL.md sections 2 and 5): exit 2, every problem with file, row and column.

``tests/fixtures/broken/<rule>/`` holds one scenario per rule: the same small valid scenario
with that rule broken, ``expected.txt`` (substrings the message must contain, one a line)
and, for overrides, ``variant.txt`` (the variant to apply from its ``variants.yaml``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from builders import FIXTURES, chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.data import ScenarioError, load_scenario
from chipalloc.solve.cli.app import app

BROKEN = FIXTURES / "broken"
RULES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
runner = CliRunner()


def flat(text: str) -> str:
    """Whitespace collapsed, so a wrapped line still matches."""
    return " ".join(text.split())


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def args_for(folder: Path) -> list[str]:
    variant = folder / "variant.txt"
    return ["--variant", variant.read_text().strip()] if variant.exists() else []


@pytest.mark.parametrize("rule", RULES)
def test_each_broken_rule_exits_2_with_its_message(rule):
    folder = BROKEN / rule
    result = invoke("validate", folder, *args_for(folder))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for expected in (folder / "expected.txt").read_text().splitlines():
        if expected.strip():
            assert flat(expected) in flat(result.output), (rule, result.output)


def test_the_fixtures_cover_every_rule_family():
    """At least one fixture per MODEL.md section 2 rule named in issue 5."""
    needed = {
        "missing_required_file",
        "missing_column",
        "wrong_type",
        "nan_value",
        "inf_value",
        "negative_value",
        "fractional_int",
        "duplicate_key",
        "unknown_period",
        "unknown_chip",
        "unknown_site",
        "periods_out_of_order",
        "empty_file",
        "bad_utf8",
        "semicolon_separated",
        "yaml_not_mapping",
        "max_compute_without_budget",
        "build_site_missing_power_rows",
        "initial_fleet_incompatible",
        "override_selects_nothing",
        "override_unknown_table",
        "override_unknown_column",
    }
    assert needed <= set(RULES)


def test_solve_also_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = invoke("solve", BROKEN / "negative_value", "--out", out)
    assert result.exit_code == 2
    assert "chip_supply.csv, row 6, column 'max_units'" in flat(result.output)
    assert not out.exists()


def copy_base(tmp_path: Path) -> Path:
    """A valid scenario: a fixture folder with its broken file restored."""
    folder = tmp_path / "base"
    shutil.copytree(BROKEN / "negative_value", folder)
    path = folder / "chip_supply.csv"
    path.write_text(path.read_text().replace("MI355X,2026Q2,-5", "MI355X,2026Q2,1000"))
    return folder


def test_the_fixture_base_is_valid(tmp_path):
    result = invoke("validate", copy_base(tmp_path))
    assert result.exit_code == 0, result.output
    assert "valid: fixture (3 periods, 2 chips, 2 sites" in result.output


def test_every_problem_is_reported_at_once(tmp_path):
    folder = copy_base(tmp_path)
    (folder / "chips.csv").write_text(
        "chip,vendor,perf_pflops,power_kw,lifetime_periods,cooling\n"
        "GB200,nvidia,abc,1.8,16,liquid\n"
        "MI355X,amd,2.3,-1,16.5,air\n"
    )
    (folder / "periods.csv").unlink()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    found = {(p.file, p.row, p.column) for p in caught.value.problems}
    assert found == {
        ("periods.csv", None, None),
        ("chips.csv", 2, "perf_pflops"),
        ("chips.csv", 3, "power_kw"),
        ("chips.csv", 3, "lifetime_periods"),
    }


def test_spreadsheet_rows_count_blank_lines_and_multiline_cells(tmp_path):
    folder = copy_base(tmp_path)
    (folder / "chips.csv").write_text(
        "chip,vendor,perf_pflops,power_kw,lifetime_periods,cooling,notes\n"
        '"GB200",nvidia,2.5,1.8,16,liquid,"two\nlines"\n'
        "\n"
        "MI355X,amd,2.3,1.6,sixteen,air,\n"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (4, "lifetime_periods")


def test_numbers_spaces_and_integral_floats_are_accepted(tmp_path):
    folder = copy_base(tmp_path)
    (folder / "chips.csv").write_text(
        " chip , vendor ,perf_pflops,power_kw,lifetime_periods,cooling,operators,notes,,\n"
        " GB200 ,nvidia, 2.5e0 ,1.8, 16.0 ,liquid,,free text,,\n"
        "MI355X,amd,+2.3,1.6e0,1.6e1,air,microsoft;oracle,,,\n"
    )
    (folder / "scenario.yaml").write_text('discount_rate: "0.05"\nname: 2026\ndescription:\n')
    sc = load_scenario(folder)
    assert list(sc.chips["chip"]) == ["GB200", "MI355X"]
    assert list(sc.chips["lifetime_periods"]) == [16, 16]
    assert list(sc.chips["perf_pflops"]) == [2.5, 2.3]
    assert sc.settings.discount_rate == 0.05
    assert sc.name == "2026"
    assert sc.settings.description == ""


def test_unknown_scenario_key_warns_with_the_closest_key(tmp_path):
    folder = copy_base(tmp_path)
    (folder / "scenario.yaml").write_text("laod_factor: 0.8\ncolour: blue\n")
    result = invoke("validate", folder)
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "unknown key 'laod_factor' is ignored (did you mean 'load_factor'?)" in text
    assert "unknown key 'colour' is ignored" in text
    assert load_scenario(folder).settings.load_factor == 1.0


def test_policy_naming_nothing_is_a_warning(tmp_path):
    folder = copy_base(tmp_path)
    (folder / "policies.csv").write_text(
        "kind,name,value,from_period\noperator_max_share,coreweave,0.5,\n"
    )
    result = invoke("validate", folder)
    assert result.exit_code == 0
    assert "operator 'coreweave' matches nothing" in flat(result.output)


def test_names_are_shown_literally_not_as_markup(tmp_path):
    folder = copy_base(tmp_path)
    path = folder / "chip_supply.csv"
    path.write_text(path.read_text().replace("MI355X,2026Q3", "[red]X[/red],2026Q3"))
    result = invoke("validate", folder)
    assert result.exit_code == 2
    assert "unknown chip '[red]X[/red]'" in result.output


def test_overrides_without_variant_is_exit_2(tmp_path):
    folder = copy_base(tmp_path)
    result = invoke("validate", folder, "--overrides", folder / "scenario.yaml")
    assert result.exit_code == 2
    assert "--overrides needs --variant" in result.output


def test_unknown_variant_names_the_known_ones():
    folder = BROKEN / "override_unknown_table"
    result = invoke("validate", folder, "--variant", "nope")
    assert result.exit_code == 2
    assert "unknown variant 'nope' (known: typo)" in flat(result.output)


def test_unsafe_yaml_in_overrides_is_not_run(tmp_path):
    folder = copy_base(tmp_path)
    marker = tmp_path / "ran"
    (folder / "variants.yaml").write_text(
        f'x: !!python/object/apply:os.system ["touch {marker}"]\n'
    )
    result = invoke("validate", folder, "--variant", "x")
    assert result.exit_code == 2
    assert "variants.yaml: is not valid UTF-8 YAML" in flat(result.output)
    assert not marker.exists()


def test_debug_shows_the_traceback_of_an_unexpected_error(tmp_path, monkeypatch):
    import chipalloc.solve.pipeline as pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("boom [x]")

    monkeypatch.setattr(pipeline, "load", broken)
    folder = copy_base(tmp_path)
    plain = invoke("validate", folder)
    assert plain.exit_code == 1
    assert "RuntimeError: boom [x] (rerun with --debug" in flat(plain.output)
    debug = invoke("validate", folder, "--debug")
    assert isinstance(debug.exception, RuntimeError)


def test_a_variant_of_the_builders_scenario_validates(tmp_path):
    """Overrides that are valid pass: the negative tests above are not vacuous."""
    folder = write_scenario(
        tmp_path / "ok",
        periods=periods(2, 10.0),
        chips=[chip()],
        chip_supply=supply("X", 2, 100.0, 10.0),
        sites=[site()],
        site_power=power("A", 2, 1.0),
    )
    (folder / "variants.yaml").write_text(
        "more:\n  - {table: chip_supply, where: {chip: X}, column: max_units, scale: 2}\n"
    )
    result = invoke("validate", folder, "--variant", "more")
    assert result.exit_code == 0, result.output


def test_a_terminal_gets_the_problems_as_a_table(monkeypatch):
    import io

    from rich.console import Console

    import chipalloc.solve.cli.common as cli

    buffer = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=buffer, force_terminal=True, width=200))
    folder = BROKEN / "override_breaks_rule"
    result = invoke("validate", folder, "--variant", "negative")
    assert result.exit_code == 2
    text = buffer.getvalue()
    assert "Invalid scenario in variant 'negative', edit 1" in text
    assert "chip_supply.csv" in text and "max_units" in text


def test_a_chip_no_site_can_host_is_a_warning_with_a_did_you_mean(tmp_path):
    folder = copy_base(tmp_path)
    path = folder / "chips.csv"
    path.write_text(path.read_text().replace("air,microsoft;oracle", "air,microsfot"))
    result = invoke("validate", folder)
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert (
        "chips.csv, row 3: chip 'MI355X' (operators microsfot, cooling air) fits no site, "
        "so it is never bought; operators with sites: microsoft, proprietary "
        "(did you mean 'microsoft' for 'microsfot'?)"
    ) in text


def test_a_liquid_chip_with_only_air_sites_of_its_operator_is_a_warning(tmp_path):
    folder = copy_base(tmp_path)
    path = folder / "chips.csv"
    path.write_text(path.read_text().replace("liquid,\n", "liquid,proprietary\n"))
    path = folder / "sites.csv"
    path.write_text(path.read_text().replace("proprietary,1.3,liquid", "proprietary,1.3,air"))
    (folder / "initial_fleet.csv").unlink()
    result = invoke("validate", folder)
    assert result.exit_code == 0, result.output
    assert "chip 'GB200' (operators proprietary, cooling liquid) fits no site" in flat(
        result.output
    )
    assert "no site of those operators has liquid cooling" in flat(result.output)


def test_a_duplicated_yaml_key_is_a_warning_naming_file_key_and_line(tmp_path):
    folder = copy_base(tmp_path)
    (folder / "scenario.yaml").write_text("name: a\nload_factor: 0.5\nload_factor: 0.9\n")
    (folder / "variants.yaml").write_text(
        "v:\n  - {table: periods, column: years, scale: 1}\n"
        "v:\n  - {table: periods, column: years, scale: 2, scale: 1}\n"
    )
    result = invoke("validate", folder)
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert (
        "scenario.yaml, line 3: key 'load_factor' is given again (first on line 2); "
        "the value on line 3 is used"
    ) in text
    assert load_scenario(folder).settings.load_factor == 0.9
    result = invoke("validate", folder, "--variant", "v")
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "scenario.yaml, line 3: key 'load_factor' is given again" in text
    assert "variants.yaml, line 3: key 'v' is given again (first on line 1)" in text
    assert "variants.yaml, line 4: key 'scale' is given again (first on line 4)" in text


def test_a_minimum_spend_beyond_any_possible_spend_is_infeasible_not_an_error(tmp_path):
    """MODEL.md allows any minimum spend: 1e30 USD is exit 3 (explained), never exit 1."""
    folder = copy_base(tmp_path)
    (folder / "policies.csv").write_text(
        "kind,name,value,from_period\noperator_min_spend_usd,microsoft,1e30,\n"
    )
    result = invoke("solve", folder, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 3, result.output
    assert "operator_min_spend_usd" in flat(result.output)


def test_values_at_the_supported_magnitudes_solve(tmp_path):
    """Every USD column near its supported maximum, demand and penalty too: exit 0."""
    folder = copy_base(tmp_path)
    (folder / "scenario.yaml").write_text("unmet_penalty_usd_per_pflops_year: 9e14\n")
    (folder / "policies.csv").write_text("kind,name,value,from_period\n")
    for name, column, value in [
        ("periods.csv", "demand_pflops", "9e11"),
        ("periods.csv", "capex_budget_usd", "9e14"),
        ("chip_supply.csv", "unit_cost_usd", "9e8"),
        ("site_power.csv", "energy_usd_per_mwh", "9e7"),
    ]:
        path = folder / name
        lines = path.read_text().splitlines()
        at = lines[0].split(",").index(column)
        rows = [line.split(",") for line in lines[1:]]
        for row in rows:
            row[at] = value
        path.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n")
    result = invoke("solve", folder, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
