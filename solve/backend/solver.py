"""Run HiGHS on a built model through Pyomo's persistent interface (highspy underneath).

The ``Solver`` keeps the persistent interface, so a later run can change mutable
parameters and re-solve from the previous basis without rebuilding the model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyomo.core as pyo
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from chipalloc.model import PFLOPS, USD
from chipalloc.solve.backend.highs_model import FastHighs

STATUS = {
    TerminationCondition.convergenceCriteriaSatisfied: "optimal",
    TerminationCondition.provenInfeasible: "infeasible",
    TerminationCondition.locallyInfeasible: "infeasible",
    TerminationCondition.infeasibleOrUnbounded: "infeasible",
    TerminationCondition.unbounded: "unbounded",
    TerminationCondition.maxTimeLimit: "time_limit",
    TerminationCondition.iterationLimit: "time_limit",
}
"""Pyomo's termination -> MODEL.md status; an iteration limit is a work limit like time."""

LIMITS = {
    TerminationCondition.maxTimeLimit: "time limit reached",
    TerminationCondition.iterationLimit: "iteration limit reached",
}

METHODS = ("choose", "simplex", "ipm", "ipm-nox", "pdlp")
"""--method values. ``choose`` picks by the model's size and the state of HiGHS (below);
``ipm-nox`` is interior point without crossover (no basis: ranging re-solves by simplex)."""

CROSSOVER_MAX_COLS = 300_000
"""Above this many columns ``choose`` skips crossover: at 200x20x120 (686k columns) crossover
took longer than the interior-point solve itself (docs/performance.md)."""


def resolve_method(method: str, fleet_form: str, has_basis: bool, n_cols: int = 0) -> str:
    """The method ``choose`` stands for (see ``method_options``); others are returned as given."""
    if method != "choose":
        return method
    if has_basis or fleet_form != "recursion":
        return "simplex"
    return "ipm" if n_cols <= CROSSOVER_MAX_COLS else "ipm-nox"


def method_options(
    method: str, fleet_form: str, has_basis: bool, n_cols: int = 0
) -> dict[str, Any]:
    """HiGHS options for a method; ``choose`` picks the fastest measured (BENCHMARKS.md).

    - a re-solve with a valid basis: simplex, warm-started from that basis (primal or dual
      by what changed: ``FastHighs._solve``);
    - the window fleet form (small and medium plans): dual simplex;
    - the recursion fleet form (large plans): interior point, then crossover to a vertex, so
      duals and ranging come from a simplex basis as with simplex; above
      ``CROSSOVER_MAX_COLS`` columns interior point alone (duals from the interior point).
    PDLP gives no basis either.
    """
    method = resolve_method(method, fleet_form, has_basis, n_cols)
    if method == "ipm":
        return {"solver": "ipm", "run_crossover": "on"}
    if method == "ipm-nox":
        return {"solver": "ipm", "run_crossover": "off"}
    return {"solver": method}


@dataclass
class SolveOptions:
    """What the planner can set for a solve."""

    time_limit: float | None = None
    threads: int | None = None
    method: str = "choose"
    solver_log: Path | None = None
    highs_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """Status and objective (MODEL.md units) of one solve; ``message`` explains non-optimal."""

    status: str
    objective: float | None
    seconds: float
    iterations: int | None = None
    message: str = ""
    fixed_conflicts: list = field(default_factory=list)


class Solver:
    """A persistent HiGHS solver bound to one model."""

    def __init__(self, model: pyo.ConcreteModel, options: SolveOptions | None = None) -> None:
        self.model = model
        self.options = options or SolveOptions()
        self.interface = FastHighs()
        self._loaded = False
        self.method = ""
        """The HiGHS method of the last solve (``choose`` resolved)."""
        self.retried = ""
        """Why the last solve ran HiGHS a second time (empty if it did not)."""

    def load(self) -> None:
        """Hand the model to HiGHS now (``solve`` does it when needed)."""
        self.interface.set_instance(self.model)

    @property
    def highs(self):
        """The ``highspy.Highs`` object (private attribute of the Pyomo interface)."""
        return self.interface._solver_model

    def row_of(self, con_data) -> int:
        """HiGHS row index of a Pyomo constraint (private map of the Pyomo interface)."""
        return self.interface._pyomo_con_to_solver_con_map[con_data]

    def col_of(self, var_data) -> int:
        """HiGHS column index of a Pyomo variable (private map of the Pyomo interface)."""
        return self.interface._pyomo_var_to_solver_var_map[id(var_data)]

    def solve(self) -> Outcome:
        """Solve (or re-solve after parameter changes) and load the primal values."""
        start = time.perf_counter()
        conflicts = [r for r in self.model.fixed_rows if r.violation() > 1e-9]
        if conflicts:
            return Outcome(
                "infeasible",
                None,
                time.perf_counter() - start,
                message="rows without variables cannot hold",
                fixed_conflicts=conflicts,
            )
        if next(self.model.component_data_objects(pyo.Var), None) is None:
            # max_compute with nothing to buy or build: the initial fleet is the plan
            # (HiGHS would call the empty LP "model empty", not optimal)
            return Outcome("optimal", self.objective_value(), time.perf_counter() - start, 0)
        opts = self.options
        has_basis = self._loaded and self.highs.getBasis().valid
        form = getattr(self.model, "fleet_form", "window")
        if getattr(self.interface, "_model", None) is not self.model:
            self.load()
        n_cols = self.highs.getNumCol()
        self.method = resolve_method(opts.method, form, has_basis, n_cols)
        chosen = method_options(self.method, form, has_basis, n_cols)
        highs_options = {**chosen, **opts.highs_options}
        results = self._run(highs_options, opts.time_limit)
        self._loaded = True
        log = results.solver_log or ""
        self.retried = ""
        left = None if opts.time_limit is None else opts.time_limit - (time.perf_counter() - start)
        if self._retry_without_presolve(results) and (left is None or left > 0):
            self.retried = "presolve off: the interior point stalled on the presolved LP"
            results = self._run({**highs_options, "presolve": "off"}, left)
            log += results.solver_log or ""
        if opts.solver_log:
            Path(opts.solver_log).write_text(log)
        status = STATUS.get(results.termination_condition, "error")
        if results.termination_condition == TerminationCondition.infeasibleOrUnbounded:
            status = self._infeasible_or_unbounded()
        seconds = time.perf_counter() - start
        iterations = getattr(results.extra_info, "simplex_iteration_count", None)
        if status != "optimal":
            condition = results.termination_condition
            message = LIMITS.get(condition, condition.name)
            if status == "error" and self.method == "ipm-nox":
                message += (
                    " (HiGHS's interior point stopped without converging; try "
                    "--highs-option presolve=off, --method ipm, which runs crossover, or "
                    "--method simplex)"
                )
            return Outcome(status, None, seconds, iterations, message=message)
        self.interface.load_all_vars()
        return Outcome(status, self.objective_value(), seconds, iterations)

    def _run(self, highs_options: dict[str, Any], time_limit: float | None):
        return self.interface.solve(
            self.model,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=time_limit,
            threads=self.options.threads,
            solver_options=highs_options,
        )

    def _retry_without_presolve(self, results) -> bool:
        """Whether ``choose``'s interior point stopped without converging, with presolve on.

        IPX can stall on a presolved LP and converge on the LP itself: at 200x20x120 it
        stalled at iteration 19 on chipalloc's LP, in two row orders, and converged without
        presolve (docs/performance.md). ``choose`` then solves once more without presolve.
        HiGHS keeps options between runs, so a later solve of the same model after a retry
        already runs without presolve: the option HiGHS holds is checked, not assumed.
        """
        return (
            self.options.method == "choose"
            and self.method == "ipm-nox"
            and "presolve" not in self.options.highs_options
            and self.highs.getOptionValue("presolve")[1] != "off"
            and results.termination_condition == TerminationCondition.unknown
        )

    def objective_value(self) -> float:
        """The objective in MODEL.md units: USD (min_cost) or PFLOPS-years (max_compute)."""
        scale = USD if self.model.objective.sense == pyo.minimize else PFLOPS
        if isinstance(self.interface, FastHighs) and len(self.interface._x):
            return self.highs.getInfo().objective_function_value * scale
        return pyo.value(self.model.objective) * scale

    def row_duals(self) -> list[float]:
        """HiGHS's row duals (model units: objective unit per row unit)."""
        return list(self.highs.getSolution().row_dual)

    def col_duals(self) -> list[float]:
        """HiGHS's reduced costs (model units)."""
        return list(self.highs.getSolution().col_dual)

    def _infeasible_or_unbounded(self) -> str:
        """Presolve could not tell infeasible from unbounded: ask again without presolve."""
        self.highs.setOptionValue("presolve", "off")
        self.highs.run()
        self.highs.setOptionValue("presolve", "choose")
        name = str(self.highs.getModelStatus()).lower()
        return "unbounded" if "unbounded" in name and "infeasible" not in name else "infeasible"


def highs_version() -> str:
    """The HiGHS version, e.g. ``1.15.1``."""
    return ".".join(str(x) for x in Highs().version())


def parse_highs_options(texts: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` texts as HiGHS options, each checked by HiGHS itself (name, type,
    range); the value is read as a bool, int or float where it looks like one.

    Raises ValueError naming the first text HiGHS refuses.
    """
    import highspy

    check = highspy.Highs()
    check.setOptionValue("output_flag", False)
    options: dict[str, Any] = {}
    for text in texts:
        name, sep, raw = (part.strip() for part in text.partition("="))
        if not sep or not name or not raw:
            raise ValueError(f"--highs-option {text!r}: expected NAME=VALUE, e.g. presolve=off")
        value = _option_value(raw)
        if check.setOptionValue(name, value) == highspy.HighsStatus.kError:
            raise ValueError(
                f"--highs-option {text!r}: HiGHS has no such option or refuses the value"
            )
        options[name] = value
    return options


def _option_value(raw: str) -> bool | int | float | str:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw
