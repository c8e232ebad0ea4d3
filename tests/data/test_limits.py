"""Bounded time and memory for any input (issue 13, groups 2 and 3; docs/validation.md "Limits").

Only regular files are read, under a size cap; YAML aliases are refused; a message quotes a
short excerpt of a value; the problem list is capped; a wrong-typed edit is an invalid
variant (exit 2) or an invalid point of a study, never a crash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from builders import FIXTURES, chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.data import ScenarioError, apply_variant, limits, load_scenario
from chipalloc.data.problems import Problem, cap
from chipalloc.solve.cli.app import app

runner = CliRunner()
BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def flat(text: str) -> str:
    return " ".join(text.split())


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def base(tmp_path) -> Path:
    folder = tmp_path / "base"
    shutil.copytree(FIXTURES / "broken" / "override_unknown_table", folder)
    for name in ("variants.yaml", "variant.txt", "expected.txt"):
        (folder / name).unlink()
    assert invoke("validate", folder).exit_code == 0
    return folder


def test_alias_bomb_in_scenario_yaml_is_refused_fast(base):
    (base / "scenario.yaml").write_text(BOMB + "description: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n")
    start = time.perf_counter()
    result = invoke("validate", base)
    assert time.perf_counter() - start < 5
    assert result.exit_code == 2
    assert "scenario.yaml: is not valid YAML (found an alias" in flat(result.output)
    assert len(result.output) < 2000


def test_alias_bomb_in_overrides_is_refused_fast(base):
    (base / "variants.yaml").write_text(BOMB + "v: [*g]\n")
    result = invoke("validate", base, "--variant", "v")
    assert result.exit_code == 2
    assert "variants.yaml: is not valid UTF-8 YAML (found an alias" in flat(result.output)
    assert len(result.output) < 2000


def test_alias_in_a_sweep_spec_is_refused(base, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(BOMB + "- *g\n".replace("- ", "h: "))
    result = invoke("sweep", base, "--spec", spec, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "found an alias" in flat(result.output)
    assert not (tmp_path / "out").exists()


def test_plain_anchors_without_aliases_still_load():
    assert limits.parse_yaml("a: &x 1\nb: 2\n") == {"a": 1, "b": 2}


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(limits.FAST_PARSER is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize(
    "path",
    sorted(p for p in ROOT.glob("**/*.yaml") if "results" not in p.parts),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_libyaml_reads_every_shipped_yaml_as_the_python_parser_does(path):
    """parse_yaml's fast path (libyaml) gives the data and duplicate-key warnings of
    ScenarioLoader, or leaves the file to it (an alias, bad YAML: its messages)."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    fast: list[str] = []
    loader = limits.ScenarioLoader(text, path.name)
    try:
        expected = loader.get_single_data()
    except (yaml.YAMLError, RecursionError):
        with pytest.raises(limits.InputError):
            limits.parse_yaml(text, path.name, fast)
        return
    finally:
        loader.dispose()
    assert limits.parse_yaml(text, path.name, fast) == expected
    assert fast == loader.duplicate_keys


def test_an_alias_the_fast_parser_meets_is_refused_where_it_stands():
    text = "a: &x [1, 2]\nb: {c: *x}\n"
    with pytest.raises(limits.InputError, match="found an alias .* at line 2, column 8"):
        limits.parse_yaml(text)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_blocking(base):
    (base / "sites.csv").unlink()
    os.mkfifo(base / "sites.csv")
    code = (
        "import sys; from typer.testing import CliRunner; from chipalloc.solve.cli.app import app; "
        "r = CliRunner().invoke(app, ['validate', sys.argv[1]]); print(r.output); "
        "sys.exit(r.exit_code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(base)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "sites.csv: cannot be read (is a FIFO" in flat(done.stdout)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_symlink_to_dev_zero_is_refused(base):
    (base / "chips.csv").unlink()
    (base / "chips.csv").symlink_to("/dev/zero")
    (base / "scenario.yaml").unlink()
    (base / "scenario.yaml").symlink_to("/dev/zero")
    result = invoke("validate", base)
    assert result.exit_code == 2
    text = flat(result.output)
    assert "chips.csv: cannot be read (is a character device" in text
    assert "scenario.yaml: cannot be read (is a character device" in text


def test_a_directory_is_refused(base):
    (base / "sites.csv").unlink()
    (base / "sites.csv").mkdir()
    result = invoke("validate", base)
    assert result.exit_code == 2
    assert "sites.csv: cannot be read (Is a directory" in flat(result.output)


def test_files_over_the_size_cap_are_refused(base, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CSV_BYTES", 150)
    monkeypatch.setattr(limits, "MAX_YAML_BYTES", 20)
    (base / "chips.csv").write_text((base / "chips.csv").read_text() + "#" * 200 + "\n")
    (base / "scenario.yaml").write_text("name: fixture\ndescription: " + "x" * 40 + "\n")
    result = invoke("validate", base)
    assert result.exit_code == 2
    text = flat(result.output)
    assert "chips.csv: is too large" in text and "the limit is 150 bytes" in text
    assert "scenario.yaml: is too large" in text


def test_an_overrides_file_over_the_cap_is_refused(base, monkeypatch):
    monkeypatch.setattr(limits, "MAX_YAML_BYTES", 40)
    (base / "variants.yaml").write_text("v: [{table: chips, column: perf_pflops, scale: 2}]\n")
    result = invoke("validate", base, "--variant", "v")
    assert result.exit_code == 2
    assert "variants.yaml: is too large" in flat(result.output)


def test_a_long_value_is_quoted_as_an_excerpt(base):
    (base / "scenario.yaml").write_text("discount_rate: " + "z" * 5000 + "\n")
    result = invoke("validate", base)
    assert result.exit_code == 2
    assert "z" * limits.EXCERPT_CHARS + "'..." in result.output
    assert len(result.output) < 1000


def test_many_junk_rows_give_a_bounded_list_fast(base):
    path = base / "chips.csv"
    rows = "".join(f"c{i},v,fast,x,y,water\n" for i in range(20_000))
    path.write_text(path.read_text() + rows)
    start = time.perf_counter()
    result = invoke("validate", base)
    assert time.perf_counter() - start < 20
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) <= limits.MAX_PROBLEMS + 2
    text = flat(result.output)
    assert "chips.csv, column 'perf_pflops': and" in text and "more like this" in text
    assert "checking stopped after" in text


def test_many_ragged_rows_give_a_bounded_list(base):
    path = base / "sites.csv"
    path.write_text(path.read_text() + "a,b,c,d,e,f,g,h,i,j,k,l\n" * 5000)
    result = invoke("validate", base)
    assert result.exit_code == 2
    assert len(result.output.splitlines()) <= limits.MAX_PROBLEMS_PER_COLUMN + 3
    assert "sites.csv: and 4,990 more like this" in flat(result.output)


def test_cap_is_bounded_and_idempotent(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PROBLEMS", 25)
    many = [Problem(f"f{i % 4}.csv", "bad", row=n, column="c") for n in range(500) for i in [n]]
    capped = cap(many)
    assert len(capped) == 26
    assert capped[-1].message.endswith("more problems not listed")
    assert sum(p.more or 1 for p in capped) == 500
    assert cap(capped) == capped
    assert ScenarioError(many).count == 500


def test_a_huge_valid_table_reads_in_linear_time(tmp_path):
    def scenario(n: int) -> Path:
        chips = [chip(chip=f"C{i}") for i in range(n)]
        return write_scenario(
            tmp_path / f"s{n}",
            periods=periods(2, 10.0),
            chips=chips,
            chip_supply=supply("C0", 2, 100.0, 10.0),
            sites=[site()],
            site_power=power("A", 2, 1.0),
        )

    small, large = scenario(2_000), scenario(20_000)
    start = time.perf_counter()
    load_scenario(small)
    t_small = time.perf_counter() - start
    start = time.perf_counter()
    assert len(load_scenario(large).chips) == 20_000
    t_large = time.perf_counter() - start
    assert t_large < 30 * max(t_small, 0.01)


WRONG_EDITS = [
    ("{table: chips, column: [perf_pflops], scale: 2}", "'column' expected text"),
    ("{table: [chips], column: perf_pflops, scale: 2}", "'table' expected text"),
    ("{table: chips, column: perf_pflops, set: [1, 2]}", "'set' should be a single value"),
    ("{column: vendor, table: chips, add: 1}", "add needs a numeric column"),
    ("{table: site_power, column: period, shift: 1}", "shift cannot move key column 'period'"),
    ("{table: periods, column: capex_budget_usd, scale: .nan}", "expected a finite number"),
    ("{table: periods, column: capex_budget_usd, set: .nan}", "should be a finite number"),
    ("{table: chips, column: perf_pflops, scale: null}", "'scale' expected a number"),
    ("{table: chips, column: perf_pflops, add: true}", "not true/false"),
    ("{table: periods, column: demand_pflops, shift: 1.5}", "'shift' expected a whole number"),
    ("{table: chips, where: {chip: [GB200]}, column: perf_pflops, scale: 2}", "'where.chip'"),
    ("{table: chips, where: [chip], column: perf_pflops, scale: 2}", "'where' expected a mapping"),
    ("{table: scenario, column: description, scale: 2}", "scenario key 'description' is text"),
    ("{table: chips, column: perf_pflops}", "needs exactly one of"),
    ("{table: chips, column: perf_pflops, scale: 2, colour: 1}", "unknown field 'colour'"),
    ("[chips]", "an edit must be a mapping"),
    (
        "{table: chips, column: lifetime_periods, scale: 1.01}",
        "chips.csv, row 2, column 'lifetime_periods': must be a whole number",
    ),
]


@pytest.mark.parametrize(("edit", "message"), WRONG_EDITS)
def test_a_wrong_typed_edit_names_variant_and_edit(base, edit, message):
    (base / "variants.yaml").write_text(
        f"v:\n  - {{table: chips, column: perf_pflops, scale: 1}}\n  - {edit}\n"
    )
    result = invoke("validate", base, "--variant", "v")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = flat(result.output)
    assert "variant 'v', edit 2" in text
    assert message in text


def test_an_extra_text_column_cannot_be_scaled(base):
    path = base / "chips.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",notes"] + [ln + ",fast" for ln in lines[1:]]) + "\n")
    sc = load_scenario(base)
    overrides = {"v": [{"table": "chips", "column": "notes", "scale": 2}]}
    with pytest.raises(ScenarioError) as caught:
        apply_variant(sc, overrides, "v")
    assert "scale needs numbers; table 'chips', row 2, column 'notes' holds 'fast'" in str(
        caught.value
    )


def test_scaling_an_int_column_by_a_whole_factor_still_works(base):
    sc = load_scenario(base)
    edited = apply_variant(
        sc, {"v": [{"table": "chips", "column": "lifetime_periods", "scale": 0.5}]}, "v"
    )
    assert list(edited.chips["lifetime_periods"]) == [v // 2 for v in sc.chips["lifetime_periods"]]


def test_a_sweep_point_with_a_bad_edit_is_invalid_while_the_others_solve(tmp_path):
    from chipalloc.solve.whatif.parallel import run_cases
    from chipalloc.solve.whatif.sweep import parse_axis, sweep_cases

    folder = write_scenario(
        tmp_path / "ok",
        periods=periods(2, 10.0),
        chips=[chip()],
        chip_supply=supply("X", 2, 100.0, 10.0),
        sites=[site()],
        site_power=power("A", 2, 1.0),
    )
    sc = load_scenario(folder)
    axis = parse_axis(
        {"table": "chip_supply", "column": "unit_cost_usd", "scale": [1.0, [2], float("nan"), 1.5]}
    )
    rows = run_cases(sc, sweep_cases([axis]), workers=1, progress=False)
    assert [r["status"] for r in rows] == ["optimal", "invalid", "invalid", "optimal"]
    assert "sweep point 2, edit 1" in rows[1]["message"]
    assert "'scale' expected a number" in rows[1]["message"]
    assert "expected a finite number" in rows[2]["message"]


def test_compare_records_a_bad_variant_and_runs_the_others(base, tmp_path):
    (base / "variants.yaml").write_text(
        "good:\n  - {table: chips, column: perf_pflops, scale: 1.1}\n"
        "bad:\n  - {table: chips, column: [perf_pflops], scale: 2}\n"
    )
    out = tmp_path / "cmp"
    result = invoke("compare", base, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    table = (out / "compare.csv").read_text()
    assert "invalid" in table and "variant 'bad', edit 1" in table
