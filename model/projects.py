"""Campus builds as one project (MODEL.md 7.2), for sites with a fixed cost or a minimum size:

- one_project[s]: sum over p of start[s,p] <= 1;
- project_start[s,q]: build[s,q] - max_build_mw[s] * sum over p <= q of start[s,p] <= 0
  (no MW before the project starts);
- min_build[s] (min_build_mw > 0): sum over q of build[s,q] - min_build_mw[s] * sum over p
  of start[s,p] >= 0.

The fixed cost is in the build cost (``discrete.fixed_build_cost``). ``first_mw_starts``
moves a solved plan's start to the period of its first MW, where MODEL.md 7.2 reports it.
"""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.common.collections import ComponentMap

from chipalloc.data import Scenario

from .spec import FamilySpec


def define_projects(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add one_project, project_start and min_build for the project sites."""
    periods_of: dict[str, list[str]] = {}
    for s, p in m.START:
        periods_of.setdefault(s, []).append(p)
    m.PROJECT_SITES = pyo.Set(initialize=list(periods_of), ordered=True)
    m.one_project = pyo.Constraint(
        m.PROJECT_SITES,
        rule=lambda m, s: pyo.quicksum(m.start[s, p] for p in periods_of[s]) <= 1,
    )

    def started_by(m, s, q):
        ps = periods_of[s]
        return pyo.quicksum(m.start[s, p] for p in ps[: ps.index(q) + 1])

    m.project_start = pyo.Constraint(
        m.START,
        rule=lambda m, s, q: m.build[s, q] - m.max_build_mw[s] * started_by(m, s, q) <= 0,
    )
    least = {s: mw for s, (_, mw) in m.projects.items() if mw > 0}
    m.MIN_BUILD_SITES = pyo.Set(initialize=[s for s in periods_of if s in least], ordered=True)
    m.min_build = pyo.Constraint(
        m.MIN_BUILD_SITES,
        rule=lambda m, s: (
            pyo.quicksum(m.build[s, p] - least[s] * m.start[s, p] for p in periods_of[s]) >= 0
        ),
    )


def first_mw_starts(m: pyo.Block, tol: float = 1e-9) -> ComponentMap:
    """start[s,p] values (a ComponentMap VarData -> 0 or 1, only those that change) that put
    each project's start in the period of its first MW, read from the loaded build values,
    in ``m`` and every Block below it (a hedge's futures); a project without MW gets none.
    A plan within a MIP gap may start a project before its first MW: the move keeps every
    row of 7.2 (the MW come no earlier than the new start, the project total is the same)
    and charges the fixed cost no earlier, so at the horizon shares b_s,p and discounts d_p
    it costs no more (a per-period capex budget may still refuse it: the caller keeps the
    plan as solved then)."""
    moves = ComponentMap()
    blocks = [m, *m.component_data_objects(pyo.Block, active=True, descend_into=True)]
    for b in (b for b in blocks if hasattr(b, "START")):  # a hedge: each future's Block
        first: dict[str, str | None] = {}
        for s, p in b.START:
            if s not in first:
                first[s] = None
            if first[s] is None and (b.build[s, p].value or 0.0) > tol:
                first[s] = p
        for s, p in b.START:
            want = 1.0 if first[s] == p else 0.0
            if round(b.start[s, p].value or 0.0) != want:
                moves[b.start[s, p]] = want
    return moves


def _one(at: dict, c: dict) -> str:
    return f"{at['site']} (one_project): the site builds as one project over the horizon"


def _start(at: dict, c: dict) -> str:
    return (
        f"{at['site']} in {at['period']} (project_start): no MW can be built before the "
        "site's project starts"
    )


def _least(at: dict, c: dict) -> str:
    return (
        f"{at['site']} (min_build): a project must build at least min_build_mw in all, or not start"
    )


def _least_limit(at: dict, bound: float, value: float | None) -> str:
    return f"minimum build at {at['site']}: the project builds no more than min_build_mw"


SPECS = (
    FamilySpec("one_project", ("site",), "project", 1.0, rank=13, conflict=_one),
    FamilySpec(
        "project_start",
        ("site", "period"),
        "MW",
        1.0,
        rank=14,
        conflict=_start,
    ),
    FamilySpec(
        "min_build",
        ("site",),
        "MW",
        1.0,
        rank=10,
        conflict=_least,
        limit=_least_limit,
    ),
)
