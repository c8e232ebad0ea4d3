"""Rows whose body holds no variable are checked, not sent to the solver.

A row such as ``power`` at a site where no chip can be bought in the window is a
plain inequality between numbers (the initial fleet against the site's MW). Pyomo cannot
pass it to HiGHS, and if it fails the scenario is infeasible however the LP is solved.
``relation`` returns ``Constraint.Skip`` for such rows and records them in
``m.fixed_rows`` so the solver layer re-checks them, with the current parameter values,
before every solve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyomo.core as pyo
from pyomo.core.base.expression import NamedExpressionData
from pyomo.core.base.var import VarData

TOLERANCE = 1e-9


@dataclass(frozen=True)
class FixedRow:
    """``lhs <sense> rhs`` for a row with no variable: family and index as in MODEL.md."""

    family: str
    index: tuple
    lhs: Any
    sense: str
    rhs: Any

    def violation(self) -> float:
        """How far the row is from holding (0 when it holds), in model units."""
        gap = pyo.value(self.lhs) - pyo.value(self.rhs)
        return max(0.0, gap if self.sense == "<=" else -gap)


def has_variable(expr: Any) -> bool:
    """Whether ``expr`` holds a variable; stops at the first one found (depth first)."""
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, VarData):
            return True
        if isinstance(e, NamedExpressionData):
            stack.append(e.expr)
        elif getattr(e, "is_expression_type", None) and e.is_expression_type():
            stack.extend(e.args)
    return False


def relation(m: pyo.ConcreteModel, family: str, index: tuple, lhs: Any, sense: str, rhs: Any):
    """``lhs <= rhs`` or ``lhs >= rhs`` as a constraint body, or Skip if it has no variable."""
    if not has_variable(lhs):
        m.fixed_rows.append(FixedRow(family, index, lhs, sense, rhs))
        return pyo.Constraint.Skip
    return lhs <= rhs if sense == "<=" else lhs >= rhs


def define_fixed_rows(m: pyo.ConcreteModel) -> None:
    """Start the list of variable-free rows (filled by ``relation``)."""
    m.fixed_rows = []
