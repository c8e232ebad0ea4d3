"""The one-way flow of docs/architecture.md, checked on the source.

data -> model -> solve, and inside solve: backend -> results -> explain -> pipeline -> whatif,
with report reading results folders (and the family specs) and cli on top. Each module's
``chipalloc`` imports (at any depth, lazy ones included) must stay within its layer's.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "api": "chipalloc",
    "data": "chipalloc.data",
    "model": "chipalloc.model",
    "solve": "chipalloc.solve",
}

ALLOWED = {
    "chipalloc.data": {"chipalloc.data"},
    "chipalloc.model": {"chipalloc.data", "chipalloc.model"},
    "chipalloc.solve.backend": {"chipalloc.model", "chipalloc.solve.backend"},
    "chipalloc.solve.results": {
        "chipalloc.data",
        "chipalloc.model",
        "chipalloc.solve.backend",
        "chipalloc.solve.results",
    },
    "chipalloc.solve.explain": {
        "chipalloc.data",
        "chipalloc.model",
        "chipalloc.solve.backend",
        "chipalloc.solve.results",
        "chipalloc.solve.explain",
    },
    "chipalloc.solve.pipeline": {
        "chipalloc.data",
        "chipalloc.model",
        "chipalloc.solve.backend",
        "chipalloc.solve.results",
        "chipalloc.solve.explain",
    },
    "chipalloc.solve.whatif": {
        "chipalloc.data",
        "chipalloc.model",
        "chipalloc.solve.backend",
        "chipalloc.solve.results",
        "chipalloc.solve.explain",
        "chipalloc.solve.pipeline",
        "chipalloc.solve.whatif",
    },
    "chipalloc.solve.report": {
        "chipalloc.model",
        "chipalloc.solve.report",
        "chipalloc.solve.results.write",
        "chipalloc.solve.results.limits",
        "chipalloc.solve.results.mix",
        "chipalloc.solve.results.units",
    },
    "chipalloc": {"chipalloc.solve.api"},
    "chipalloc.solve": {"chipalloc.solve.api"},
    "chipalloc.solve.api": {
        "chipalloc.data",
        "chipalloc.model",
        "chipalloc.solve.backend",
        "chipalloc.solve.results",
        "chipalloc.solve.explain",
        "chipalloc.solve.pipeline",
        "chipalloc.solve.whatif",
    },
    "chipalloc.solve.cli": {"chipalloc"},
}
"""Layer -> the packages (prefixes) its modules may import."""


def modules() -> list[tuple[str, Path]]:
    out = []
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            out.append((".".join((package, *parts)), path))
    return out


def layer_of(name: str) -> str:
    return max(
        (layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")), key=len
    )


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("chipalloc")}


@pytest.mark.parametrize(("name", "path"), modules(), ids=[n for n, _ in modules()])
def test_imports_follow_the_layers(name, path):
    allowed = ALLOWED[layer_of(name)]
    wrong = sorted(
        i for i in imports(path) if not any(i == a or i.startswith(a + ".") for a in allowed)
    )
    assert not wrong, f"{path.relative_to(ROOT)} ({layer_of(name)}) imports {wrong}"


def loaded_by(command: list[str]) -> list[str]:
    """The modules a fresh process has imported after running ``chipalloc COMMAND``."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from chipalloc.solve.cli.app import app\n"
        f"r = CliRunner().invoke(app, {command!r})\n"
        "assert r.exit_code == 0, r.output\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


COMMAND_MODULES = tuple(
    f"chipalloc.solve.cli.{p.stem}"
    for p in (ROOT / "solve" / "cli").glob("*.py")
    if p.stem not in ("__init__", "app", "common", "display")
)
"""One module per command: a command loads its own and no other."""
HEAVY = ("matplotlib", "plotly", "openpyxl", "scipy", "jinja2", "dask", "pyomo.environ")
"""Packages no solve or hedge needs (charts, workbooks, the cluster runner, every Pyomo
solver plugin)."""


def _under(names: list[str], prefixes) -> list[str]:
    return [m for m in names if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_a_plain_solve_loads_no_what_if_or_report_code(tmp_path):
    """``chipalloc solve`` on the default scenario, in a fresh process: no module of
    solve/whatif or solve/report is imported, no other command's module, and none of
    ``HEAVY``."""
    names = loaded_by(["solve", "--out", str(tmp_path / "out"), "-q"])
    assert _under(names, ("chipalloc.solve.whatif", "chipalloc.solve.report")) == []
    assert _under(names, COMMAND_MODULES) == ["chipalloc.solve.cli.solve"]
    assert _under(names, HEAVY) == []


def test_hedge_loads_no_report_code_and_no_other_command(tmp_path):
    """``chipalloc hedge`` on the default futures: its what-if module, no report or
    plotting module, no other command's module, none of ``HEAVY``."""
    names = loaded_by(["hedge", "--out", str(tmp_path / "out"), "-q"])
    assert _under(names, ("chipalloc.solve.whatif",)) == [
        "chipalloc.solve.whatif",
        "chipalloc.solve.whatif.hedge",
    ]
    assert _under(names, ("chipalloc.solve.report",)) == []
    assert _under(names, COMMAND_MODULES) == ["chipalloc.solve.cli.hedge"]
    assert _under(names, HEAVY) == []
