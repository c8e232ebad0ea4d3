"""Demand an optimal min_cost plan leaves unmet, and the binding limits behind it.

``shortfall`` lists the short periods and amounts and, per family flagged ``shortfall`` in
the registry, the binding rows with the largest shadow prices in those periods, each in
the family's words (``FamilySpec.say_limit``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.core as pyo

from chipalloc.model import FAMILIES, PFLOPS, USD, index_of
from chipalloc.model.words import number, usd
from chipalloc.solve.backend.solver import Solver
from chipalloc.solve.explain.iis import policy_value

PER_FAMILY = 3


@dataclass(frozen=True)
class Shortfall:
    """Demand left unmet by an optimal plan and the limits that bind where it happens."""

    unmet: dict[str, float]
    limits: list[str]

    @property
    def total(self) -> float:
        return sum(self.unmet.values())

    def lines(self) -> list[str]:
        periods = ", ".join(f"{p}: {number(v, 1)}" for p, v in self.unmet.items())
        head = (
            f"demand is not met in {len(self.unmet)} period(s), "
            f"{number(self.total, 1)} PFLOPS short in total ({periods})"
        )
        if not self.limits:
            return [head, "no capacity limit binds: the plan prefers the unmet penalty"]
        return [
            head,
            "binding limits in those periods (per kind, largest shadow price first):",
            *self.limits,
        ]


def shortfall(
    solver: Solver, unmet: dict[str, float], tol: float = 1e-6, rel_tol: float = 1e-9
) -> Shortfall | None:
    """Unmet demand (PFLOPS by period) with the binding limits behind it; None if all met.

    A period is short when unmet exceeds both ``tol`` PFLOPS and ``rel_tol`` of its demand:
    an interior point without crossover leaves crumbs that are not a plan's shortfall
    (3e-6 PFLOPS of 2e8 at 200x20x120).

    A limit binds when its shadow price is nonzero. Per family, the rows with the largest
    absolute shadow price (discounted USD of objective per MODEL.md unit of the limit; a
    shortfall exists only for min_cost) are listed. Only rows in a short period count, plus
    rows without a period (build_total). A ``capacity`` limit (power) is reported as the
    capacity in use: power_mw plus MW built and usable by then.
    """
    demand = solver.model.demand_pflops
    short = {p: v for p, v in unmet.items() if v > max(tol, rel_tol * demand[p].value * PFLOPS)}
    if not short:
        return None
    model = solver.model
    duals = solver.row_duals()
    limits = []
    for family in (f for f in FAMILIES.values() if f.shortfall):
        component = getattr(model, family.name, None)
        if component is None:
            continue
        found = []
        for con in component.values():
            index = index_of(con)
            at = family.at(index)
            if "period" in at and at["period"] not in short:
                continue
            price = abs(duals[solver.row_of(con)]) * USD / family.scale
            if price > 1e-9:
                found.append((price, index, con))
        found.sort(key=lambda item: -item[0])
        for price, index, con in found[:PER_FAMILY]:
            bound = pyo.value(con.upper if con.has_ub() else con.lower) * family.scale
            if family.capacity:
                bound += pyo.value(model.built_mw[index])
            text = family.say_limit(index, bound, policy_value(model, family.name, index))
            limits.append(f"{text} (shadow price {usd(price)} per {family.unit})")
    return Shortfall(short, limits)
