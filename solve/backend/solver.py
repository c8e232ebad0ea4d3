"""Run HiGHS on a built model (``HighsModel``: our own highspy model, see highs_model.py).

The ``Solver`` keeps its ``HighsModel``, so a later run can change mutable parameters and
re-solve from the previous basis without rebuilding the model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import pyomo.core as pyo
from pyomo.common.collections import ComponentMap

from chipalloc.model import PFLOPS, USD
from chipalloc.model.projects import first_mw_starts
from chipalloc.solve.backend.highs_model import HighsModel, Run, new_highs
from chipalloc.solve.backend.mip_start import Start, rounding_start, sub_mip_options, wants_start
from chipalloc.solve.backend.options import (
    MIP_OPTIONS,
    SolveOptions,
    method_options,
    resolve_method,
)

START_MOVES = 3
"""How often a MIP plan's project starts are moved to their first MW (``_solve_fixed``)."""


@dataclass
class Outcome:
    """Status and objective (MODEL.md units) of one solve; ``message`` explains non-optimal."""

    status: str
    objective: float | None
    seconds: float
    iterations: int | None = None
    message: str = ""
    fixed_conflicts: list = field(default_factory=list)
    problem: str = "lp"
    """``lp`` or ``mip`` (MODEL.md 7.5)."""
    mip_gap: float | None = None
    """The relative gap HiGHS proved (MIP with a plan)."""
    mip_bound: float | None = None
    """HiGHS's best bound on the objective, MODEL.md units (MIP)."""
    mip_gap_requested: float | None = None
    """The gap asked for (MIP)."""

    @property
    def has_plan(self) -> bool:
        """Whether a plan was found: optimal, or a MIP stopped at its limit with an incumbent."""
        return self.objective is not None and self.status in ("optimal", "time_limit")


class Solver:
    """HiGHS bound to one model, kept between solves."""

    def __init__(self, model: pyo.ConcreteModel, options: SolveOptions | None = None) -> None:
        self.model = model
        self.options = options or SolveOptions()
        self.highs_model = HighsModel()
        self._loaded = False
        self.method = ""
        """The HiGHS method of the last solve (``choose`` resolved)."""
        self.retried = ""
        """Why the last solve ran HiGHS a second time (empty if it did not)."""
        self._start = None
        """The last MIP plan's column values: the MIP start of the next solve."""
        self._named_start: dict[str, float] | None = None
        """A MIP start by variable name, from another model (``start_by_name``)."""
        self.mip_start: Start | None = None
        """The rounding heuristic's start of the last MIP solve that ran it (``mip_start``)."""

    def load(self) -> None:
        """Hand the model to HiGHS now (``solve`` does it when needed)."""
        self.highs_model.load(self.model)

    @property
    def highs(self) -> highspy.Highs | None:
        """The ``highspy.Highs`` object (None before the model is loaded)."""
        return self.highs_model.highs

    def row_of(self, con_data) -> int:
        """HiGHS row index of a Pyomo constraint."""
        return self.highs_model.row_of(con_data)

    def col_of(self, var_data) -> int:
        """HiGHS column index of a Pyomo variable."""
        return self.highs_model.col_of(var_data)

    @property
    def has_solution(self) -> bool:
        """Whether the last solve was optimal and its solution is loaded (no edit since)."""
        return self.highs_model.has_solution

    def values(self, items):
        """Values at the solution of Pyomo variables and linear expressions (an array)."""
        return self.highs_model.values(items)

    def row_activity(self, constraints):
        """Body values of constraints at the solution (an array)."""
        return self.highs_model.row_activity(constraints)

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
        if self.highs_model.model is not self.model:
            self.load()
        n_cols = self.highs.getNumCol()
        self.method = resolve_method(opts.method, form, has_basis, n_cols)
        chosen = method_options(self.method, form, has_basis, n_cols)
        mip = self.highs_model.is_mip
        mip_gap = {**MIP_OPTIONS, "mip_rel_gap": opts.mip_gap} if mip else {}
        highs_options = {**chosen, **mip_gap, **opts.highs_options}
        run = self._run(highs_options, opts.time_limit)
        self._loaded = True
        log = run.log
        self.retried = ""
        left = None if opts.time_limit is None else opts.time_limit - (time.perf_counter() - start)
        if self._retry_without_presolve(run) and (left is None or left > 0):
            self.retried = "presolve off: the interior point stalled on the presolved LP"
            run = self._run({**highs_options, "presolve": "off"}, left)
            log += run.log
        status = run.status
        if run.model_status == highspy.HighsModelStatus.kUnboundedOrInfeasible:
            again = self._infeasible_or_unbounded()
            log += again.log
            status = "unbounded" if again.status == "unbounded" else "infeasible"
        if opts.solver_log:
            Path(opts.solver_log).write_text(log)
        seconds = time.perf_counter() - start
        if run.mip:
            return self._mip_outcome(run, status, start)
        if status != "optimal":
            message = run.message
            if status == "error" and self.method == "ipm-nox":
                message += (
                    " (HiGHS's interior point stopped without converging; try "
                    "--highs-option presolve=off, --method ipm, which runs crossover, or "
                    "--method simplex)"
                )
            return Outcome(status, None, seconds, run.iterations, message=message)
        self.highs_model.load_solution()
        return Outcome(status, self.objective_value(), seconds, run.iterations)

    def _run(self, highs_options: dict[str, Any], time_limit: float | None) -> Run:
        """Bring HiGHS up to date with the model (load, or push the edits), then solve; a MIP
        starts from the previous plan when there is one with the same columns."""
        hm = self.highs_model
        if hm.model is self.model:
            hm.update()
        else:
            hm.load(self.model)
        if hm.is_mip and self._named_start is not None:
            named = self._named_start
            self._start = [named.get(v.name, 0.0) for v in hm.variables]
            self._named_start = None
        began, line, started = time.perf_counter(), "", False
        if hm.is_mip and self._start is not None and len(self._start) == hm.highs.getNumCol():
            hm.start_from(self._start)
            started = True
        elif hm.is_mip and self.options.mip_start and wants_start(hm):
            self.mip_start = rounding_start(hm, time_limit)
            if self.mip_start is not None:
                hm.start_from(self.mip_start.x)
                line = self.mip_start.line()
                started = True
            else:
                line = "chipalloc MIP start: none found\n"
            if time_limit is not None:
                time_limit = max(time_limit - (time.perf_counter() - began), 0.0)
        if hm.is_mip:
            highs_options = {**sub_mip_options(len(hm.integer_cols), started), **highs_options}
        run = hm.solve(highs_options, time_limit, self.options.threads, self.options.progress)
        run.log = line + run.log
        return run

    def plan_by_name(self) -> dict[str, float] | None:
        """The last MIP plan by variable name (None for an LP or without a plan)."""
        if self._start is None or not self.highs_model.is_mip:
            return None
        names = (v.name for v in self.highs_model.variables)
        return dict(zip(names, self._start, strict=True))

    def start_by_name(self, values: dict[str, float]) -> None:
        """Start the next MIP solve from ``values`` (variable name -> value; a variable of
        this model not named there starts at 0), e.g. the plan of a model built from a
        scenario of another shape."""
        self._named_start = values

    def _mip_outcome(self, run: Run, status: str, start: float) -> Outcome:
        """The outcome of a MIP run. With an incumbent (optimal within the gap asked for, or
        stopped at a limit) the LP with every integer column fixed at its value is solved:
        its solution is the plan and its duals, reduced costs and ranging are those reported
        (MODEL.md 7.5). Without one, no plan."""
        scale = USD if self.model.objective.sense == pyo.minimize else PFLOPS
        opts = self.options
        mip = {
            "problem": "mip",
            "mip_gap_requested": opts.mip_gap,
            "mip_bound": None if run.mip_bound is None else run.mip_bound * scale,
            "mip_gap": run.mip_gap,
        }
        if status not in ("optimal", "time_limit") or not run.incumbent:
            message = run.message
            return Outcome(
                status, None, time.perf_counter() - start, run.iterations, message, **mip
            )
        fixed = self._solve_fixed()
        if fixed.status != "optimal":
            message = f"the LP with the integers fixed is {fixed.text}"
            return Outcome("error", None, time.perf_counter() - start, run.iterations, message)
        hm = self.highs_model
        self._start = hm.highs.getSolution().col_value
        message = "" if status == "optimal" else f"{run.message}; the plan is the best found"
        seconds = time.perf_counter() - start
        return Outcome(status, self.objective_value(), seconds, run.iterations, message, **mip)

    def _solve_fixed(self) -> Run:
        """Solve the LP with the MIP's integers fixed and load its solution. Each project's
        start is first moved to its first MW (``first_mw_starts``, MODEL.md 7.2), again while
        the fixed LP moves the first MW (at most ``START_MOVES`` times); if the fixed LP
        cannot take a move (a period's capex budget), the incumbent as found is fixed."""
        hm = self.highs_model
        incumbent = hm.solution_with({})
        hm.load_solution()
        moves = ComponentMap()
        for _ in range(START_MOVES):
            more = first_mw_starts(self.model)
            if not more:
                break
            moves.update(more)
            if self._run_fixed(hm.solution_with(moves, incumbent)).status != "optimal":
                moves = ComponentMap()
                break
            hm.load_solution()
        fixed = self._run_fixed(hm.solution_with(moves, incumbent))
        if fixed.status == "optimal":
            hm.load_solution()
        else:
            hm.restore_integers()
        return fixed

    def _run_fixed(self, x) -> Run:
        """Run the LP with every integer column fixed at its value in ``x``."""
        hm = self.highs_model
        hm.restore_integers()
        hm.fix_integers(x)
        return hm.run({"solver": "simplex", "time_limit": highspy.kHighsInf})

    def _retry_without_presolve(self, run: Run) -> bool:
        """Whether ``choose``'s interior point stopped without converging, with presolve on.

        IPX can stall on a presolved LP and converge on the LP itself: at 200x20x120 it
        stalled at iteration 19 on chipalloc's LP, in two row orders, and converged without
        presolve (docs/performance.md); HiGHS then reports model status ``kUnknown``.
        ``choose`` then solves once more without presolve. HiGHS keeps options between runs,
        so a later solve of the same model after a retry already runs without presolve: the
        option HiGHS holds is checked, not assumed.
        """
        return (
            self.options.method == "choose"
            and self.method == "ipm-nox"
            and "presolve" not in self.options.highs_options
            and self.highs.getOptionValue("presolve")[1] != "off"
            and run.stopped_without_verdict
        )

    def objective_value(self) -> float:
        """The objective in MODEL.md units: USD (min_cost) or PFLOPS-years (max_compute)."""
        scale = USD if self.model.objective.sense == pyo.minimize else PFLOPS
        if self.has_solution:
            return self.highs.getInfo().objective_function_value * scale
        return pyo.value(self.model.objective) * scale

    def objective_shift(self) -> float:
        """d objective (model units) of moving the model's mutable Params and variable bounds
        from the solved values to their current ones, at the solved plan and its duals
        (``HighsModel.objective_shift``; needs a loaded solution)."""
        if not self.has_solution:
            raise RuntimeError("objective_shift needs a solved, loaded plan")
        return self.highs_model.objective_shift()

    def row_duals(self) -> list[float]:
        """HiGHS's row duals (model units: objective unit per row unit)."""
        return list(self.highs.getSolution().row_dual)

    def col_duals(self) -> list[float]:
        """HiGHS's reduced costs (model units)."""
        return list(self.highs.getSolution().col_dual)

    def _infeasible_or_unbounded(self) -> Run:
        """Presolve could not tell infeasible from unbounded: ask again without presolve."""
        again = self.highs_model.run({"presolve": "off"})
        self.highs.setOptionValue("presolve", "choose")
        return again


def highs_version() -> str:
    """The HiGHS version, e.g. ``1.15.1``."""
    h = new_highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
