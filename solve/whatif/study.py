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
from typing import Any

import pandas as pd

from chipalloc.data import Scenario, ScenarioError
from chipalloc.data.overrides import OPERATIONS, apply_edits
from chipalloc.data.overrides import _select as select_rows  # the edit language's `where`
from chipalloc.model import COST_KINDS, FAMILIES, PFLOPS, build_model, rhs_family
from chipalloc.model.params import update_params
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.backend.solver import Outcome, Solver
from chipalloc.solve.results.duals import dual_table
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
                row.update(summarize(sc, self.solver, outcome, case.edits if case.slopes else None))
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


def summarize(
    sc: Scenario, solver: Solver, outcome: Outcome, edits: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """One flat row of a solved case, MODEL.md units (the numbers of ``chipalloc solve``).

    objective; total_cost_usd and cost_<kind>_usd (discounted); compute_pflops_years and its
    split operator_<name>_pflops_years, vendor_<name>_pflops_years; shortfall_pflops_years;
    built_mw (facility MW whose construction starts in the horizon); for each constraint
    family the largest nominal shadow price, dual_<family>, and where, dual_<family>_at;
    for edits of a right-hand side column, slope_<n> = d objective / d (edit n's value).
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
    for n, edit in enumerate(edits or [], start=1):
        row[f"slope_{n}"] = edit_slope(sc, duals, edit)
    return row


def edit_slope(sc: Scenario, duals: pd.DataFrame, edit: dict[str, Any]) -> float:
    """d objective / d (the edit's value), from the duals, for an edit of a right-hand side.

    ``set``/``add`` of value v moves each selected row's right-hand side by dv: the slope is
    the sum of their shadow prices. ``scale`` by f moves each by its base value / f.
    The right-hand side columns are the families' ``FamilySpec.rhs``; NaN for other columns
    (prices, ...) and for ``shift``.
    """
    op = next((o for o in OPERATIONS if o in edit), None)
    if op == "shift" or op is None:
        return float("nan")
    family = rhs_family(edit.get("table"), edit.get("column"))
    if family is None:
        return float("nan")
    name, keys = family.name, family.index
    if not keys:  # a scenario.yaml number: one row, the whole right-hand side
        price = float(duals.loc[duals["family"] == name, "shadow_price"].sum())
        base = getattr(sc.settings, edit["column"])
        factor = base / edit[op] if op == "scale" and edit[op] and base else 1.0
        return price * factor
    frame = sc.tables[edit["table"]]
    selected = frame[select_rows(frame, edit.get("where") or {})]
    prices = duals[duals["family"] == name].set_index(list(keys))["shadow_price"]
    slope = 0.0
    for _, r in selected.iterrows():
        price = float(prices.get(tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]], 0.0))
        weight = r[edit["column"]] / edit[op] if op == "scale" and edit[op] else 1.0
        slope += price * (0.0 if pd.isna(weight) else weight)
    return slope
