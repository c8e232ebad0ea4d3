"""Our HiGHS model: a ``highspy.Highs`` object and the maps that tie it to a Pyomo model.

``HighsModel`` owns
- ``highs``, the ``highspy.Highs`` object that holds the LP and solves it;
- the loaded Pyomo variables and constraints in column and row order (``variables``,
  ``constraints``) and the maps back (``col_of``: variable -> column, ``row_of``:
  constraint -> row), through which results, duals and diagnoses find their MODEL.md names;
- what the load compiled: the row-wise matrix, each row's constant, which rows, row bounds
  and costs follow mutable Params, the compiled named Expressions and the Params' values;
- the last run's log and, after ``load_solution``, the column values of the solution.

It reads the Pyomo model through Pyomo's public modelling API only (``component_objects``,
``values()``, ``sparse_values()``, the expression classes, ``VarData.bounds`` / ``fixed`` /
``domain``) and runs HiGHS itself: no Pyomo solver interface is involved, so nothing here
depends on a Pyomo version's private attributes. Every row is compiled by
``compiler.Compiler`` (named Expressions such as ``fleet`` are compiled once and reused: a
general expression walk costs tens of microseconds per coefficient) and the whole matrix is
handed to HiGHS in one ``passModel`` call with numpy arrays.

HiGHS holds numbers, not expressions, so a Pyomo edit reaches it only through ``update``:
rows, bounds and costs that depend on a changed mutable Param are recompiled and the numbers
that differ pushed (``changeCoeff``, ``changeRowsBounds``, ``changeColsCost``), and HiGHS
restarts from its previous basis. A change of which rows and columns exist (adding, removing
or (de)activating constraints or variables, giving a constraint a new expression, another
active objective) cannot be pushed that way: ``update`` sees it and rebuilds the HiGHS model
(``load``). Not tracked: a named Expression given a new expression after loading (call
``load`` again, or rebuild).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from chipalloc.solve.backend.compiler import (
    NO_PARAMS,
    Compiler,
    combine,
    evaluate,
    mutable_params,
    number,
)

INF = highspy.kHighsInf
DUAL, PRIMAL = 1, 4
"""HiGHS ``simplex_strategy`` values."""
FEASIBLE = 2
"""HiGHS's ``primal_solution_status`` of a feasible point (``kSolutionStatusFeasible``)."""

_STATUS = highspy.HighsModelStatus
STATUS = {
    _STATUS.kOptimal: "optimal",
    _STATUS.kInfeasible: "infeasible",
    _STATUS.kUnboundedOrInfeasible: "infeasible",  # the Solver asks again without presolve
    _STATUS.kUnbounded: "unbounded",
    _STATUS.kTimeLimit: "time_limit",
    _STATUS.kIterationLimit: "time_limit",
    _STATUS.kSolutionLimit: "time_limit",
}
"""HiGHS model status -> MODEL.md status (any other: ``error``); an iteration limit is a work
limit like time."""

LIMITS = {
    _STATUS.kTimeLimit: "time limit reached",
    _STATUS.kIterationLimit: "iteration limit reached",
    _STATUS.kSolutionLimit: "iteration limit reached",
}

CONCLUSIVE = frozenset(
    (
        *STATUS,
        _STATUS.kLoadError,
        _STATUS.kModelError,
        _STATUS.kPresolveError,
        _STATUS.kSolveError,
        _STATUS.kPostsolveError,
        _STATUS.kObjectiveBound,
        _STATUS.kObjectiveTarget,
    )
)
"""Statuses that say why HiGHS stopped. Any other (``kUnknown``, which an interior point that
stalls reports, ``kNotset``, ``kModelEmpty``, the interrupts) is a stop without a verdict."""


@dataclass
class Run:
    """One HiGHS run: its model status, simplex iterations and log."""

    model_status: highspy.HighsModelStatus
    text: str
    """HiGHS's name for the status (``modelStatusToString``)."""
    iterations: int | None
    log: str
    mip: bool = False
    """Whether the run solved a MIP (then the three below are set)."""
    mip_gap: float | None = None
    """The relative gap HiGHS proved, (incumbent - bound) / |incumbent|."""
    mip_bound: float | None = None
    """HiGHS's best bound on the objective (model units)."""
    incumbent: bool = False
    """Whether the run ended with a feasible solution (for a MIP stopped at a limit)."""

    @property
    def status(self) -> str:
        """The MODEL.md status: optimal, infeasible, unbounded, time_limit or error. A MIP is
        optimal when HiGHS proved its incumbent within the gap asked for (``mip_rel_gap``)."""
        return STATUS.get(self.model_status, "error")

    @property
    def message(self) -> str:
        return LIMITS.get(self.model_status, self.text)

    @property
    def stopped_without_verdict(self) -> bool:
        """HiGHS stopped and could not say why (an interior point that stalled)."""
        return self.model_status not in CONCLUSIVE


_BANNER_SHOWN = False


def new_highs() -> highspy.Highs:
    """A ``highspy.Highs`` object with its output off. highspy 1.16 prints a banner to
    stdout when a process makes its first one (before any option can be set); that one is
    made with stdout sent to the null device, so the CLI prints what it printed with 1.15."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        highs = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            highs = highspy.Highs()
            if os.name == "posix":  # C stdio's buffer, while it still goes nowhere
                ctypes.CDLL(None).fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _BANNER_SHOWN = True
    highs.setOptionValue("output_flag", False)
    return highs


def data_objects(model, ctype) -> list:
    """Active data objects of ``ctype``, component by component, each in its index order
    (construction order for chipalloc's ordered index sets)."""
    return [
        data
        for component in model.component_objects(ctype, active=True, descend_into=True)
        for data in component.values()
        if data.active
    ]


def mutable_param_data(model) -> list:
    """Every existing entry of every mutable Param. ``sparse_values``: iterating a Param with
    a default would create every missing entry (slowly); those the model uses exist."""
    return [
        data
        for component in model.component_objects(pyo.Param, descend_into=True)
        if component.mutable
        for data in component.sparse_values()
    ]


def flat_terms(expr, col_of: dict[int, int]) -> tuple[list, list, float] | None:
    """(columns, coefficients, constant) of a ``LinearExpression`` whose terms are variables,
    number * variable and numbers; None for anything else (left to ``Compiler``)."""
    if expr.__class__ is not LinearExpression:
        return None
    cols, coefs, constant = [], [], 0.0
    for a in expr.args:
        cls = a.__class__
        if cls is MonomialTermExpression:
            c, v = a.args
            if c.__class__ not in native_numeric_types or id(v) not in col_of:
                return None
            cols.append(col_of[id(v)])
            coefs.append(c)
        elif cls in native_numeric_types:
            constant += a
        elif id(a) in col_of:
            cols.append(col_of[id(a)])
            coefs.append(1.0)
        else:
            return None
    return cols, coefs, constant


def _met_bound_change(x, lo, hi, new_lo, new_hi) -> np.ndarray:
    """How far the bound that each value of ``x`` meets moves (lower or upper, whichever is
    nearer; 0 where that bound is infinite or does not move)."""
    upper = np.abs(hi - x) < np.abs(x - lo)
    old = np.where(upper, hi, lo)
    new = np.where(upper, new_hi, new_lo)
    with np.errstate(invalid="ignore"):
        change = new - old
    return np.where(np.isfinite(old) & np.isfinite(new), change, 0.0)


@dataclass
class Dependencies:
    """The mutable Params (by id) held by each mutable row, the objective and each named
    Expression, so an update recompiles only what a changed Param reaches."""

    rows: dict[int, frozenset[int]]
    objective: frozenset[int]
    named: dict[int, frozenset[int]]

    def of_named(self, key: int, sources: dict[int, object], plain: dict) -> frozenset[int]:
        """The Params of named Expression ``key`` (walked now if no row reached it)."""
        found = self.named.get(key)
        if found is None:
            found = mutable_params(sources[key].expr, plain, self.named)
            self.named[key] = found
        return found


class HighsModel:
    """A Pyomo model loaded into a ``highspy.Highs`` object of its own (module docstring)."""

    def __init__(self) -> None:
        self.model = None
        """The Pyomo model loaded (None before ``load``)."""
        self.highs: highspy.Highs | None = None
        self.variables: list = []
        """Loaded variables, by column."""
        self.constraints: list = []
        """Loaded constraints, by row."""
        self.changes: set[str] = set()
        """What updates pushed since the last solve (see ``update``)."""
        self.solved_changes: set[str] = set()
        """``changes`` as they stood when the last solve started."""
        self.integer_cols = np.zeros(0, dtype=np.int32)
        """Columns of integer and binary variables."""
        self.integers_fixed = False
        """Whether HiGHS holds an LP of the MIP: the integer columns fixed (``fix_integers``)
        or relaxed (``relax_integers``)."""
        self._solution: np.ndarray | None = None
        self._activity: np.ndarray | None = None
        self._log: list[str] = []

    def load(self, model) -> None:
        """Load ``model`` into a new ``highspy.Highs`` object."""
        self.model = model
        self._solution = None
        self._activity = None
        self.integers_fixed = False
        self.highs = new_highs()
        self._log = []
        self.highs.cbLogging.subscribe(self._log_line)
        self.variables = data_objects(model, pyo.Var)
        self._col_index = {id(v): i for i, v in enumerate(self.variables)}
        self.constraints = data_objects(model, pyo.Constraint)
        self._con_exprs = [c.expr for c in self.constraints]
        self._loaded_layout = self._layout(model)
        n_cons = sum(
            len(c) for c in model.component_objects(pyo.Constraint, active=True, descend_into=True)
        )
        self._all_rows_loaded = n_cons == len(self.constraints)
        self._row_index = {c: i for i, c in enumerate(self.constraints)}
        objectives = list(model.component_data_objects(pyo.Objective, active=True))
        if len(objectives) > 1:
            raise ValueError("the model has more than one active objective")
        self._objective = objectives[0] if objectives else None
        self._params = mutable_param_data(model)
        self._compiled: dict[int, object] = {}
        self._mutable_named: dict[int, object] = {}
        self._named_sources: dict[int, object] = {}
        self._dependencies: Dependencies | None = None
        self.changes = set()
        self.solved_changes = set()
        self._pass_model()
        self._param_snapshot = self._param_values()

    def row_of(self, con_data) -> int:
        """HiGHS row index of a loaded constraint."""
        return self._row_index[con_data]

    def col_of(self, var_data) -> int:
        """HiGHS column index of a loaded variable."""
        return self._col_index[id(var_data)]

    def _log_line(self, event) -> None:
        self._log.append(event.message)

    # -- loading ----------------------------------------------------------------------------
    def _param_values(self) -> np.ndarray:
        """Current values of every mutable Param, in load order."""
        return np.fromiter((p.value for p in self._params), dtype=float, count=len(self._params))

    def _pass_model(self) -> None:
        """Compile every row and the objective, then hand HiGHS the whole LP at once."""
        compiler = self._compiler()
        n_cols = len(self.variables)
        col_lo, col_hi = self._col_bounds()
        n_rows = len(self.constraints)
        pieces_c, pieces_v, counts = [], [], [0] * n_rows
        row_lo, row_hi, row_constant = np.empty(n_rows), np.empty(n_rows), np.empty(n_rows)
        self._mutable_rows: set[int] = set()
        self._mutable_bounds: list[int] = []
        flat_rows: list[int] = []  # rows that are plain sums of number * variable
        flat_cols: list[int] = []
        flat_vals: list[float] = []
        col_of = self._col_index
        row_bounds = self._row_bounds
        for i, con in enumerate(self.constraints):
            lower, expr, upper = con.to_bounded_expression()
            flat = flat_terms(expr, col_of)
            if flat is not None:
                cols, coefs, constant = flat
                flat_rows.extend([i] * len(cols))
                flat_cols.extend(cols)
                flat_vals.extend(coefs)
                mutable = False
            else:
                body = compiler.compile(expr)
                pieces_c.append(body.cols)
                pieces_v.append(body.coefs)
                counts[i] = len(body.cols)
                constant, mutable = body.constant, body.mutable
            row_constant[i] = constant
            row_lo[i], row_hi[i], bound_mutable = row_bounds(lower, upper, constant)
            if mutable:
                self._mutable_rows.add(i)
            if mutable or bound_mutable:
                self._mutable_bounds.append(i)
        self._row_constant = row_constant
        rows = np.concatenate(
            [
                np.array(flat_rows, dtype=np.int64),
                np.repeat(np.arange(n_rows, dtype=np.int64), counts),
            ]
        )
        cols = np.concatenate([np.array(flat_cols, dtype=np.int64), *pieces_c])
        vals = np.concatenate([np.array(flat_vals, dtype=float), *pieces_v])
        del flat_rows, flat_cols, flat_vals, pieces_c, pieces_v  # lower the peak memory
        rows, cols, vals = combine(rows, cols, vals, max(n_cols, 1))
        start = np.searchsorted(rows, np.arange(n_rows + 1))
        cols = cols.astype(np.int32)
        del rows
        cost, offset, self._objective_mutable = self._objective_arrays(compiler)

        maximise = self._objective is not None and self._objective.sense == pyo.maximize
        # numpy arrays straight into HiGHS (int32 indices): filling a HighsLp's vectors
        # converts them element by element (0.1 s per million entries)
        status = self.highs.passModel(
            n_cols,
            n_rows,
            len(vals),
            int(highspy.MatrixFormat.kRowwise),
            int(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize),
            offset,
            cost,
            col_lo,
            col_hi,
            row_lo,
            row_hi,
            start.astype(np.int32),
            cols,
            vals,
            self._integrality(n_cols),
        )
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS refused the model (passModel returned an error)")
        self.highs.setOptionValue("output_flag", True)
        self._loaded_bounds = (col_lo, col_hi)
        self._row_limits = (row_lo, row_hi)
        """The row bounds HiGHS holds (the constraint's bounds less the body's constant)."""
        self._matrix = (start, cols, vals)
        """The loaded matrix, row-wise: row i's entries are cols and vals[start[i]:start[i+1]]."""
        self._row_entries: dict[int, dict[int, float]] = {}
        """Coefficients of the mutable rows changed since loading (others are in _matrix)."""

    def _integrality(self, n_cols: int) -> np.ndarray:
        """HiGHS's integrality per column: integer (and binary) columns 1, the others 0."""
        kinds = np.zeros(n_cols, dtype=np.int32)
        kinds[self.integer_cols] = int(highspy.HighsVarType.kInteger)
        return kinds

    @property
    def loaded_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The column bounds (lower, upper) the model gave HiGHS, by column."""
        return self._loaded_bounds

    @property
    def is_mip(self) -> bool:
        """Whether the loaded model has integer or binary columns."""
        return len(self.integer_cols) > 0

    def solution_with(self, values: Mapping, base: np.ndarray | None = None) -> np.ndarray:
        """Column values of ``base`` (default: the last solution) with ``values[v]`` for the
        Pyomo variables named there (a copy)."""
        x = np.array(self.highs.getSolution().col_value if base is None else base)
        for v, value in values.items():
            x[self._col_index[id(v)]] = value
        return x

    def fix_integers(self, x: np.ndarray) -> None:
        """Turn the MIP into the LP with every integer column fixed at its value in ``x`` (all
        columns, e.g. ``solution_with``), rounded: bounds lower = upper = value, integrality
        continuous. ``solve`` and ``update`` undo it (``restore_integers``)."""
        cols = self.integer_cols
        x = np.round(x[cols])
        self.highs.changeColsBounds(len(cols), cols, x, x)
        self.set_integrality(cols, False)
        self.integers_fixed = True

    def restore_integers(self) -> None:
        """Give the integer columns their loaded bounds and integrality back."""
        if not self.integers_fixed:
            return
        cols = self.integer_cols
        lo, hi = self._loaded_bounds
        self.highs.changeColsBounds(len(cols), cols, lo[cols], hi[cols])
        self.set_integrality(cols, True)
        self.integers_fixed = False

    def relax_integers(self) -> None:
        """The LP relaxation: every integer column continuous (``restore_integers`` undoes
        it, as ``solve`` and ``update`` do)."""
        self.set_integrality(self.integer_cols, False)
        self.integers_fixed = True

    def set_integrality(self, cols: np.ndarray, integer: bool) -> None:
        """Make columns ``cols`` integer or continuous."""
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        kinds = np.full(len(cols), int(kind), dtype=np.uint8)
        self.highs.changeColsIntegrality(len(cols), cols, kinds)

    def start_from(self, x: np.ndarray) -> None:
        """A MIP start: ``x`` (one value per column) as HiGHS's first incumbent."""
        solution = highspy.HighsSolution()
        solution.col_value = list(map(float, x))
        self.highs.setSolution(solution)

    def _compiler(self) -> Compiler:
        """A compiler sharing this model's compiled named Expressions."""
        return Compiler(
            self._col_index,
            self._compiled,
            self._mutable_named,
            self._named_sources,
        )

    @staticmethod
    def _row_of_matrix(start, cols, vals, i) -> dict[int, float]:
        lo, hi = start[i], start[i + 1]
        return dict(zip(cols[lo:hi].tolist(), vals[lo:hi].tolist(), strict=True))

    def _col_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Column bounds from each variable's public ``bounds`` (its own bounds within its
        domain's), read in one pass into an array (None reads as nan, then as infinite);
        fixed variables at their value. Integrality is checked once per distinct domain."""
        variables = self.variables
        n = len(variables)
        bounds = np.array([v.bounds for v in variables], dtype=float).reshape(n, 2)
        lo = np.where(np.isnan(bounds[:, 0]), -INF, bounds[:, 0])
        hi = np.where(np.isnan(bounds[:, 1]), INF, bounds[:, 1])
        for i in np.flatnonzero(np.fromiter((v.fixed for v in variables), dtype=bool, count=n)):
            lo[i] = hi[i] = variables[i].value
        integer = {key for key, v in {id(v.domain): v for v in variables}.items() if v.is_integer()}
        self.integer_cols = np.flatnonzero(
            np.fromiter((id(v.domain) in integer for v in variables), dtype=bool, count=n)
        ).astype(np.int32)
        return lo, hi

    @staticmethod
    def _row_bounds(lower, upper, constant: float) -> tuple[float, float, bool]:
        """Row bounds: the constraint's bounds less the body's constant; mutable or not."""
        lo, hi, mutable = -INF, INF, False
        if lower is not None:
            value, mutable = number(lower)
            lo = value - constant
        if upper is not None:
            value, mut = number(upper)
            hi, mutable = value - constant, mutable or mut
        return lo, hi, mutable

    def _objective_arrays(self, compiler: Compiler) -> tuple[np.ndarray, float, bool]:
        n = len(self.variables)
        if self._objective is None:
            self._cost, self._offset = np.zeros(n), 0.0
            return self._cost, 0.0, False
        form = compiler.compile(self._objective.expr)
        cost = np.bincount(form.cols, weights=form.coefs, minlength=n).astype(float)
        self._cost, self._offset = cost, form.constant
        return cost, form.constant, form.mutable

    # -- updating ---------------------------------------------------------------------------
    def update(self) -> None:
        """Push Param and variable-bound changes to HiGHS; reload if the structure changed.

        Only what depends on a changed Param is recompiled: named Expressions, rows and the
        objective remember which mutable Params they hold (found on the first update).
        ``changes`` collects what moved until the next solve: ``bounds`` (column or row
        bounds), ``matrix`` (coefficients), ``costs`` (objective), ``structure`` (reloaded).
        """
        self._solution = None
        self._activity = None
        self.restore_integers()
        if self._structure_changed():
            self.load(self.model)
            self.changes.add("structure")
            return
        highs = self.highs
        col_lo, col_hi = self._col_bounds()
        old_lo, old_hi = self._loaded_bounds
        changed = np.flatnonzero((col_lo != old_lo) | (col_hi != old_hi))
        if len(changed):
            highs.changeColsBounds(len(changed), changed, col_lo[changed], col_hi[changed])
            self._loaded_bounds = (col_lo, col_hi)
            self.changes.add("bounds")
        params = self._param_values()
        moved_at = np.flatnonzero(params != self._param_snapshot)
        if not len(moved_at):
            return
        self._param_snapshot = params
        moved = {id(self._params[i]) for i in moved_at}
        deps = self._dependencies or self._find_dependencies()
        sources, plain = self._named_sources, self._compiled
        for key in [k for k in self._mutable_named if deps.of_named(k, sources, plain) & moved]:
            del self._mutable_named[key]
        compiler = self._compiler()
        bounds = {}
        for i in self._mutable_bounds:
            if not deps.rows[i] & moved:
                continue
            lower, expr, upper = self.constraints[i].to_bounded_expression()
            if i not in self._mutable_rows:  # only a bound moved: the body is as loaded
                bounds[i] = self._row_bounds(lower, upper, self._row_constant[i])[:2]
                continue
            body = compiler.compile(expr)
            self._row_constant[i] = body.constant
            bounds[i] = self._row_bounds(lower, upper, body.constant)[:2]
            if self._push_row(i, body, highs):
                self.changes.add("matrix")
        if bounds:
            index = np.fromiter(bounds, dtype=np.int32, count=len(bounds))
            lo = np.array([b[0] for b in bounds.values()])
            hi = np.array([b[1] for b in bounds.values()])
            highs.changeRowsBounds(len(index), index, lo, hi)
            self._row_limits[0][index], self._row_limits[1][index] = lo, hi
            self.changes.add("bounds")
        if self._objective_mutable and deps.objective & moved:
            old = self._cost
            cost, offset, _ = self._objective_arrays(compiler)
            at = np.flatnonzero(cost != old).astype(np.int32)
            if len(at):
                highs.changeColsCost(len(at), at, cost[at])
                self.changes.add("costs")
            highs.changeObjectiveOffset(offset)

    def objective_shift(self) -> float:
        """The first-order change of the optimal objective (model units) if the mutable Params
        and variable bounds moved from the values HiGHS holds to the model's current ones, at
        the loaded solution x, row duals y and reduced costs z (the envelope theorem):

            dZ = (c' - c) x + (offset' - offset) + sum_r y_r (beta'_r - beta_r - (a'_r - a_r) x)
                 + sum_j z_j (l'_j - l_j),

        beta_r the bound of row r that x meets (HiGHS's row bounds: the constraint's bound
        less the body's constant), a_r the row's coefficients, l_j the bound of column j
        that x meets. Exact for a change along which c, A and b are affine while the basis
        stays optimal (one-sided at a kink). Nothing is pushed to HiGHS; ``update`` still
        sees the change."""
        x = self._solution
        solution = self.highs.getSolution()
        y, z = np.asarray(solution.row_dual), np.asarray(solution.col_dual)
        shift = 0.0
        col_lo, col_hi = self._col_bounds()
        old_lo, old_hi = self._loaded_bounds
        shift += float(z @ _met_bound_change(x, old_lo, old_hi, col_lo, col_hi))
        params = self._param_values()
        moved_at = np.flatnonzero(params != self._param_snapshot)
        if not len(moved_at):
            return shift
        moved = {id(self._params[i]) for i in moved_at}
        deps = self._dependencies or self._find_dependencies()
        sources, plain = self._named_sources, self._compiled
        current = {
            key: form
            for key, form in self._mutable_named.items()
            if not deps.of_named(key, sources, plain) & moved
        }
        compiler = Compiler(self._col_index, plain, current)
        rows = [i for i in self._mutable_bounds if deps.rows[i] & moved]
        if rows:
            at = np.array(rows, dtype=np.int64)
            lo, hi = self._row_limits[0][at], self._row_limits[1][at]
            new_lo, new_hi, body_change = np.empty(len(at)), np.empty(len(at)), np.empty(len(at))
            for n, i in enumerate(rows):
                lower, expr, upper = self.constraints[i].to_bounded_expression()
                body = compiler.compile(expr)
                new_lo[n], new_hi[n], _ = self._row_bounds(lower, upper, body.constant)
                old_value = sum(v * x[c] for c, v in self._held_row(i).items())
                body_change[n] = float(body.coefs @ x[body.cols]) - old_value
            value = np.asarray(solution.row_value)[at]
            shift += float(y[at] @ (_met_bound_change(value, lo, hi, new_lo, new_hi) - body_change))
        if self._objective_mutable and deps.objective & moved:
            form = compiler.compile(self._objective.expr)
            cost = np.bincount(form.cols, weights=form.coefs, minlength=len(x))
            shift += float((cost - self._cost) @ x) + form.constant - self._offset
        return shift

    def _find_dependencies(self) -> Dependencies:
        """Which mutable Params each mutable row, the objective and each named Expression
        hold (walked once, on the first update)."""
        memo: dict[int, frozenset[int]] = {}
        plain = self._compiled
        rows = {
            i: mutable_params(self.constraints[i].expr, plain, memo) for i in self._mutable_bounds
        }
        objective = NO_PARAMS
        if self._objective is not None and self._objective_mutable:
            objective = mutable_params(self._objective.expr, plain, memo)
        self._dependencies = Dependencies(rows, objective, memo)
        return self._dependencies

    def _held_row(self, i: int) -> dict[int, float]:
        """Row ``i``'s coefficients as HiGHS holds them (column -> value)."""
        held = self._row_entries.get(i)
        return self._row_of_matrix(*self._matrix, i) if held is None else held

    def _push_row(self, i: int, body, highs) -> bool:
        """Change the coefficients of row ``i`` that differ from those loaded (True if any)."""
        new: dict[int, float] = {}
        for c, v in zip(body.cols.tolist(), body.coefs.tolist(), strict=True):
            new[c] = new.get(c, 0.0) + v
        old = self._held_row(i)
        pushed = False
        for c in old.keys() | new.keys():
            value = new.get(c, 0.0)
            if old.get(c, 0.0) != value:
                highs.changeCoeff(i, c, value)
                pushed = True
        self._row_entries[i] = new
        return pushed

    def _structure_changed(self) -> bool:
        """Whether rows, columns or the objective differ from those loaded.

        Listing every row and column again costs more than a small re-solve (30 ms at
        41k columns through ``values()``), so the model's active components and their sizes
        (``len``) are compared with those loaded, and each loaded row is checked to be still
        active with its expression; rows listed again only if some were inactive at load."""
        model = self.model
        now, loaded = self._layout(model), self._loaded_layout
        if len(now) != len(loaded) or any(
            a is not b or m != n for (a, m), (b, n) in zip(now, loaded, strict=True)
        ):
            return True
        cons = self.constraints
        if self._all_rows_loaded:
            exprs = self._con_exprs
            if any(not c.active or c.expr is not e for c, e in zip(cons, exprs, strict=True)):
                return True
        else:
            now = data_objects(model, pyo.Constraint)
            if len(now) != len(cons) or any(
                a is not b or a.expr is not e
                for a, b, e in zip(now, cons, self._con_exprs, strict=True)
            ):
                return True
        objectives = list(model.component_data_objects(pyo.Objective, active=True))
        return (objectives[:1] or [None])[0] is not self._objective

    @staticmethod
    def _layout(model) -> list[tuple[object, int]]:
        """The active Var and Constraint components and their sizes."""
        return [
            (c, len(c))
            for ctype in (pyo.Var, pyo.Constraint)
            for c in model.component_objects(ctype, active=True, descend_into=True)
        ]

    # -- running ----------------------------------------------------------------------------
    def solve(
        self, options: dict | None = None, time_limit=None, threads=None, progress=None
    ) -> Run:
        """Run HiGHS on what ``load`` and ``update`` handed it. A simplex re-solve after a
        change of costs alone restarts with primal simplex (the old basis is still primal
        feasible), else with dual simplex (after bound and right-hand-side changes the basis
        is still dual feasible); a ``simplex_strategy`` among ``options`` still wins."""
        self.restore_integers()
        self.solved_changes, self.changes = self.changes, set()
        primal = self.solved_changes == {"costs"} and self.highs.getBasis().valid
        self.highs.setOptionValue("simplex_strategy", PRIMAL if primal else DUAL)
        return self.run(options, time_limit, threads, progress)

    def run(self, options: dict | None = None, time_limit=None, threads=None, progress=None) -> Run:
        """One ``highs.run()`` with these options (HiGHS keeps options between runs). The log
        is collected through HiGHS's logging callback, not printed. ``progress``, for a MIP,
        is called with (incumbent, bound, gap, seconds) in model units at each MIP log line
        and improving solution (HiGHS's MIP callbacks)."""
        highs = self.highs
        mip = self.is_mip and not self.integers_fixed
        watch = None
        if mip and progress is not None:

            def watch(event) -> None:
                out = event.data_out
                progress(out.mip_primal_bound, out.mip_dual_bound, out.mip_gap, out.running_time)

            highs.cbMipLogging.subscribe(watch)
            highs.cbMipImprovingSolution.subscribe(watch)
        self._solution = None
        self._activity = None
        highs.setOptionValue("log_to_console", False)
        if threads is not None:
            highs.setOptionValue("threads", threads)
        if time_limit is not None:
            highs.setOptionValue("time_limit", time_limit)
        for name, value in (options or {}).items():
            highs.setOptionValue(name, value)
        highs.HandleKeyboardInterrupt = True
        self._log.clear()
        refused = highs.run() == highspy.HighsStatus.kError
        if refused and threads is not None and highs.getModelStatus() == _STATUS.kNotset:
            # HiGHS 1.16 refuses a thread count other than that of the process's thread
            # scheduler (1.15 took it): start a new scheduler and run again
            reset = getattr(highs, "resetThreadScheduler", None) or highs.resetGlobalScheduler
            reset(True)
            highs.run()
        if watch is not None:
            highs.cbMipLogging.unsubscribe(watch)
            highs.cbMipImprovingSolution.unsubscribe(watch)
        status = highs.getModelStatus()
        info = highs.getInfo()
        iterations = info.simplex_iteration_count if info.valid else None
        run = Run(status, highs.modelStatusToString(status), iterations, "".join(self._log))
        if mip:
            run.mip = True
            run.incumbent = info.valid and info.primal_solution_status == FEASIBLE
            run.mip_gap = float(info.mip_gap) if run.incumbent else None
            run.mip_bound = float(info.mip_dual_bound) if info.valid else None
        return run

    # -- solution ---------------------------------------------------------------------------
    @property
    def has_solution(self) -> bool:
        """Whether ``load_solution`` read the last run's solution (no edit since)."""
        return self._solution is not None

    def load_solution(self) -> None:
        """Read the solution and copy every column's value into its Pyomo variable."""
        self._solution = np.asarray(self.highs.getSolution().col_value)
        self._activity = None
        for v, x in zip(self.variables, self._solution.tolist(), strict=True):
            v.set_value(x, skip_validation=True)

    def row_activity(self, constraints) -> np.ndarray:
        """Body values of constraints at the solution: the loaded rows times the solution
        (rows whose coefficients follow mutable Params use their current coefficients)."""
        x = self._solution
        if self._activity is None:
            start, cols, vals = self._matrix
            n = len(self.constraints)
            rows = np.repeat(np.arange(n), np.diff(start))
            activity = np.bincount(rows, weights=vals * x[cols], minlength=n)
            for i, entries in self._row_entries.items():
                at = np.fromiter(entries.keys(), dtype=np.int64, count=len(entries))
                coefs = np.fromiter(entries.values(), dtype=float, count=len(entries))
                activity[i] = coefs @ x[at]
            self._activity = activity + self._row_constant
        where = self._row_index
        index = np.fromiter((where[c] for c in constraints), dtype=np.int64)
        return self._activity[index]

    def values(self, items) -> np.ndarray:
        """Values at the solution of Pyomo variables and linear expressions, in order."""
        return evaluate(self._compiler(), self._solution, items)
