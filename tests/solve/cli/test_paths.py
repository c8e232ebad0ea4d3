"""A scenario never chooses where we write or what we delete, and never misleads on screen.

Issue 13, groups 1 and 5a: the default results folder is a safe slug of the name inside
results/; --force replaces only a folder chipalloc wrote (manifest.json), never a file or a
folder that is or holds the inputs; a partial backup is never restored; every command ends
in one line, not a traceback; scenario text is printed literally.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.solve.cli.app import app
from chipalloc.solve.cli.common import default_out, printable
from chipalloc.solve.results.write import (
    PartialBackupWarning,
    RefusedTarget,
    check_target,
    is_ours,
    slug,
    write_folder,
)

runner = CliRunner()


def make(folder: Path, name: str | None = None, operator: str = "own") -> Path:
    folder = write_scenario(
        folder,
        periods=periods(2, [100.0, 200.0]),
        chips=[chip()],
        chip_supply=supply("X", 2, 500.0, 10.0),
        sites=[site(operator=operator)],
        site_power=power("A", 2, 1.0),
    )
    if name is not None:
        (folder / "scenario.yaml").write_text(f"name: {name}\n")
    return folder


def invoke(*args) -> object:
    return runner.invoke(app, [str(a) for a in args])


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


@pytest.mark.parametrize(
    ("name", "slugged"),
    [
        ("base", "base"),
        ("/some/abs/dir", "some-abs-dir"),
        (".", ""),
        ("..", ""),
        ("../../x", "x"),
        (".hidden", "hidden"),
        ("a b/c\\d", "a-b-c-d"),
        ("x" * 300, "x" * 64),
        ("\x1b[2J", "2J"),
    ],
)
def test_slug(name, slugged):
    assert slug(name) == slugged


@pytest.mark.parametrize("name", ['"/ABS"', '"."', '"../../x"', '".."', '"~"'])
def test_a_name_keeps_the_default_results_folder_inside_results(name, tmp_path, monkeypatch):
    """``name: /abs``, ``.``, ``../../x``: written under results/, nothing outside touched."""
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    victim = tmp_path / "ABS"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine\n")
    other = work / "results" / "other"
    other.mkdir(parents=True)
    (other / "keep.txt").write_text("mine too\n")
    monkeypatch.chdir(work)
    name = name.replace("/ABS", str(victim))
    scenario = make(tmp_path / "scen", name)
    before = tree(tmp_path)
    for _ in range(2):
        result = invoke("solve", scenario, "-q", "--force")
        assert result.exit_code == 0, result.output
    written = [p for p in (work / "results").iterdir() if p.name != "other"]
    assert len(written) == 1 and is_ours(written[0]), written
    assert written[0].resolve().parent == (work / "results").resolve()
    after = tree(tmp_path)
    for path, data in before.items():
        assert after[path] == data, path
    assert not (tmp_path / "x").exists() and not (tmp_path / "a" / "x").exists()


def test_study_defaults_are_slugged_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    class Sc:
        name = "../../x"
        source = str(tmp_path / "folder")

    for suffix in ("-sweep", "-compare", "-tornado", "-sensitivity"):
        assert default_out(Sc(), suffix) == Path("results") / f"x{suffix}"
    Sc.name = "."
    assert default_out(Sc(), "-sweep") == Path("results") / "folder-sweep"
    Sc.source = "/"
    assert default_out(Sc()) == Path("results") / "scenario"


def test_sensitivity_default_stays_inside_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenario = make(tmp_path / "scen", '"../.."')
    result = invoke("sensitivity", scenario, "-q")
    assert result.exit_code == 0, result.output
    assert is_ours(tmp_path / "results" / "scen-sensitivity")


def test_a_symlink_in_results_pointing_outside_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "evil").symlink_to(outside)
    scenario = make(tmp_path / "scen", "evil")
    result = invoke("solve", scenario, "-q", "--force")
    assert result.exit_code == 1
    assert "outside results" in result.output
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("where", ["itself", "parent", "grandparent"])
def test_out_on_the_scenario_folder_or_a_parent_is_refused(where, tmp_path):
    scenario = make(tmp_path / "top" / "mid" / "scen")
    out = {"itself": scenario, "parent": scenario.parent, "grandparent": tmp_path / "top"}[where]
    (out / "manifest.json").write_text('{"chipalloc": "0"}\n')
    before = tree(tmp_path)
    result = invoke("solve", scenario, "--out", out, "-q", "--force")
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert "refusing" in result.output and "input" in result.output
    assert tree(tmp_path) == before


def test_out_on_the_overrides_file_folder_is_refused(tmp_path):
    scenario = make(tmp_path / "scen")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "manifest.json").write_text('{"chipalloc": "0"}\n')
    overrides = specs / "v.yaml"
    overrides.write_text("cheap:\n  - {table: chip_supply, column: unit_cost_usd, scale: 0.5}\n")
    result = invoke(
        "solve", scenario, "--overrides", overrides, "--variant", "cheap", "--out", specs, "--force"
    )
    assert result.exit_code == 1, result.output
    assert overrides.exists()


def test_out_on_a_file_is_refused_and_the_file_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenario = make(tmp_path / "scen")
    Path("notes.txt").write_text("my notes\n")
    result = invoke("solve", scenario, "--out", "notes.txt", "-q", "--force")
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert "notes.txt is not a folder" in result.output
    assert Path("notes.txt").read_text() == "my notes\n"
    result = invoke("solve", scenario, "--out", "notes.txt/sub", "-q", "--force")
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert "is a file, not a folder" in result.output
    assert Path("notes.txt").read_text() == "my notes\n"


def test_a_folder_without_our_manifest_is_not_replaced(tmp_path):
    scenario = make(tmp_path / "scen")
    out = tmp_path / "photos"
    out.mkdir()
    (out / "cat.jpg").write_bytes(b"meow")
    result = invoke("solve", scenario, "--out", out, "-q", "--force")
    assert result.exit_code == 1, result.output
    assert "was not written by chipalloc (no manifest.json)" in " ".join(result.output.split())
    assert tree(out) == {"cat.jpg": b"meow"}
    (out / "manifest.json").write_text('{"other": "tool"}\n')
    assert invoke("solve", scenario, "--out", out, "-q", "--force").exit_code == 1
    assert (out / "cat.jpg").exists()


def test_every_results_folder_carries_the_manifest_and_force_replaces_it(tmp_path):
    scenario = make(tmp_path / "scen")
    out = tmp_path / "out"
    assert invoke("solve", scenario, "--out", out, "-q").exit_code == 0
    assert is_ours(out)
    assert invoke("solve", scenario, "--out", out, "-q", "--force").exit_code == 0
    sens = tmp_path / "sens"
    assert invoke("sensitivity", scenario, "--out", sens, "-q").exit_code == 0
    assert is_ours(sens)
    write_folder(tmp_path / "study", {}, {"sweep": {}}, force=False)
    assert is_ours(tmp_path / "study")


def test_a_partial_backup_is_never_restored(tmp_path, monkeypatch):
    """A kill while the old folder is being deleted leaves a partial copy: never restored."""
    target = tmp_path / "results"
    write_folder(target, {}, {"summary": {"run": 1}}, force=False)
    real = shutil.rmtree
    calls = []

    def killed(path, *args, **kwargs):
        if not calls:
            calls.append(path)
            (Path(path) / "summary.json").unlink()
            raise KeyboardInterrupt
        return real(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", killed)
    with pytest.raises(KeyboardInterrupt):
        write_folder(target, {}, {"summary": {"run": 2}}, force=True)
    monkeypatch.setattr(shutil, "rmtree", real)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "results"]
    assert len(leftovers) == 1 and ".old-" not in leftovers[0], leftovers
    real(target)
    with pytest.warns(PartialBackupWarning, match="incomplete"):
        write_folder(target, {}, {"summary": {"run": 3}}, force=False)
    assert '"run": 3' in (target / "summary.json").read_text()
    assert (tmp_path / leftovers[0]).exists(), "the partial copy is left alone"


def test_a_backup_without_our_manifest_is_left_alone_with_a_warning(tmp_path):
    scenario = make(tmp_path / "scen")
    backup = tmp_path / ".out.old-999"
    backup.mkdir()
    (backup / "plan.csv").write_text("half\n")
    result = invoke("solve", scenario, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert "not restored" in result.output
    assert (backup / "plan.csv").read_text() == "half\n"
    assert is_ours(tmp_path / "out")


def test_check_target_rules(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(RefusedTarget, match="not a folder"):
        check_target(tmp_path / "file", True)
    with pytest.raises(FileExistsError):
        check_target(tmp_path / "file", False)
    check_target(tmp_path / "new", False)
    with pytest.raises(RefusedTarget, match="input"):
        check_target(tmp_path, True, [tmp_path / "scen" / "x.csv"])


@pytest.mark.parametrize("command", ["init", "generate"])
def test_init_or_generate_onto_a_file_is_one_line(command, tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("keep\n")
    result = invoke(command, file)
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert "is a file, not a folder" in result.output
    assert file.read_text() == "keep\n"


def test_init_under_a_file_is_one_line(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("keep\n")
    result = invoke("init", file / "sub")
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert file.read_text() == "keep\n"


def test_markup_in_ids_and_names_prints_literally(tmp_path):
    scenario = make(tmp_path / "scen", '"[bold]plan [blink]x"', operator="[bold]own")
    result = invoke("solve", scenario, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "[bold]plan [blink]x" in result.output
    assert "[bold]own" in result.output
    result = invoke("validate", scenario)
    assert "[bold]plan [blink]x" in result.output


def test_control_characters_in_the_name_are_not_printed_raw(tmp_path):
    scenario = make(tmp_path / "scen", '"evil\\e[2J\\rname"')
    for args in (["validate", scenario], ["solve", scenario, "--out", tmp_path / "out"]):
        result = invoke(*args)
        assert "\x1b" not in result.output and "\r" not in result.output, result.output
        if result.exit_code == 0:
            assert "evil\\x1b[2J\\x0dname" in result.output


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[bold]own", "\\[bold]own"),
        ("a\x1bb", "a\\x1bb"),
        ("tab\tnew\nline", "tab\\x09new\\x0aline"),
        ("\u202eevil", "\\u202eevil"),
        ("plain", "plain"),
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown
