"""Shared fixtures: write a small scenario, solve it, and check the written plan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from builders import write_scenario

from chipalloc.data import load_scenario
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.backend.solver import Solver
from chipalloc.solve.pipeline import Run, solve, write
from chipalloc.solve.results.checker import check_results


@pytest.fixture
def solve_case(tmp_path: Path) -> Callable[..., Run]:
    """Write tables to a scenario folder, solve, write results, and run the plan checker."""

    def run(settings: dict | None = None, **tables: list[dict]) -> Run:
        folder = write_scenario(tmp_path / "case", settings=settings, **tables)
        scenario = load_scenario(folder)
        result = solve(scenario, SolveOptions())
        if result.outcome.status == "optimal":
            out = tmp_path / "out"
            write(result, out, SolveOptions(), force=True)
            assert check_results(scenario, out) == []
            result.folder = out
        return result

    return run


@pytest.fixture
def gaps(monkeypatch) -> list[float]:
    """HiGHS's own ``mip_rel_gap`` after every MIP solve in this process (an LP adds none):
    the gap each MIP really ran with."""
    seen: list[float] = []
    solve = Solver.solve

    def spy(self):
        outcome = solve(self)
        if outcome.problem == "mip":
            value = self.highs.getOptionValue("mip_rel_gap")
            seen.append(value[1] if isinstance(value, tuple) else value)
        return outcome

    monkeypatch.setattr(Solver, "solve", spy)
    return seen
