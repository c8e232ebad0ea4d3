"""Pyomo's persistent HiGHS interface, loading the model in one vectorised pass.

``FastHighs`` is ``pyomo.contrib.solver.solvers.highs.Highs`` with its loading and updating
replaced: the stock interface walks every constraint with Pyomo's general expression
machinery (tens of microseconds per coefficient); here every row is compiled by
``linear.Compiler`` (named Expressions such as ``fleet`` are compiled once and reused) and
the whole matrix is passed to HiGHS with one ``passModel`` call.

Everything else is the stock interface: ``solve(model)``, its results and solution loader,
``_solver_model`` (the ``highspy.Highs`` object) and the maps from Pyomo variables and
constraints to HiGHS columns and rows. Re-solving after changing mutable Params works as
before: rows, bounds and costs that depend on a mutable Param are recompiled and the changed
numbers pushed to HiGHS, which restarts from its previous basis. Adding, removing or
(de)activating constraints or variables, or giving a constraint a new expression, reloads
the model. Not tracked: a named Expression given a new expression after loading (call
``set_instance`` again, or rebuild).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.common.collections import ComponentMap
from pyomo.common.numeric_types import native_numeric_types
from pyomo.contrib.solver.common.util import NoReducedCostsError, NoSolutionError
from pyomo.contrib.solver.solvers.highs import Highs
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
DOMAIN_BOUNDS = {
    id(pyo.Reals): (-INF, INF),
    id(pyo.NonNegativeReals): (0.0, INF),
    id(pyo.NonPositiveReals): (-INF, 0.0),
}
"""Bounds of the common continuous domains, by identity (Set equality is slow). Reading
VarData's private slots is safe: pyproject pins Pyomo to 6.10."""


def data_objects(model, ctype) -> list:
    """Active data objects of ``ctype``, component by component in construction order (the
    order ``component_data_objects`` gives for chipalloc's ordered index sets), read from
    each component's private ``_data`` dict: 50x faster than iterating the index sets."""
    return [
        data
        for component in model.component_objects(ctype, active=True, descend_into=True)
        for data in component._data.values()
        if data.active
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


@dataclass
class Dependencies:
    """The mutable Params (by id) held by each mutable row, the objective and each named
    Expression, so an update recompiles only what a changed Param reaches."""

    rows: dict[int, frozenset[int]]
    objective: frozenset[int]
    named: dict[int, frozenset[int]]

    def of_named(self, key: int, owner: FastHighs) -> frozenset[int]:
        """The Params of named Expression ``key`` (walked now if no row reached it)."""
        found = self.named.get(key)
        if found is None:
            source = owner._named_sources[key]
            found = mutable_params(source.expr, owner._compiled, self.named)
            self.named[key] = found
        return found


class FastHighs(Highs):
    """The persistent HiGHS interface with a vectorised model load (see module docstring)."""

    def set_instance(self, model) -> None:
        """Load ``model`` into a new ``highspy.Highs`` object."""
        if self._last_results_object is not None:
            self._last_results_object.solution_loader.invalidate()
        self._reinit()
        self._x = np.zeros(0)
        self._activity = None
        self._model = model
        self._solver_model = highspy.Highs()
        self._var_list = data_objects(model, pyo.Var)
        self._pyomo_var_to_solver_var_map = {id(v): i for i, v in enumerate(self._var_list)}
        self._con_list = data_objects(model, pyo.Constraint)
        self._con_exprs = [c.expr for c in self._con_list]
        self._pyomo_con_to_solver_con_map = {c: i for i, c in enumerate(self._con_list)}
        self._solver_con_to_pyomo_con_map = self._con_list  # row -> constraint, by position
        objectives = list(model.component_data_objects(pyo.Objective, active=True))
        if len(objectives) > 1:
            raise ValueError("the model has more than one active objective")
        self._objective = objectives[0] if objectives else None
        # existing entries only: iterating a Param with a default would create every
        # missing entry (slowly); those the model uses already exist
        self._params = [p for p in data_objects(model, pyo.Param) if not p.is_constant()]
        self._compiled: dict[int, object] = {}
        self._mutable_named: dict[int, object] = {}
        self._named_sources: dict[int, object] = {}
        self._dependencies: Dependencies | None = None
        self.changes: set[str] = set()
        """What updates pushed since the last solve (see ``update``)."""
        self.solved_changes: set[str] = set()
        """``changes`` as they stood when the last solve started."""
        self._pass_model()
        self._param_snapshot = self._param_values()

    # -- loading ----------------------------------------------------------------------------
    def _param_values(self) -> np.ndarray:
        """Current values of every mutable Param, in load order."""
        return np.fromiter((p.value for p in self._params), dtype=float, count=len(self._params))

    def _pass_model(self) -> None:
        """Compile every row and the objective, then hand HiGHS the whole LP at once."""
        compiler = self._compiler()
        n_cols = len(self._var_list)
        col_lo, col_hi = self._col_bounds()
        n_rows = len(self._con_list)
        pieces_c, pieces_v, counts = [], [], [0] * n_rows
        row_lo, row_hi, row_constant = np.empty(n_rows), np.empty(n_rows), np.empty(n_rows)
        self._mutable_rows: set[int] = set()
        self._mutable_bounds: list[int] = []
        flat_rows: list[int] = []  # rows that are plain sums of number * variable
        flat_cols: list[int] = []
        flat_vals: list[float] = []
        col_of = self._pyomo_var_to_solver_var_map
        row_bounds = self._row_bounds
        for i, con in enumerate(self._con_list):
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
        self._solver_model.setOptionValue("output_flag", False)
        # numpy arrays straight into HiGHS (int32 indices): filling a HighsLp's vectors
        # converts them element by element (0.1 s per million entries)
        status = self._solver_model.passModel(
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
            np.zeros(n_cols, dtype=np.int32),  # every column continuous
        )
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS refused the model (passModel returned an error)")
        self._solver_model.setOptionValue("output_flag", True)
        self._loaded_bounds = (col_lo, col_hi)
        self._matrix = (start, cols, vals)
        """The loaded matrix, row-wise: row i's entries are cols and vals[start[i]:start[i+1]]."""
        self._row_entries: dict[int, dict[int, float]] = {}
        """Coefficients of the mutable rows changed since loading (others are in _matrix)."""

    def _compiler(self) -> Compiler:
        """A compiler sharing this model's compiled named Expressions."""
        return Compiler(
            self._pyomo_var_to_solver_var_map,
            self._compiled,
            self._mutable_named,
            self._named_sources,
        )

    @staticmethod
    def _row_of_matrix(start, cols, vals, i) -> dict[int, float]:
        lo, hi = start[i], start[i + 1]
        return dict(zip(cols[lo:hi].tolist(), vals[lo:hi].tolist(), strict=True))

    def _col_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Column bounds. A variable with no bounds of its own, not fixed, in a continuous
        domain (nearly all of them) takes the domain's bounds without Pyomo's property calls."""
        lo = np.empty(len(self._var_list))
        hi = np.empty(len(self._var_list))
        for i, v in enumerate(self._var_list):
            if v._lb is None and v._ub is None and not v._fixed:
                plain = DOMAIN_BOUNDS.get(id(v._domain))
                if plain is not None:
                    lo[i], hi[i] = plain
                    continue
            if v.fixed:
                lo[i] = hi[i] = v.value
                continue
            if v.is_integer() or v.is_binary():
                raise ValueError(f"{v.name} is integer: chipalloc's LP has continuous variables")
            a, b = v.bounds
            lo[i] = -INF if a is None else a
            hi[i] = INF if b is None else b
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
        n = len(self._var_list)
        if self._objective is None:
            self._cost = np.zeros(n)
            return self._cost, 0.0, False
        form = compiler.compile(self._objective.expr)
        cost = np.bincount(form.cols, weights=form.coefs, minlength=n).astype(float)
        self._cost = cost
        return cost, form.constant, form.mutable

    # -- updating ---------------------------------------------------------------------------
    def update(self, timer=None) -> None:
        """Push Param and variable-bound changes to HiGHS; reload if the structure changed.

        Only what depends on a changed Param is recompiled: named Expressions, rows and the
        objective remember which mutable Params they hold (found on the first update).
        ``changes`` collects what moved until the next solve: ``bounds`` (column or row
        bounds), ``matrix`` (coefficients), ``costs`` (objective), ``structure`` (reloaded).
        """
        self._sol = None
        self._x = np.zeros(0)
        self._activity = None
        if self._last_results_object is not None:
            self._last_results_object.solution_loader.invalidate()
        if self._structure_changed():
            self.set_instance(self._model)
            self.changes.add("structure")
            return
        highs = self._solver_model
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
        for key in [k for k in self._mutable_named if deps.of_named(k, self) & moved]:
            del self._mutable_named[key]
        compiler = self._compiler()
        bounds = {}
        for i in self._mutable_bounds:
            if not deps.rows[i] & moved:
                continue
            lower, expr, upper = self._con_list[i].to_bounded_expression()
            body = compiler.compile(expr)
            self._row_constant[i] = body.constant
            bounds[i] = self._row_bounds(lower, upper, body.constant)[:2]
            if i in self._mutable_rows and self._push_row(i, body, highs):
                self.changes.add("matrix")
        if bounds:
            index = np.fromiter(bounds, dtype=np.int32, count=len(bounds))
            lo = np.array([b[0] for b in bounds.values()])
            hi = np.array([b[1] for b in bounds.values()])
            highs.changeRowsBounds(len(index), index, lo, hi)
            self.changes.add("bounds")
        if self._objective_mutable and deps.objective & moved:
            old = self._cost
            cost, offset, _ = self._objective_arrays(compiler)
            at = np.flatnonzero(cost != old).astype(np.int32)
            if len(at):
                highs.changeColsCost(len(at), at, cost[at])
                self.changes.add("costs")
            highs.changeObjectiveOffset(offset)

    def _solve(self):
        """Run HiGHS. A simplex re-solve after a change of costs alone restarts with primal
        simplex (the old basis is still primal feasible), else with dual simplex (after bound
        and right-hand-side changes the basis is still dual feasible); a ``simplex_strategy``
        among the solve's options still wins."""
        self.solved_changes, self.changes = self.changes, set()
        primal = self.solved_changes == {"costs"} and self._solver_model.getBasis().valid
        self._solver_model.setOptionValue("simplex_strategy", PRIMAL if primal else DUAL)
        return super()._solve()

    def _find_dependencies(self) -> Dependencies:
        """Which mutable Params each mutable row, the objective and each named Expression
        hold (walked once, on the first update)."""
        memo: dict[int, frozenset[int]] = {}
        plain = self._compiled
        rows = {
            i: mutable_params(self._con_list[i].expr, plain, memo) for i in self._mutable_bounds
        }
        objective = NO_PARAMS
        if self._objective is not None and self._objective_mutable:
            objective = mutable_params(self._objective.expr, plain, memo)
        self._dependencies = Dependencies(rows, objective, memo)
        return self._dependencies

    def _push_row(self, i: int, body, highs) -> bool:
        """Change the coefficients of row ``i`` that differ from those loaded (True if any)."""
        new: dict[int, float] = {}
        for c, v in zip(body.cols.tolist(), body.coefs.tolist(), strict=True):
            new[c] = new.get(c, 0.0) + v
        old = self._row_entries.get(i)
        if old is None:
            old = self._row_of_matrix(*self._matrix, i)
        pushed = False
        for c in old.keys() | new.keys():
            value = new.get(c, 0.0)
            if old.get(c, 0.0) != value:
                highs.changeCoeff(i, c, value)
                pushed = True
        self._row_entries[i] = new
        return pushed

    def _structure_changed(self) -> bool:
        """Whether rows, columns or the objective differ from those loaded."""
        model = self._model
        cons = data_objects(model, pyo.Constraint)
        if len(cons) != len(self._con_list) or any(
            a is not b or a.expr is not e
            for a, b, e in zip(cons, self._con_list, self._con_exprs, strict=True)
        ):
            return True
        n_vars = len(data_objects(model, pyo.Var))
        objectives = list(model.component_data_objects(pyo.Objective, active=True))
        return n_vars != len(self._var_list) or (objectives[:1] or [None])[0] is not self._objective

    # -- solution ---------------------------------------------------------------------------
    def load_all_vars(self) -> None:
        """Copy every column's value into its Pyomo variable."""
        self._x = np.asarray(self._solver_model.getSolution().col_value)
        self._activity = None
        for v, x in zip(self._var_list, self._x.tolist(), strict=True):
            v.set_value(x, skip_validation=True)

    def row_activity(self, constraints) -> np.ndarray:
        """Body values of constraints at the solution: the loaded rows times the solution
        (rows whose coefficients follow mutable Params use their current coefficients)."""
        if self._activity is None:
            start, cols, vals = self._matrix
            n = len(self._con_list)
            rows = np.repeat(np.arange(n), np.diff(start))
            activity = np.bincount(rows, weights=vals * self._x[cols], minlength=n)
            for i, entries in self._row_entries.items():
                at = np.fromiter(entries.keys(), dtype=np.int64, count=len(entries))
                coefs = np.fromiter(entries.values(), dtype=float, count=len(entries))
                activity[i] = coefs @ self._x[at]
            self._activity = activity + self._row_constant
        where = self._pyomo_con_to_solver_con_map
        index = np.fromiter((where[c] for c in constraints), dtype=np.int64)
        return self._activity[index]

    def values(self, items) -> np.ndarray:
        """Values at the solution of Pyomo variables and linear expressions, in order."""
        return evaluate(self._compiler(), self._x, items)

    def _get_primals(self, vars_to_load=None):
        if self._sol is None or not self._sol.value_valid:
            raise NoSolutionError()
        return self._by_var(self._sol.col_value, vars_to_load)

    def _get_reduced_costs(self, vars_to_load=None):
        if self._sol is None or not self._sol.dual_valid:
            raise NoReducedCostsError()
        return self._by_var(self._sol.col_dual, vars_to_load)

    def _by_var(self, values, vars_to_load) -> ComponentMap:
        wanted = self._var_list if vars_to_load is None else vars_to_load
        col = self._pyomo_var_to_solver_var_map
        return ComponentMap((v, values[col[id(v)]]) for v in wanted)
