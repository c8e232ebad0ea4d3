"""A stable text form of an LP's rows, one family at a time, for golden-file tests.

One line per row, in the component's index order::

    power[A,2026Q1]: +1.5 buy[X,A,2026Q1] +1 buy[Y,A,2026Q1] -1 build[A,2026Q1] <= 2

Terms are sorted by variable name, coefficients printed with ``format(x, '+.12g')``,
constants of the body folded into the bound, and variables named by Pyomo's public
``name``. Only Pyomo's public API is used (``component_objects``, ``.items()``,
``generate_standard_repn(..., compute_values=True)``, ``lower`` / ``upper``, ``pyo.value``),
so the text is what the solver is handed, in model units (``chipalloc.model.units``).

A test helper, not part of the product: the solver layer has its own LP writers.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyomo.core as pyo
from pyomo.repn import generate_standard_repn


def number(x: float) -> str:
    """A repr-stable number: 12 significant digits, no negative zero."""
    x = float(x)
    return format(0.0 if x == 0 else x, ".12g")


def linear_terms(expr) -> tuple[list[tuple[str, float]], float]:
    """(variable name, coefficient) pairs sorted by name, and the constant, of a linear expr."""
    repn = generate_standard_repn(expr, compute_values=True)
    if not repn.is_linear():
        raise ValueError(f"not linear: {expr}")
    terms: dict[str, float] = {}
    for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        terms[var.name] = terms.get(var.name, 0.0) + pyo.value(coef)
    return sorted(terms.items()), pyo.value(repn.constant)


def format_terms(terms: Iterable[tuple[str, float]]) -> str:
    text = " ".join(f"{'+' if c >= 0 else '-'}{number(abs(c))} {name}" for name, c in terms)
    return text or "0"


def row_text(con) -> str:
    """One row: ``name: terms <= ub``, ``name: terms >= lb``, ``== rhs`` or ``lb <= ... <= ub``."""
    terms, constant = linear_terms(con.body)
    body = format_terms(terms)
    lower = None if con.lower is None else pyo.value(con.lower) - constant
    upper = None if con.upper is None else pyo.value(con.upper) - constant
    if con.equality:
        relation = f"{body} == {number(upper)}"
    elif lower is not None and upper is not None:
        relation = f"{number(lower)} <= {body} <= {number(upper)}"
    elif upper is not None:
        relation = f"{body} <= {number(upper)}"
    else:
        relation = f"{body} >= {number(lower)}"
    return f"{con.name}: {relation}"


def constraint_names(m: pyo.ConcreteModel) -> list[str]:
    """Names of the model's constraint components (families), in declaration order."""
    return [c.name for c in m.component_objects(pyo.Constraint, active=True)]


def family_lines(m: pyo.ConcreteModel, family: str) -> list[str]:
    """The rows of constraint component ``family``, one line each, in index order."""
    component = m.find_component(family)
    if not isinstance(component, pyo.Constraint):
        raise KeyError(f"{family!r} is not a constraint component of {m.name!r}")
    return [row_text(con) for _, con in component.items() if con.active]


def objective_lines(m: pyo.ConcreteModel) -> list[str]:
    """Each active objective: ``name (sense): terms`` and, if not 0, ``+constant``."""
    lines = []
    for obj in m.component_objects(pyo.Objective, active=True):
        terms, constant = linear_terms(obj.expr)
        sense = "minimize" if obj.sense == pyo.minimize else "maximize"
        tail = "" if constant == 0 else f" {'+' if constant > 0 else '-'}{number(abs(constant))}"
        lines.append(f"{obj.name} ({sense}): {format_terms(terms)}{tail}")
    return lines
