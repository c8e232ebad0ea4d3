"""Run HiGHS on a built model through Pyomo's persistent interface (highspy underneath).

The ``Solver`` keeps the persistent interface, so a later run can change mutable
parameters and re-solve from the previous basis without rebuilding the model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyomo.environ as pyo
from chipalloc.model import PFLOPS, USD
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

STATUS = {
    TerminationCondition.convergenceCriteriaSatisfied: "optimal",
    TerminationCondition.provenInfeasible: "infeasible",
    TerminationCondition.locallyInfeasible: "infeasible",
    TerminationCondition.infeasibleOrUnbounded: "infeasible",
    TerminationCondition.unbounded: "unbounded",
    TerminationCondition.maxTimeLimit: "time_limit",
}

METHODS = {"choose": "choose", "simplex": "simplex", "ipm": "ipm", "pdlp": "pdlp"}


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
        self.interface = Highs()
        self._loaded = False

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
        opts = self.options
        highs_options = {"solver": METHODS[opts.method], **opts.highs_options}
        results = self.interface.solve(
            self.model,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=opts.time_limit,
            threads=opts.threads,
            solver_options=highs_options,
        )
        self._loaded = True
        if opts.solver_log:
            Path(opts.solver_log).write_text(results.solver_log or "")
        status = STATUS.get(results.termination_condition, "error")
        if results.termination_condition == TerminationCondition.infeasibleOrUnbounded:
            status = self._infeasible_or_unbounded()
        seconds = time.perf_counter() - start
        iterations = getattr(results.extra_info, "simplex_iteration_count", None)
        if status != "optimal":
            return Outcome(
                status, None, seconds, iterations, message=str(results.termination_condition.name)
            )
        results.solution_loader.load_vars()
        return Outcome(status, self.objective_value(), seconds, iterations)

    def objective_value(self) -> float:
        """The objective in MODEL.md units: USD (min_cost) or PFLOPS-years (max_compute)."""
        scale = USD if self.model.objective.sense == pyo.minimize else PFLOPS
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
