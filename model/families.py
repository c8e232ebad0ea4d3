"""The family registry: every constraint and variable family as MODEL.md names it.

Each family module declares its spec beside the function that adds its rows; this module
collects them. Duals, diagnostics and reports are routed back through ``FAMILIES``: a row
of family ``power`` at index ``(fairwater-wi, 2026Q3)`` is "power at fairwater-wi in
2026Q3", in MW.
"""

from __future__ import annotations

from typing import Any

from . import (
    build_total,
    clusters,
    contracts,
    demand,
    discrete,
    extensive,
    fabrics,
    fleet,
    fleet_balance,
    independence,
    objective,
    period_budget,
    policies,
    power,
    projects,
    racks,
    supply,
    variables,
)
from .spec import FamilySpec, VariableSpec

FAMILIES: dict[str, FamilySpec] = {
    spec.name: spec
    for spec in (
        power.SPEC,
        supply.SPEC,
        build_total.SPEC,
        demand.SPEC,
        period_budget.SPEC,
        *policies.SPECS,
        objective.SPEC,
        *contracts.SPECS,
        racks.SPEC,
        *projects.SPECS,
        *clusters.SPECS,
        *fabrics.SPECS,
        *independence.SPECS,
        fleet_balance.SPEC,
        *extensive.SPECS,
    )
}
"""Constraint families in MODEL.md section 4, then sections 9, 7 and 10 (the order of
duals.csv)."""

VARIABLES: dict[str, VariableSpec] = {
    spec.name: spec
    for spec in (
        *variables.SPECS,
        contracts.VARIABLE,
        fleet.SPEC,
        *discrete.SPECS,
        *independence.VARIABLE_SPECS,
    )
}
"""Variable families: buy, build, unmet, share (take_or_pay sites), (recursion form) fleet,
the discrete decisions of section 7, and the bookkeeping variables of section 10."""

PLANNER_FAMILIES: tuple[FamilySpec, ...] = tuple(f for f in FAMILIES.values() if not f.internal)
"""The families the planner sees (duals.csv, ranging, reports): all but bookkeeping rows."""


def index_of(data: Any) -> tuple:
    """The MODEL.md index of a constraint or variable (data object) as a tuple: ``()`` for a
    scalar component, ``(p,)`` for a one-dimensional index."""
    index = data.index()
    if index is None:
        return ()
    return index if isinstance(index, tuple) else (index,)


def family_of(data: Any) -> FamilySpec:
    """The spec of the family a constraint (data object) belongs to; KeyError if none."""
    return FAMILIES[data.parent_component().local_name]


def capacity_family() -> FamilySpec:
    """The family whose rows are a site's MW in a period (power): sites.csv reads its prices."""
    return next(f for f in FAMILIES.values() if f.capacity)
