"""A study: many edited copies of one scenario, solved on one persistent model.

A ``Study`` holds a built model and its persistent HiGHS solver. Each case is a list of
edits (MODEL.md section 5) applied to the base scenario; when the edited scenario has the
model's structure (``chipalloc.model.params.structure``: same sets, lifetimes, perf, power,
PUE, lead times, rows) only the mutable parameters change and HiGHS re-solves from its
previous basis (a shift between existing rows only moves values); otherwise (a shift that
creates rows, a change of perf, PUE, a lifetime, ...) the model is rebuilt for that case.
Sweeps, tornado and compare are lists of cases run by ``parallel.run_cases``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from numbers import Number
from typing import Any

from chipalloc.data import Scenario, ScenarioError
from chipalloc.data.overrides import OPERATIONS, apply_edits
from chipalloc.model import COST_KINDS, FAMILIES, PFLOPS, build_model
from chipalloc.model.params import update_params
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.backend.solver import Outcome, Solver
from chipalloc.solve.results.duals import dual_table, objective_scale
from chipalloc.solve.results.extract import Values, cost_table, plan_table


class SpecError(ValueError):
    """A sweep or tornado specification that cannot be read (bad axis, values, layout)."""


@dataclass
class Case:
    """One run: the edits that turn the base scenario into it, and its label columns."""

    label: dict[str, Any]
    edits: list[dict[str, Any]] = field(default_factory=list)
    context: str = "edits"
    slopes: bool = False
    """Report slope_<n> = d objective / d (edit n's value) (sweep points)."""


class Study:
    """A persistent model of ``base`` that evaluates edited copies of it, one at a time."""

    def __init__(self, base: Scenario, options: SolveOptions | None = None) -> None:
        self.base = base
        self.options = options or SolveOptions()
        self.scenario: Scenario | None = None
        self.solver: Solver | None = None

    def evaluate(self, case: Case) -> dict[str, Any]:
        """Apply, load and solve one case; a failure is a row with its status and message."""
        start = time.perf_counter()
        row: dict[str, Any] = {**case.label, "status": "", "message": "", "rebuilt": False}
        try:
            sc = apply_edits(self.base, case.edits, label=case.context)
        except ScenarioError as err:
            problems = "; ".join(str(p) for p in err.problems)
            row.update(status="invalid", message=f"{err.context}: {problems}")
            return _timed(row, start)
        try:
            row["rebuilt"] = self._load(sc)
            outcome = self.solver.solve()
            row.update(status=outcome.status, message=_message(outcome))
            row["iterations"] = outcome.iterations
            if outcome.problem == "mip":
                row.update(problem="mip", mip_gap=outcome.mip_gap)
            if outcome.status == "optimal":
                row.update(summarize(sc, self.solver, outcome))
                if case.slopes:
                    row.update(edit_slopes(self.base, sc, self.solver, case.edits))
        except Exception as err:  # one failed case never stops the others
            self.solver = self.scenario = None
            row.update(status="error", message=f"{type(err).__name__}: {err}")
        return _timed(row, start)

    def _load(self, sc: Scenario) -> bool:
        """Point the model at ``sc``: update its Params, or rebuild (returns True)."""
        if self.solver is not None and update_params(self.solver.model, self.scenario, sc):
            self.scenario = sc
            return False
        start = self.solver.plan_by_name() if self.solver is not None else None
        self.solver = None  # free the old model before building the new one
        self.solver = Solver(build_model(sc), self.options)
        if start:
            self.solver.start_by_name(start)
        self.scenario = sc
        return True


def _timed(row: dict[str, Any], start: float) -> dict[str, Any]:
    row["seconds"] = time.perf_counter() - start
    return row


STATUS_TEXT = {
    "infeasible": "no plan satisfies every constraint (chipalloc solve names the conflict)",
    "unbounded": "the objective is unbounded",
    "time_limit": "HiGHS stopped at the time limit",
}


def _message(outcome) -> str:
    """Why a case has no optimal plan, in the planner's words."""
    if outcome.fixed_conflicts:
        rows = ", ".join(
            f"{r.family}[{', '.join(map(str, r.index))}]" for r in outcome.fixed_conflicts
        )
        return f"rows without decisions cannot hold: {rows}"
    return STATUS_TEXT.get(outcome.status, outcome.message)


def summarize(sc: Scenario, solver: Solver, outcome: Outcome) -> dict[str, Any]:
    """One flat row of a solved case, MODEL.md units (the numbers of ``chipalloc solve``).

    objective; total_cost_usd and cost_<kind>_usd (discounted); compute_pflops_years and its
    split operator_<name>_pflops_years, vendor_<name>_pflops_years; shortfall_pflops_years;
    built_mw (facility MW whose construction starts in the horizon); for each constraint
    family the largest nominal shadow price, dual_<family>, and where, dual_<family>_at.
    """
    m = solver.model
    values = Values(m, solver)
    years = dict(zip(sc.period_labels, sc.years, strict=True))
    costs = cost_table(sc, m, values)
    by_kind = costs.groupby("kind")["discounted_usd"].sum()
    row: dict[str, Any] = {
        "objective": outcome.objective,
        "total_cost_usd": float(by_kind.drop("shortfall_penalty", errors="ignore").sum()),
    }
    for kind in COST_KINDS:
        row[f"cost_{kind}_usd"] = float(by_kind.get(kind, 0.0))
    plan = plan_table(sc, m, values)
    plan["pflops_years"] = plan["compute_pflops"] * plan["period"].map(years)
    row["compute_pflops_years"] = float(plan["pflops_years"].sum())
    unmet = getattr(m, "unmet", {})
    row["shortfall_pflops_years"] = sum((unmet[p].value or 0.0) * PFLOPS * years[p] for p in unmet)
    row["built_mw"] = float(sum(v.value or 0.0 for v in m.build.values()))
    for key, names in (("operator", sc.sites["operator"]), ("vendor", sc.chips["vendor"])):
        done = plan.groupby(key)["pflops_years"].sum()
        for name in dict.fromkeys(names):
            row[f"{key}_{name}_pflops_years"] = float(done.get(name, 0.0))
    duals = dual_table(sc, solver, activity=False)
    duals["size"] = duals["shadow_price_nominal"].abs()
    for family, rows in duals.groupby("family", sort=False):
        top = rows.loc[rows["size"].idxmax()]
        index = [str(top[c]) for c in FAMILIES[family].index]
        row[f"dual_{family}"] = float(top["shadow_price_nominal"])
        row[f"dual_{family}_at"] = ", ".join(index) if top["size"] > 0 else ""
    return row


SLOPE_STEP = 1e-4
"""Relative step of an edit's value for ``edit_slopes`` (the shift is exact for any step
along which the model is affine; a small one keeps the edited scenario valid)."""


def edit_slopes(
    base: Scenario, sc: Scenario, solver: Solver, edits: list[dict[str, Any]]
) -> dict[str, float]:
    """slope_<n> = d objective / d (edit n's value), MODEL.md objective units, at the solved
    plan of ``sc`` (= ``edits`` applied to ``base``), by the envelope theorem.

    Edit n's value v moves to v + h (h = 1e-4 max(1, |v|), or -h where v + h breaks a
    scenario rule); the model's Params follow the edited scenario (``update_params``) and
    ``Solver.objective_shift`` gives dZ, the change of c x + y (b - A x) + z l at the solved
    x, duals y and reduced costs z; slope = dZ / h, and the Params go back. Every edit that
    keeps the model's structure has one: a right-hand side (power_mw, max_units, demand,
    budgets), a price (unit_cost_usd, energy, lease) or a coefficient (power_mw at a
    take_or_pay site is scaled by the share and carries the contracted lease). NaN for a
    ``shift``, a non-numeric value, or an edit that changes the structure (a rebuild).
    """
    scale, _ = objective_scale(solver.model)
    return {f"slope_{n + 1}": _slope(base, sc, solver, edits, n) * scale for n in range(len(edits))}


def _slope(base: Scenario, sc: Scenario, solver: Solver, edits: list, n: int) -> float:
    """d objective / d (edits[n]'s value), model units (``edit_slopes``)."""
    edit = edits[n]
    op = next((o for o in OPERATIONS if o in edit), None)
    value = edit.get(op)
    if op in (None, "shift") or isinstance(value, bool) or not isinstance(value, Number):
        return float("nan")
    h = SLOPE_STEP * max(1.0, abs(float(value)))
    for step in (h, -h):
        moved = [*edits[:n], {**edit, op: float(value) + step}, *edits[n + 1 :]]
        try:
            near = apply_edits(base, moved, label="slope")
        except ScenarioError:
            continue
        if not update_params(solver.model, sc, near):
            return float("nan")
        try:
            return solver.objective_shift() / step
        finally:
            update_params(solver.model, near, sc)
    return float("nan")
