"""Compile linear Pyomo expressions to coefficient arrays, fast.

A linear expression e over variables x is turned into (cols, coefs, constant) with
e = sum_i coefs[i] * x[cols[i]] + constant. Named Expressions (fleet, compute, cost, ...) are
compiled once and reused wherever they appear, which is what makes this much faster than
walking every row in full: a power row ``pue * it_mw[s,p] - built_mw[s,p]`` costs a few array
operations once ``fleet`` has been compiled.

Coefficients may be expressions of mutable Params; such a result is marked ``mutable`` so
the solver layer can recompile it after the planner changes a Param.
"""

from __future__ import annotations

from numbers import Number

import numpy as np
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.base.expression import NamedExpressionData
from pyomo.core.base.param import ParamData
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import (
    DivisionExpression,
    LinearExpression,
    MonomialTermExpression,
    NegationExpression,
    NPV_DivisionExpression,
    NPV_Mixin,
    NPV_NegationExpression,
    NPV_ProductExpression,
    NPV_SumExpression,
    ProductExpression,
    SumExpression,
)
from pyomo.core.expr.numvalue import value
from pyomo.repn.standard_repn import generate_standard_repn

EMPTY_COLS = np.zeros(0, dtype=np.int64)
EMPTY_COEFS = np.zeros(0)
_ONES = np.ones(1 << 16)
_ONES.flags.writeable = False


def ones(n: int) -> np.ndarray:
    """n ones (a read-only view when n is small: arrays here are never changed in place)."""
    return _ONES[:n] if n <= len(_ONES) else np.ones(n)


class Linear:
    """sum of coefs[i] * x[cols[i]] + constant; cols may repeat (terms add up)."""

    __slots__ = ("cols", "coefs", "constant", "mutable")

    def __init__(self, cols: np.ndarray, coefs: np.ndarray, constant: float, mutable: bool):
        self.cols = cols
        self.coefs = coefs
        self.constant = constant
        self.mutable = mutable

    def scaled(self, factor: float, mutable: bool) -> Linear:
        return Linear(
            self.cols, self.coefs * factor, self.constant * factor, self.mutable or mutable
        )


def number(e) -> tuple[float, bool]:
    """The value of a variable-free expression and whether it depends on a mutable Param."""
    if e.__class__ in native_numeric_types or isinstance(e, Number):
        return float(e), False
    if isinstance(e, ParamData):
        return float(e.value), not e.is_constant()
    return float(_npv_value(e)), not e.is_constant()


def _npv_value(e) -> float:
    """The value of a Param expression: products, sums, quotients and negations of Params and
    numbers (how the model writes coefficients) directly; anything else through Pyomo."""
    cls = e.__class__
    if cls in native_numeric_types:
        return e
    if isinstance(e, ParamData):
        return e.value
    if cls is NPV_ProductExpression:
        a, b = e.args
        return _npv_value(a) * _npv_value(b)
    if cls is NPV_SumExpression:
        return sum(_npv_value(a) for a in e.args)
    if cls is NPV_DivisionExpression:
        a, b = e.args
        return _npv_value(a) / _npv_value(b)
    if cls is NPV_NegationExpression:
        return -_npv_value(e.args[0])
    return value(e)


NAMED, VAR, LINEAR, MONOMIAL, CONSTANT, SUM, PRODUCT, NEGATION, DIVISION, OTHER = (
    "named",
    "var",
    "linear",
    "monomial",
    "constant",
    "sum",
    "product",
    "negation",
    "division",
    "other",
)
_KINDS: dict[type, str] = {}


def _kind(cls: type) -> str:
    """What ``compile`` does with an object of class ``cls`` (decided once per class)."""
    order = (
        (NamedExpressionData, NAMED),
        (VarData, VAR),
        (Number, CONSTANT),
        (ParamData, CONSTANT),
        (NPV_Mixin, CONSTANT),
        (LinearExpression, LINEAR),
        (MonomialTermExpression, MONOMIAL),
        (SumExpression, SUM),
        (ProductExpression, PRODUCT),
        (NegationExpression, NEGATION),
        (DivisionExpression, DIVISION),
    )
    _KINDS[cls] = next((kind for base, kind in order if issubclass(cls, base)), OTHER)
    return _KINDS[cls]


def _is_constant(e) -> bool:
    """No variable can appear in ``e`` (a number, a Param, an expression of those)."""
    return (_KINDS.get(e.__class__) or _kind(e.__class__)) is CONSTANT


class Compiler:
    """Compiles expressions against a column map ``id(var) -> column``.

    ``known`` keeps compiled named Expressions whose coefficients are plain numbers across
    compilers (a re-solve recompiles only what depends on mutable Params).
    """

    def __init__(
        self,
        col_of: dict[int, int],
        known: dict[int, Linear] | None = None,
        named: dict[int, Linear] | None = None,
        sources: dict[int, object] | None = None,
    ) -> None:
        self.col_of = col_of
        self.known = {} if known is None else known
        self.named = {} if named is None else named
        """Compiled named Expressions that depend on mutable Params (valid for their values)."""
        self.sources = sources
        """Where given, each named Expression of ``named`` by id (to find its Params later)."""

    def compile(self, e) -> Linear:
        """The ``Linear`` form of ``e``; raises ValueError if ``e`` is not linear."""
        kind = _KINDS.get(e.__class__) or _kind(e.__class__)
        if kind is NAMED:
            key = id(e)
            out = self.known.get(key) or self.named.get(key)
            if out is None:
                out = self.compile(e.expr)
                if not out.mutable:
                    self.known[key] = out
                else:
                    self.named[key] = out
                    if self.sources is not None:
                        self.sources[key] = e
            return out
        if kind is LINEAR:
            return self._linear(e)
        if kind is CONSTANT:
            c, mut = number(e)
            return Linear(EMPTY_COLS, EMPTY_COEFS, c, mut)
        if kind is SUM:
            return self._terms(e.args)
        if kind is PRODUCT:
            a, b = e.args
            if _is_constant(a):
                c, mut = number(a)
                return self.compile(b).scaled(c, mut)
            if _is_constant(b):
                c, mut = number(b)
                return self.compile(a).scaled(c, mut)
        elif kind is VAR:
            return Linear(np.array([self.col_of[id(e)]], dtype=np.int64), ones(1), 0.0, False)
        elif kind is MONOMIAL:
            coef, var = e.args
            c, mut = number(coef)
            return Linear(np.array([self.col_of[id(var)]], dtype=np.int64), np.array([c]), 0.0, mut)
        elif kind is NEGATION:
            return self.compile(e.args[0]).scaled(-1.0, False)
        elif kind is DIVISION:
            a, b = e.args
            if _is_constant(b):
                c, mut = number(b)
                return self.compile(a).scaled(1.0 / c, mut)
        return self._fallback(e)

    def _linear(self, e: LinearExpression) -> Linear:
        args = e.args
        constant = 0.0
        if args and args[0].__class__ in native_numeric_types:
            constant, args = float(args[0]), args[1:]
        col_of = self.col_of
        try:  # the common case: a plain sum of variables (only variables are in col_of)
            cols = [col_of[id(a)] for a in args]
            return Linear(np.array(cols, dtype=np.int64), ones(len(cols)), constant, False)
        except KeyError:
            pass
        cols, coefs = [], []
        for a in args:  # next: variables and number * variable
            if a.__class__ is MonomialTermExpression:
                c, v = a.args
                if c.__class__ not in native_numeric_types:
                    return self._terms(e.args)
                cols.append(col_of[id(v)])
                coefs.append(c)
            elif id(a) in col_of:
                cols.append(col_of[id(a)])
                coefs.append(1.0)
            else:
                return self._terms(e.args)
        return Linear(np.array(cols, dtype=np.int64), np.array(coefs, dtype=float), constant, False)

    def _terms(self, args) -> Linear:
        """A sum. Variables and number * variable terms are collected directly (the bulk of
        every row); number * expression terms are scaled together in one array operation."""
        col_of, known = self.col_of, self.known
        cols: list[int] = []
        coefs: list[float] = []
        parts: list[Linear] = []
        factors: list[float] = []
        constant, mutable = 0.0, False
        for a in args:
            cls = a.__class__
            if cls is ProductExpression or cls is MonomialTermExpression:
                c, v = a.args
                if c.__class__ in native_numeric_types:  # the bulk: number * (var or expr)
                    key = id(v)
                    j = col_of.get(key)
                    if j is not None:
                        cols.append(j)
                        coefs.append(c)
                    else:  # a named Expression compiled before (fleet, it_mw), or anything
                        parts.append(known.get(key) or self.compile(v))
                        factors.append(c)
                    continue
            kind = _KINDS.get(cls) or _kind(cls)
            if kind is VAR:
                cols.append(col_of[id(a)])
                coefs.append(1.0)
                continue
            if kind is MONOMIAL or kind is PRODUCT:
                c, v = a.args
                if _is_constant(c):
                    value_, mut = number(c)
                    mutable = mutable or mut
                    if (_KINDS.get(v.__class__) or _kind(v.__class__)) is VAR:
                        cols.append(col_of[id(v)])
                        coefs.append(value_)
                    else:
                        parts.append(self.compile(v))
                        factors.append(value_)
                    continue
            if kind is CONSTANT:
                value_, mut = number(a)
                constant += value_
                mutable = mutable or mut
                continue
            parts.append(self.compile(a))
            factors.append(1.0)
        if cols:
            parts.append(Linear(np.array(cols, dtype=np.int64), np.array(coefs), 0.0, False))
            factors.append(1.0)
        if not parts:
            return Linear(EMPTY_COLS, EMPTY_COEFS, constant, mutable)
        if len(parts) == 1 and factors[0] == 1.0:
            only = parts[0]
            return Linear(only.cols, only.coefs, constant + only.constant, mutable or only.mutable)
        sizes = [len(p.cols) for p in parts]
        return Linear(
            np.concatenate([p.cols for p in parts]),
            np.concatenate([p.coefs for p in parts]) * np.repeat(factors, sizes),
            constant + sum(f * p.constant for f, p in zip(factors, parts, strict=True)),
            mutable or any(p.mutable for p in parts),
        )

    def _fallback(self, e) -> Linear:
        """Any other linear form, through Pyomo's own standard representation."""
        repn = generate_standard_repn(e, quadratic=False, compute_values=False)
        if repn.nonlinear_expr is not None:
            raise ValueError(f"expression is not linear: {e}")
        coefs = [number(c) for c in repn.linear_coefs]
        const, mut = number(repn.constant)
        return Linear(
            np.array([self.col_of[id(v)] for v in repn.linear_vars], dtype=np.int64),
            np.array([c for c, _ in coefs]),
            const,
            mut or any(m for _, m in coefs),
        )


NO_PARAMS: frozenset[int] = frozenset()


def mutable_params(e, plain: dict[int, Linear], memo: dict[int, frozenset[int]]) -> frozenset[int]:
    """ids of the mutable Params that ``e`` depends on.

    Named Expressions are walked once (their answer is kept in ``memo``); those in ``plain``
    (compiled with number coefficients only) hold none.
    """
    cls = e.__class__
    if cls in native_numeric_types:
        return NO_PARAMS
    kind = _KINDS.get(cls) or _kind(cls)
    if kind is VAR:
        return NO_PARAMS
    if kind is NAMED:
        key = id(e)
        if key in plain:
            return NO_PARAMS
        found = memo.get(key)
        if found is None:
            found = memo[key] = mutable_params(e.expr, plain, memo)
        return found
    if isinstance(e, ParamData):
        return NO_PARAMS if e.is_constant() else frozenset((id(e),))
    found = NO_PARAMS
    for a in getattr(e, "args", ()):
        inner = mutable_params(a, plain, memo)
        if inner:
            found = found | inner
    return found


def combine(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_cols: int):
    """COO entries sorted by (row, col), repeated (row, col) entries summed: (rows, cols, vals)."""
    key = rows * np.int64(n_cols) + cols
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts_at = np.flatnonzero(first)
    summed = np.add.reduceat(vals[order], starts_at) if len(vals) else vals
    unique = key[starts_at]
    return unique // n_cols, unique % n_cols, summed


def evaluate(compiler: Compiler, x: np.ndarray, items) -> np.ndarray:
    """Values of variables and linear expressions at the point ``x`` (by column), in order."""
    items = list(items)
    out = np.zeros(len(items))
    col_of = compiler.col_of
    is_var = np.fromiter((isinstance(e, VarData) for e in items), dtype=bool, count=len(items))
    var_pos = np.flatnonzero(is_var)
    if len(var_pos):
        cols = np.fromiter((col_of[id(items[i])] for i in var_pos), dtype=np.int64)
        out[var_pos] = x[cols]
    expr_pos = np.flatnonzero(~is_var)
    if len(expr_pos):
        forms = [compiler.compile(items[i]) for i in expr_pos]
        counts = np.fromiter((len(f.cols) for f in forms), dtype=np.int64, count=len(forms))
        cols = np.concatenate([f.cols for f in forms])
        coefs = np.concatenate([f.coefs for f in forms])
        owner = np.repeat(np.arange(len(forms)), counts)
        sums = np.bincount(owner, weights=coefs * x[cols], minlength=len(forms))
        out[expr_pos] = sums + np.fromiter((f.constant for f in forms), dtype=float)
    return out
