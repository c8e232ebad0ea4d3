"""model/ and solve/ use Pyomo's public modelling API only: no Pyomo solver interface and no
private attribute of a Pyomo object (so any Pyomo release that passes the suite will do)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCES = sorted(p for folder in ("model", "solve") for p in (ROOT / folder).rglob("*.py"))

SOLVER_INTERFACES = ("pyomo.contrib.solver", "pyomo.contrib.appsi")
PYOMO_PRIVATE = {
    "_data",
    "_lb",
    "_ub",
    "_fixed",
    "_domain",
    "_value",
    "_index_set",
    "_solver_model",
    "_pyomo_var_to_solver_var_map",
    "_pyomo_con_to_solver_con_map",
    "_solver_con_to_pyomo_con_map",
    "_con_list",
    "_var_list",
}
"""Private attributes of Pyomo components and of its solver interfaces: not allowed on any
object, ours included (a name shared with Pyomo's internals would hide a real use)."""

BEFORE_STOP = re.compile(
    r"from pyomo\.contrib\.(solver|appsi)\.solvers?\.[a-z_.]+ import"
    r"|\._pyomo_var_to_solver_var_map|\._data\.values\(\)|\.(_lb|_ub|_fixed|_domain)\b"
)
"""The check of /work/shared/hooks/before-stop."""


def private_uses(source: str) -> list[str]:
    """Imports of a Pyomo solver interface, and private attribute reads other than our own
    objects' ``self._name`` (a Pyomo object's private attribute is never on ``self`` here:
    no class in model/ or solve/ derives from a Pyomo class)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom | ast.Import):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            modules += [alias.name for alias in getattr(node, "names", [])]
            found += [f"import {m}" for m in modules if m.startswith(SOLVER_INTERFACES)]
        elif isinstance(node, ast.Attribute):
            name = node.attr
            if not name.startswith("_") or name.startswith("__"):
                continue
            own = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if name in PYOMO_PRIVATE or not own:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_finds_what_it_forbids():
    bad = (
        "from pyomo.contrib.solver.solvers.highs import Highs\n"
        "import pyomo.contrib.appsi.solvers\n"
        "x = [d for d in comp._data.values()]\n"
        "y = v._lb\n"
        "z = self._solver_model\n"
        "w = interface._x\n"
    )
    assert len(private_uses(bad)) == 6
    assert len(BEFORE_STOP.findall(bad)) == 3
    assert private_uses("self._x = v.lb\nfrom pyomo.core import Var\n") == []


def test_sources_exist():
    names = {p.relative_to(ROOT).as_posix() for p in SOURCES}
    assert "solve/backend/highs_model.py" in names and "model/__init__.py" in names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_pyomo_internals(path):
    source = path.read_text()
    assert private_uses(source) == []
    assert [m.group(0) for m in BEFORE_STOP.finditer(source)] == []


def test_no_subclass_of_a_pyomo_class():
    """A class of ours derived from Pyomo's could reach its private state through ``self``."""
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        pyomo_names = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pyomo")
            for alias in node.names
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(b) for b in node.bases}
                assert not bases & pyomo_names, f"{path}: class {node.name}({bases})"
                assert not any(b.startswith(("pyo.", "pyomo.")) for b in bases), path
