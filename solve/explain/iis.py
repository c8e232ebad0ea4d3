"""Why a plan is impossible, in the planner's words (MODEL.md terms).

HiGHS computes an irreducible infeasible subsystem (IIS) on a copy of the LP, so the
persistent solver is left as it was. Each IIS row is mapped back to its MODEL.md family and
index through ``Solver.row_of`` (the Pyomo interface's row map) and the family registry
(``chipalloc.model.FAMILIES``), and explained with three numbers in MODEL.md units:

- ``bound``: the row's limit (a site's MW, a chip's supply, a budget, a policy value);
- ``fixed``: the part of the row the scenario fixes, i.e. the initial fleet's share: the
  left-hand side with every buy, build and unmet at 0 (in the recursion form, with each
  fleet variable at its initial units, the value the fleet_balance rows then give it);
- ``reach``: the best the *other* rows of the IIS allow for this row's left-hand side
  (min for a ``<=`` row, max for a ``>=`` row). An IIS is irreducible, so dropping the row
  makes the rest feasible, and ``reach`` is finite and on the wrong side of ``bound``.

Rows are explained in the order of ``FamilySpec.rank``. Bookkeeping rows (``internal``:
fleet_balance, which only carries the fleet from one period to the next) are never the
planner's conflict: they come last and are summarised in one note.

When no IIS is found in time, an elastic re-solve (HiGHS ``feasibilityRelaxation``: rows may
be violated at unit cost, bookkeeping rows and variable bounds may not) names the rows that
must give way and by how much. Rows without variables (``model.fixed_rows``) are explained
the same way, with ``reach = fixed`` = their left-hand side.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.repn import generate_standard_repn

from chipalloc.model import FAMILIES, VARIABLES, family_of, index_of
from chipalloc.model.words import TOL
from chipalloc.solve.backend.solver import Solver

IIS_STRATEGY = 2 | 4
"""From the LP (2) then make it irreducible (4): on a 387-row LP it found 15 rows in 0.7 s,
where the irreducible filter alone took 6 s and returned 121 rows."""

IIS_TIME_LIMIT = 60.0
"""Seconds HiGHS may spend on the IIS before the elastic re-solve takes over."""

LOWER, UPPER = 2, 3
"""HiGHS IisBoundStatus: the row's lower or upper bound is part of the conflict."""

INFEASIBLE = (
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)

SHOWN = 12
"""Conflicting rows explained in full; the rest are counted."""


@dataclass(frozen=True)
class Conflict:
    """One constraint of an impossible plan, in MODEL.md units (see module docstring)."""

    family: str
    index: tuple
    sense: str
    bound: float
    fixed: float
    reach: float | None
    text: str


@dataclass
class Diagnosis:
    """The conflicting constraints and how they were found (IIS, elastic, fixed rows)."""

    conflicts: list[Conflict]
    method: str
    seconds: float
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per conflict (the first ``SHOWN``), a count of the rest, then notes."""
        out = [c.text for c in self.conflicts[:SHOWN]]
        if len(self.conflicts) > SHOWN:
            out.append(f"... and {len(self.conflicts) - SHOWN} more rows of the same conflict")
        return out + self.notes


def policy_value(model: pyo.ConcreteModel, family: str, index: tuple) -> float | None:
    """The share of a policy row (``<family>_value[index]``), None for other rows."""
    param = getattr(model, f"{family}_value", None)
    return pyo.value(param[index]) if param is not None and index in param else None


def conflict(
    model: pyo.ConcreteModel,
    family: str,
    index: tuple,
    sense: str,
    bound: float,
    fixed: float,
    reach: float | None,
    built: float | None = None,
) -> Conflict:
    """A ``Conflict`` from model-unit numbers (converted here to MODEL.md units)."""
    spec = FAMILIES[family]
    numbers = {
        "bound": bound * spec.scale,
        "fixed": fixed * spec.scale,
        "reach": None if reach is None else reach * spec.scale,
        "built": built,
        "value": policy_value(model, family, index),
    }
    text = spec.say_conflict(index, numbers)
    future = getattr(model, "future_name", None)  # a row of one future (chipalloc hedge)
    if future is not None:
        text = f"in future '{future}': {text}"
    return Conflict(
        family, index, sense, numbers["bound"], numbers["fixed"], numbers["reach"], text
    )


def explain_infeasible(solver: Solver, fixed_rows: list | None = None) -> Diagnosis:
    """The constraints that cannot all hold, in MODEL.md terms (see module docstring)."""
    start = time.perf_counter()
    model = solver.model
    if fixed_rows:
        conflicts = [
            conflict(
                model,
                r.family,
                r.index,
                r.sense,
                pyo.value(r.rhs),
                pyo.value(r.lhs),
                pyo.value(r.lhs),
            )
            for r in fixed_rows
        ]
        return Diagnosis(conflicts, "rows without decisions", time.perf_counter() - start)
    conflicts, internal = _from_iis(solver, _copy(solver))
    method = "IIS"
    if not conflicts:
        conflicts, internal = _from_relaxation(solver, _copy(solver)), 0
        method = "elastic re-solve"
    notes = _same_site_periods(model, conflicts)
    if internal:
        notes.append(
            f"(with {internal} fleet bookkeeping row(s), fleet_balance, that carry each "
            "fleet from one period to the next)"
        )
    return Diagnosis(conflicts, method, time.perf_counter() - start, notes)


def _same_site_periods(model: pyo.ConcreteModel, conflicts: list[Conflict]) -> list[str]:
    """An IIS names one period; list the site's other periods where the initial fleet alone
    is over the MW available, so the planner fixes them all in one pass."""
    notes = []
    for spec in (f for f in FAMILIES.values() if f.capacity):
        component = getattr(model, spec.name, None)
        if component is None:  # rows in Blocks (the extensive form of chipalloc hedge)
            continue
        named = {c.index for c in conflicts if c.family == spec.name}
        for site in dict.fromkeys(s for s, _p in named):
            over = [
                p
                for p in model.P
                if (site, p) not in named
                and (site, p) in component
                and fixed_part(model, component[site, p])
                > pyo.value(component[site, p].upper) + TOL
            ]
            if over:
                shown = ", ".join(over[:4]) + (f" ... {over[-1]}" if len(over) > 4 else "")
                notes.append(
                    f"the initial fleet at {site} is also over its MW in {len(over)} more "
                    f"period(s): {shown}"
                )
    return notes


def _copy(solver: Solver) -> highspy.Highs:
    """A silent HiGHS holding a copy of the solver's LP."""
    copy = highspy.Highs()
    copy.setOptionValue("output_flag", False)
    copy.passModel(solver.highs.getModel())
    return copy


def _rows(solver: Solver) -> dict[int, object]:
    """HiGHS row index -> Pyomo constraint (through ``Solver.row_of``)."""
    cons = solver.model.component_data_objects(pyo.Constraint, active=True)
    return {solver.row_of(con): con for con in cons}


def fixed_part(model: pyo.ConcreteModel, con) -> float:
    """The part of a row's left-hand side that no decision changes (model units).

    The body's constant, plus, for each bookkeeping variable (``VariableSpec.internal``:
    fleet in the recursion form), its coefficient times the value it takes when nothing is
    bought (``model.<name>_initial``).
    """
    repn = generate_standard_repn(con.body, compute_values=True)
    total = float(repn.constant or 0.0)
    for coef, var in zip(repn.linear_coefs, repn.linear_vars, strict=True):
        spec = VARIABLES.get(var.parent_component().local_name)
        if spec is not None and spec.internal:
            initial = getattr(model, f"{spec.name}_initial", {})
            total += coef * initial.get(var.index(), 0.0)
    return total


def _from_iis(solver: Solver, copy: highspy.Highs) -> tuple[list[Conflict], int]:
    """The IIS rows as conflicts (by rank), and how many bookkeeping rows it also holds.

    ``reach`` is optimised over the IIS without the row. In the recursion form the IIS
    holds only the fleet_balance rows it needs (say, the first period's fleet) and so
    leaves other periods' fleets free; there ``reach`` is optimised over the IIS rows plus
    every bookkeeping row (``_FullReach``), which ties fleet to the buys as the window form
    does, so both forms explain a conflict with the same numbers.
    """
    copy.setOptionValue("iis_strategy", IIS_STRATEGY)
    copy.setOptionValue("time_limit", IIS_TIME_LIMIT)
    copy.run()
    status, iis = copy.getIis()
    if status != highspy.HighsStatus.kOk or not iis.valid_ or not len(iis.row_index_):
        return [], 0
    rows = _rows(solver)
    cols = _columns(solver)
    sub = iis.model_.lp_
    found = [
        (pos, rows[row], side)
        for pos, (row, side) in enumerate(zip(iis.row_index_, iis.row_bound_, strict=True))
    ]
    found.sort(key=lambda item: family_of(item[1]).rank)
    bookkeeping = [row for row, con in rows.items() if family_of(con).internal]
    full = _FullReach(solver, set(iis.row_index_), bookkeeping) if bookkeeping else None
    out = []
    internal = sum(1 for _, con, _ in found if family_of(con).internal)
    if full is not None:
        needed = full.irreducible([solver.row_of(con) for _, con, _ in reversed(found)])
        found = [item for item in found if solver.row_of(item[1]) in needed]
    for pos, con, side in found:
        spec = family_of(con)
        if spec.internal:
            continue
        sense = ">=" if side == LOWER else "<="
        bound = pyo.value(con.lower if sense == ">=" else con.upper)
        fixed = fixed_part(con.parent_block(), con)
        reach = built = None
        if len(out) < SHOWN and side in (LOWER, UPPER):
            if full is not None:
                coef = full.coefficients(con)
                best = full.optimise(solver.row_of(con), coef, maximise=side == LOWER)
            else:
                coef = _row_coefficients(sub, pos)
                best = _optimise(sub, pos, coef, maximise=side == LOWER)
            reach = None if best is None else best + _constant(con)
            if spec.capacity:
                name = cols.get if full is not None else (lambda j: cols[iis.col_index_[j]])
                builds = {j: -a for j, a in coef.items() if _extends(name(j))}
                if builds and full is not None:
                    built = full.optimise(solver.row_of(con), builds, maximise=True)
                elif builds:
                    built = _optimise(sub, pos, builds, maximise=True)
        out.append(
            conflict(
                con.parent_block(), spec.name, index_of(con), sense, bound, fixed, reach, built
            )
        )
    return out, internal


class _FullReach:
    """The whole LP with every planner row outside the IIS made free: the IIS rows plus all
    bookkeeping rows. ``optimise`` drops one row, optimises a cost, and restores the row."""

    def __init__(self, solver: Solver, iis_rows: set[int], bookkeeping: list[int]) -> None:
        self.solver = solver
        self.bookkeeping = set(bookkeeping)
        self.highs = _copy(solver)
        n = self.highs.getNumRow()
        kept = iis_rows | set(bookkeeping)
        free = np.array([i for i in range(n) if i not in kept], dtype=np.int32)
        inf = np.full(len(free), highspy.kHighsInf)
        self.highs.changeRowsBounds(len(free), free, -inf, inf)
        lp = self.highs.getLp()
        self.lower, self.upper = list(lp.row_lower_), list(lp.row_upper_)
        self.n_col = self.highs.getNumCol()

    def irreducible(self, candidates: list[int]) -> set[int]:
        """A deletion filter over the planner rows of ``candidates`` (in the order given):
        a row whose removal leaves the rest infeasible is not part of the conflict and is
        freed for good. HiGHS's IIS is irreducible over its own rows, not once every
        bookkeeping row is added back; this makes it so again."""
        kept = set(candidates)
        h = self.highs
        h.changeColsCost(self.n_col, np.arange(self.n_col, dtype=np.int32), np.zeros(self.n_col))
        for row in candidates:
            if row in self.bookkeeping:
                continue
            h.changeRowBounds(row, -highspy.kHighsInf, highspy.kHighsInf)
            h.run()
            if h.getModelStatus() in INFEASIBLE:
                kept.discard(row)
                self.lower[row], self.upper[row] = -highspy.kHighsInf, highspy.kHighsInf
            else:
                h.changeRowBounds(row, self.lower[row], self.upper[row])
        return kept

    def coefficients(self, con) -> dict[int, float]:
        """HiGHS column -> coefficient of a row's body (from its Pyomo expression)."""
        repn = generate_standard_repn(con.body, compute_values=True)
        out: dict[int, float] = {}
        for coef, var in zip(repn.linear_coefs, repn.linear_vars, strict=True):
            j = self.solver.col_of(var)
            out[j] = out.get(j, 0.0) + coef
        return out

    def optimise(self, row: int, cost: dict[int, float], maximise: bool) -> float | None:
        """Optimum of ``cost . x`` without row ``row`` (None if not optimal)."""
        h = self.highs
        h.changeRowBounds(row, -highspy.kHighsInf, highspy.kHighsInf)
        values = np.zeros(self.n_col)
        for j, c in cost.items():
            values[j] = c
        h.changeColsCost(self.n_col, np.arange(self.n_col, dtype=np.int32), values)
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        h.changeObjectiveSense(sense)
        h.run()
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        best = h.getInfo().objective_function_value if optimal else None
        h.changeRowBounds(row, self.lower[row], self.upper[row])
        return best


def _constant(con) -> float:
    """The constant of a row's body (model units)."""
    return float(generate_standard_repn(con.body, compute_values=True).constant or 0.0)


def _extends(variable: str) -> bool:
    """Whether a variable family adds capacity to a ``capacity`` row (build)."""
    spec = VARIABLES.get(variable)
    return spec is not None and spec.capacity


def _columns(solver: Solver) -> dict[int, str]:
    """HiGHS column index -> the Pyomo variable's family (buy, build, unmet, fleet)."""
    out = {}
    for var in solver.model.component_data_objects(pyo.Var):
        try:
            out[solver.col_of(var)] = var.parent_component().local_name
        except KeyError:  # a variable no row or objective uses never reaches HiGHS
            continue
    return out


def _row_coefficients(lp, row: int) -> dict[int, float]:
    """Column -> coefficient of one row of a column-wise HiGHS LP."""
    a = lp.a_matrix_
    start, index, value = list(a.start_), list(a.index_), list(a.value_)
    return {
        j: value[k]
        for j in range(lp.num_col_)
        for k in range(start[j], start[j + 1])
        if index[k] == row
    }


def _optimise(lp, dropped: int, cost: dict[int, float], maximise: bool) -> float | None:
    """Optimum of ``cost . x`` over the IIS without row ``dropped`` (None if not optimal)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.changeRowBounds(dropped, -highspy.kHighsInf, highspy.kHighsInf)
    for j in range(lp.num_col_):
        h.changeColCost(j, cost.get(j, 0.0))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return h.getInfo().objective_function_value


def _from_relaxation(solver: Solver, copy: highspy.Highs) -> list[Conflict]:
    """Rows an elastic re-solve must violate: the least total violation of the planner's
    rows at unit cost per model unit; bookkeeping rows (penalty -1: may not move) and
    variable bounds are kept."""
    copy.setOptionValue("time_limit", IIS_TIME_LIMIT)
    rows = _rows(solver)
    penalty = np.ones(copy.getNumRow())
    for row, con in rows.items():
        if family_of(con).internal:
            penalty[row] = -1.0
    if copy.feasibilityRelaxation(-1.0, -1.0, 1.0, None, None, penalty) != highspy.HighsStatus.kOk:
        return []
    lp = copy.getLp()
    activity = list(copy.getSolution().row_value)
    out = []
    for row, con in rows.items():
        spec = family_of(con)
        if spec.internal:
            continue
        low, up, value = lp.row_lower_[row], lp.row_upper_[row], activity[row]
        gap_up, gap_low = value - up, low - value
        if max(gap_up, gap_low) <= TOL * max(1.0, abs(value)):
            continue
        sense = "<=" if gap_up > gap_low else ">="
        bound = pyo.value(con.upper if sense == "<=" else con.lower)
        fixed = fixed_part(con.parent_block(), con)
        reach = value + _constant(con)
        out.append(
            conflict(con.parent_block(), spec.name, index_of(con), sense, bound, fixed, reach)
        )
    return out
