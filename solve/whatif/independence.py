"""The price of independence (``chipalloc pareto``) and near-optimal alternatives
(``chipalloc alternatives``): MODEL.md section 10, as studies on one persistent model.

Both follow the ``Study`` pattern of ``study.py``: each worker (``parallel.run_cases`` with
``study=``) builds the scenario's model once, adds the section-10 rows of
``chipalloc.model.independence`` and keeps its HiGHS model across the cases it is given.

- ``ParetoStudy``: a case is a cap eps; only the mutable ``independence_cap`` changes (the
  row's coefficients of T), so every cap is a warm dual-simplex re-solve, never a rebuild;
  a cap the last plan already meets, no looser than the last cap, is not solved at all
  (``ParetoStudy.known_optimum``). ``loosest_first`` is the order caps are solved in.
  marginal_cost_per_point = -mu * T / 100, mu = d objective / d rhs of ``independence``
  (HiGHS's row dual, objective units per PFLOPS-year): lowering the cap one point moves the
  row's right-hand side by -T / 100. USD per point (min_cost), PFLOPS-years per point
  (max_compute). On a MIP there is no dual: the cell is empty and the message says so.
- ``AlternativesStudy``: the worker first finds Z* (weights w_0 = +-1, w_g = 0 and
  near_optimal without a bound), then sets near_optimal's bound to (1 + delta) Z* (min_cost)
  or (1 - delta) Z* (max_compute); a case is a set of weights w_g of the alternative
  objective (min S_g: w_g = 1; max S_g: w_g = -1; MGA: random w_g >= 0), a cost change only,
  re-solved from the previous basis by primal simplex. Each extreme plan is written as a
  results folder (``pipeline.write``, the plan checker included) and sent back as its files.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.model import PFLOPS, build_model
from chipalloc.model.independence import (
    NO_BOUND,
    Group,
    define_alternative_objective,
    define_independence,
    define_metrics,
    define_near_optimal,
    demand_years,
)
from chipalloc.solve.backend.highs_model import PRIMAL
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.backend.solver import Outcome, Solver
from chipalloc.solve.results.duals import objective_scale
from chipalloc.solve.results.write import slug
from chipalloc.solve.whatif.study import _message

MIP_NOTE = (
    "marginal cost from the LP with every integer and binary variable fixed at its value "
    "(MODEL.md 7.5): it holds only while the discrete decisions stay"
)


def is_mip(model: pyo.ConcreteModel) -> bool:
    """Whether any variable of ``model`` is integer or binary (section 7)."""
    seen = set()
    for v in model.component_data_objects(pyo.Var, descend_into=True):
        if id(v.domain) in seen:
            continue
        seen.add(id(v.domain))
        if v.is_integer() or v.is_binary():
            return True
    return False


@dataclass
class CapCase:
    """One point of the frontier: the cap eps on S_g / T."""

    cap: float

    @property
    def label(self) -> dict[str, Any]:
        return {"cap": self.cap}


@dataclass
class AltCase:
    """One alternative: the weights w_g of the groups' S_g it minimises, and its label."""

    group: str
    direction: str
    weights: dict[str, float]
    folder: str | None = None
    label: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.label = {"group": self.group, "direction": self.direction}


def warm_solve(solver: Solver) -> Outcome:
    """``solver.solve()``; when HiGHS stops without a verdict on a warm re-solve (status
    ``error``, e.g. ``Unknown`` on an infeasible cap started from the previous basis), its
    solver state is cleared and the LP solved once more from scratch (presolve decides)."""
    outcome = solver.solve()
    if outcome.status == "error" and solver.highs is not None:
        solver.highs.clearSolver()
        outcome = solver.solve()
    return outcome


def _timed(row: dict[str, Any], start: float) -> dict[str, Any]:
    row["seconds"] = round(time.perf_counter() - start, 4)
    return row


class ParetoStudy:
    """The scenario's model with the ``independence`` row of one group, kept across caps."""

    def __init__(
        self,
        base: Scenario,
        options: SolveOptions | None = None,
        group: Group | None = None,
        window: list[str] | None = None,
    ) -> None:
        self.base = base
        self.options = options or SolveOptions()
        self.group = group
        self.window = window or list(base.period_labels)
        self.solver: Solver | None = None
        self.mip = False
        self.last: dict[str, Any] | None = None
        """The row of the last cap solved to optimality."""

    def _ensure(self) -> bool:
        """Build the model once (True when this call built it)."""
        if self.solver is not None:
            return False
        m = build_model(self.base)
        define_metrics(m, self.base, [self.group], self.window)
        define_independence(m, self.group.label)
        self.mip = is_mip(m)
        self.solver = Solver(m, self.options)
        return True

    def evaluate(self, case: CapCase) -> dict[str, Any]:
        """Solve with eps = ``case.cap``: status, objective, share, marginal cost, PFLOPS-years."""
        start = time.perf_counter()
        known = self.known_optimum(case.cap)
        if known is not None:
            return _timed({**known, "cap": case.cap, "iterations": 0, "rebuilt": False}, start)
        row: dict[str, Any] = {
            "cap": case.cap,
            "group": self.group.label,
            "status": "",
            "objective": math.nan,
            "share": math.nan,
            "marginal_cost_per_point": math.nan,
            "pflops_years": math.nan,
            "total_pflops_years": math.nan,
            "message": "",
        }
        try:
            row["rebuilt"] = self._ensure()
            m = self.solver.model
            m.independence_cap.set_value(float(case.cap))
            outcome = warm_solve(self.solver)
            row["rebuilt"] = row["rebuilt"] or "structure" in self.solver.highs_model.solved_changes
            row.update(status=outcome.status, message=_message(outcome))
            row["iterations"] = outcome.iterations
            if outcome.problem == "mip":
                row.update(problem="mip", mip_gap=outcome.mip_gap)
            if outcome.status == "optimal":
                row.update(self._point(outcome))
                self.last = dict(row)
        except Exception as error:  # one failed cap never stops the others
            self.solver = None
            row.update(status="error", message=f"{type(error).__name__}: {error}")
        return _timed(row, start)

    def known_optimum(self, cap: float) -> dict[str, Any] | None:
        """The last optimal row when its plan is also optimal for ``cap``, else None.

        That holds when the last cap is at least ``cap`` and its plan's share is at most
        ``cap``: the plans meeting ``cap`` are some of those meeting the last cap (T >= 0),
        and the last plan is among them, so it is optimal for ``cap`` too (on a MIP, within
        the same gap: the last bound still holds). The row then did not bind at the last cap
        (its dual, and so marginal_cost_per_point, was 0), and 0 is a dual of ``cap`` as well.
        At 50x10x60 the first caps of a pareto often do not bind: each is a HiGHS run and a
        read of the solution saved.
        """
        last = self.last
        if last is None or not cap <= last["cap"] or not last["share"] <= cap:
            return None
        return last

    def _point(self, outcome: Outcome) -> dict[str, Any]:
        solver = self.solver
        m = solver.model
        s, t = solver.values([m.independence_s, m.independence_t])  # = S_g and T
        out = {
            "objective": outcome.objective,
            "pflops_years": float(s) * PFLOPS,
            "total_pflops_years": float(t) * PFLOPS,
            "share": float(s / t) if t > 0 else math.nan,
        }
        if self.mip:
            out["message"] = MIP_NOTE
        mu = float(solver.row_duals()[solver.row_of(m.independence)])
        scale, _ = objective_scale(m)
        out["marginal_cost_per_point"] = -mu * float(t) / 100.0 * scale
        return out


class AlternativesStudy:
    """The scenario's model with near_optimal and the weighted objective, kept across
    alternatives; Z* is found once per worker."""

    def __init__(
        self,
        base: Scenario,
        options: SolveOptions | None = None,
        groups: list[Group] | None = None,
        window: list[str] | None = None,
        slack: float = 0.01,
        plans: bool = True,
    ) -> None:
        self.base = base
        self.options = options or SolveOptions()
        self.groups = groups or []
        self.window = window or list(base.period_labels)
        self.slack = slack
        self.plans = plans
        self.solver: Solver | None = None
        self.optimum: dict[str, Any] | None = None
        self.failure: tuple[str, str] | None = None
        self.restart = True
        """Start every alternative from the optimum's basis (not the previous extreme's)."""
        self.basis = None

    def _ensure(self) -> None:
        """Build the model, solve for Z*, and bound the objective within the slack."""
        if self.solver is not None or self.failure is not None:
            return
        sc = self.base
        m = build_model(sc)
        define_metrics(m, sc, self.groups, self.window)
        define_near_optimal(m, sc)
        define_alternative_objective(m, sc)
        self.minimise = sc.settings.objective == "min_cost"
        self.solver = Solver(m, self.options)
        outcome = self.solver.solve()
        if outcome.status != "optimal":
            self.failure = (outcome.status, "the scenario itself: " + _message(outcome))
            self.solver = None
            return
        z, t, *s = self.solver.values([m.objective.expr, m.total_years, *m.group_years.values()])
        self.z_star = float(z)
        self.optimum = {"objective": self.z_star * objective_scale(m)[0]}
        self.optimum.update(self._shares(dict(zip(m.GROUPS, s, strict=True)), t))
        bound = (1 + self.slack) * z if self.minimise else (1 - self.slack) * z
        m.near_optimal_bound.set_value(float(bound))
        m.alternative_weight_z.set_value(0.0)
        basis = self.solver.highs.getBasis() if self.restart and not is_mip(m) else None
        self.basis = basis if basis is not None and basis.valid else None
        # every later solve changes costs only (the bound above keeps the optimum feasible):
        # primal simplex from the previous basis, also for the first one after the bound
        options = self.solver.options
        if "simplex_strategy" not in options.highs_options:
            primal = {**options.highs_options, "simplex_strategy": PRIMAL}
            self.solver.options = replace(options, highs_options=primal)

    def _shares(self, s: dict[str, float], t: float) -> dict[str, Any]:
        """pflops_years and share of each group: S_g / D_W (min_cost), S_g / T (max_compute)."""
        base = demand_years(self.base, self.window) if self.minimise else float(t) * PFLOPS
        out = {}
        for g, value in s.items():
            years = float(value) * PFLOPS
            out[g] = {"pflops_years": years, "share": years / base if base > 0 else math.nan}
        return out

    def evaluate(self, case: AltCase) -> dict[str, Any]:
        """Minimise sum of w_g S_g within the slack; the row of ``case``'s group (every
        group's numbers in ``groups``, the plan's files in ``files``)."""
        start = time.perf_counter()
        row: dict[str, Any] = {
            "group": case.group,
            "direction": case.direction,
            "status": "",
            "pflops_years": math.nan,
            "share": math.nan,
            "objective": math.nan,
            "message": "",
        }
        try:
            self._ensure()
            if self.failure is not None:
                row.update(status=self.failure[0], message=self.failure[1])
                return _timed(row, start)
            solver = self.solver
            m = solver.model
            for g in m.GROUPS:
                m.alternative_weight[g].set_value(float(case.weights.get(g, 0.0)))
            if self.basis is not None:
                solver.highs.setBasis(self.basis)
            outcome = warm_solve(solver)
            row["rebuilt"] = "structure" in solver.highs_model.solved_changes
            row.update(status=outcome.status, message=_message(outcome))
            row["iterations"] = outcome.iterations
            row["optimum"] = self.optimum
            if outcome.status != "optimal":
                return _timed(row, start)
            z, t, *s = solver.values([m.objective.expr, m.total_years, *m.group_years.values()])
            scale = objective_scale(m)[0]
            groups = self._shares(dict(zip(m.GROUPS, s, strict=True)), t)
            row["groups"] = groups
            row["objective"] = float(z) * scale
            if case.group in groups:
                row.update(groups[case.group])
            if self.plans and case.folder:
                plan_outcome = replace(outcome, objective=row["objective"], mip_bound=None)
                row["files"] = plan_files(self.base, solver, plan_outcome, case, self.slack)
        except Exception as error:  # one failed alternative never stops the others
            self.solver = None
            row.update(status="error", message=f"{type(error).__name__}: {error}")
        return _timed(row, start)


def plan_files(
    sc: Scenario, solver: Solver, outcome: Outcome, case: AltCase, slack: float
) -> dict[str, bytes]:
    """The results folder (MODEL.md section 6) of the plan ``solver`` holds, checked by the
    plan checker, as {file name: bytes}. Its shadow prices and reduced costs would be those
    of the alternative's LP (d S_g / d rhs), not of the plan's cost: they are left empty."""
    from chipalloc.solve.pipeline import Run, write
    from chipalloc.solve.results.extract import extract

    results = extract(sc, solver, outcome)
    for frame, columns in (
        (results.duals, ("shadow_price", "shadow_price_nominal")),
        (results.sites, ("power_shadow_price", "power_shadow_price_nominal")),
    ):
        for column in columns:
            if column in frame:
                frame[column] = np.nan
    results.summary["alternative"] = {
        "group": case.group,
        "direction": case.direction,
        "weights": case.weights,
        "slack": slack,
        "prices": "empty: the duals of this LP are those of its own objective (S_g)",
    }
    if outcome.problem == "mip":
        results.summary["alternative"]["gap"] = (
            "mip_gap is the gap proved on this plan's own objective (S_g), not on its cost; "
            "no bound on the cost is known"
        )
    run = Run(sc, solver.model, solver, outcome, results, {})
    staging = Path(tempfile.mkdtemp(prefix="chipalloc-alternative-"))
    try:
        folder = staging / "plan"
        write(run, folder, solver.options, force=False, prices=False)
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def loosest_first(caps: list[float]) -> list[int]:
    """The positions of ``caps`` from the loosest (largest) cap to the tightest, ties in the
    order given: the order a pareto solves them in. Each tighter cap then re-solves warm
    from the basis of the looser one before it, the cheapest order measured at 50x10x60
    (vendor:nvidia, ten caps 0.6 down to 0.15: 5,625 + 16,201 simplex iterations for the
    first cap + the others; tightest first 14,974 + 23,158; docs/independence.md)."""
    return sorted(range(len(caps)), key=lambda i: -caps[i])


def extreme_cases(groups: list[Group], folders: dict[str, str]) -> list[AltCase]:
    """min and max S_g for each group, in the order asked."""
    cases = []
    for g in groups:
        for direction, weight in (("min", 1.0), ("max", -1.0)):
            key = f"{g.label}-{direction}"
            cases.append(AltCase(g.label, direction, {g.label: weight}, folders.get(key)))
    return cases


def mga_weights(n: int, n_groups: int, seed: int = 0) -> np.ndarray:
    """``n`` seeded random directions over the groups: Halton points (scipy.stats.qmc) in
    [0, 1)^groups when scipy is installed, else numpy's seeded generator; each row is
    normalised to sum 1 (a direction of the simplex of non-negative weights)."""
    try:
        from scipy.stats import qmc

        points = qmc.Halton(d=n_groups, scramble=True, seed=seed).random(n)
    except ImportError:  # pragma: no cover - scipy is optional
        points = np.random.default_rng(seed).random((n, n_groups))
    points = points + 1e-6
    return points / points.sum(axis=1, keepdims=True)


def mga_cases(groups: list[Group], n: int, seed: int, folders: dict[str, str]) -> list[AltCase]:
    """``n`` MGA alternatives ``mga-1`` ..: minimise a random weighted sum of the S_g."""
    weights = mga_weights(n, len(groups), seed)
    cases = []
    for i, w in enumerate(weights, start=1):
        name = f"mga-{i}"
        mapping = {g.label: float(x) for g, x in zip(groups, w, strict=True)}
        cases.append(AltCase("all", name, mapping, folders.get(name)))
    return cases


__all__ = [
    "NO_BOUND",
    "AltCase",
    "AlternativesStudy",
    "CapCase",
    "ParetoStudy",
    "extreme_cases",
    "is_mip",
    "loosest_first",
    "mga_cases",
]


ALTERNATIVES_COLUMNS = [
    "group",
    "direction",
    "status",
    "pflops_years",
    "share",
    "objective",
    "optimum_pflops_years",
    "optimum_share",
    "folder",
    "message",
    "iterations",
    "rebuilt",
    "seconds",
]
"""alternatives.csv, in order."""


def alternatives_table(rows: list[dict], cases: list, optimum: dict | None):
    """alternatives.csv (one row per extreme; one per group for an MGA plan) and the
    plans' files by ``folder/name``."""
    out, files = [], {}
    for row, case in zip(rows, cases, strict=True):
        folder = case.folder if row.get("files") else ""
        for name, data in (row.get("files") or {}).items():
            files[f"{folder}/{name}"] = data
        if case.group == "all":
            labels = list(case.weights)
            expanded = []
            for g in labels:
                numbers = (row.get("groups") or {}).get(g, {})
                expanded.append({**row, "group": g, **numbers})
        else:
            expanded = [row]
        for r in expanded:
            best = (optimum or {}).get(r["group"], {})
            r = {
                **r,
                "folder": folder,
                "optimum_pflops_years": best.get("pflops_years", math.nan),
                "optimum_share": best.get("share", math.nan),
            }
            out.append({c: r.get(c, math.nan) for c in ALTERNATIVES_COLUMNS})
    return pd.DataFrame(out, columns=ALTERNATIVES_COLUMNS), files


def ranges(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per group: least and greatest share and PFLOPS-years among its min and max plans."""
    ok = table[(table["status"] == "optimal") & table["direction"].isin(["min", "max"])]
    out = {}
    for group, rows in ok.groupby("group", sort=False):
        out[group] = {
            "low": float(rows["share"].min()),
            "high": float(rows["share"].max()),
            "optimum": float(rows["optimum_share"].iloc[0]),
        }
    return out


def folder_names(keys: list[str]) -> dict[str, str]:
    """A distinct safe subfolder name per key (``vendor:nvidia-min`` -> ``vendor-nvidia-min``)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        base = slug(key) or "plan"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        names[key] = name
    return names
