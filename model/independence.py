"""The price of independence and near-optimal alternatives (MODEL.md section 10).

A group g is ``operator:NAME`` (the compute at NAME's sites) or ``vendor:NAME`` (the compute
of NAME's chips); W is a window of periods (default: the whole horizon; one window for all
groups of a run). With C_g[p] as in section 4, rule 6:

- S_g = sum over p in W of y_p * C_g[p]   (PFLOPS-years of g's compute);
- T   = sum over p in W of y_p * compute[p];
- D_W = sum over p in W of y_p * demand_pflops[p].

Rows added on top of sections 4, 7 and 9 (each family has its ``FamilySpec`` here):

- ``independence`` (``chipalloc pareto``): S_g - eps * T <= 0, eps a mutable Param
  (``independence_cap``), so each cap is a warm re-solve (a change of one coefficient: the
  row is s - eps * t <= 0 on bookkeeping variables s = S_g, t = T);
- ``near_optimal`` (``chipalloc alternatives``): Z <= bound (min_cost) or Z >= bound
  (max_compute), Z the objective of section 4 (total_cost plus the shortfall penalty, or
  PFLOPS-years), bound a mutable Param (``near_optimal_bound``: +-1e30, no limit, while Z* is
  found; then (1 + delta) Z* or (1 - delta) Z*).

The alternatives' objective (``define_alternative_objective``) is one persistent objective
with mutable weights, minimised: w_0 * Z + sum over groups g of w_g * S_g. The optimum is
w_0 = 1 (min_cost) or -1 (max_compute), every w_g = 0; min S_g is w_0 = 0, w_g = 1; max S_g
is w_g = -1; an MGA direction is w_0 = 0 and random w_g >= 0. Switching between them changes
only costs, so HiGHS re-solves from the previous basis by primal simplex.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.core as pyo

from chipalloc.data import Scenario

from .fleet import weighted_fleet
from .rows import relation
from .spec import FamilySpec, VariableSpec
from .units import PFLOPS, USD
from .words import number

KINDS = ("operator", "vendor")
NO_BOUND = 1.0e30
"""A near_optimal bound HiGHS reads as infinite (anything above 1e20 is)."""


class GroupError(ValueError):
    """A group or window that names nothing in the scenario (an input error, exit 2)."""


@dataclass(frozen=True)
class Group:
    """``operator:NAME`` or ``vendor:NAME``."""

    kind: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"


def parse_group(text: str, sc: Scenario) -> Group:
    """``operator:NAME`` or ``vendor:NAME`` naming a site's operator or a chip's vendor."""
    kind, sep, name = str(text).strip().partition(":")
    kind, name = kind.strip(), name.strip()
    if not sep or kind not in KINDS or not name:
        raise GroupError(f"group {text!r} must be operator:NAME or vendor:NAME")
    names = set(sc.sites["operator"]) if kind == "operator" else set(sc.chips["vendor"])
    if name not in names:
        known = ", ".join(sorted(map(str, names)))
        where = "no site has operator" if kind == "operator" else "no chip has vendor"
        raise GroupError(f"group {text!r}: {where} {name!r} (known: {known})")
    return Group(kind, name)


def parse_window(text: str | None, sc: Scenario) -> list[str]:
    """The periods of ``FROM:TO`` (both included, either may be empty), or all periods."""
    labels = sc.period_labels
    if text is None or not str(text).strip():
        return list(labels)
    start, sep, stop = str(text).partition(":")
    if not sep:
        raise GroupError(f"window {text!r} must be FROM:TO (periods of periods.csv)")
    start, stop = start.strip() or labels[0], stop.strip() or labels[-1]
    for label in (start, stop):
        if label not in sc.period_pos:
            raise GroupError(f"window {text!r}: period {label!r} is not in periods.csv")
    first, last = sc.period_pos[start], sc.period_pos[stop]
    if first > last:
        raise GroupError(f"window {text!r}: {start} comes after {stop}")
    return list(labels[first : last + 1])


def group_pairs(m: pyo.ConcreteModel, sc: Scenario, group: Group) -> list[tuple[str, str]]:
    """The compatible (chip, site) pairs whose compute counts in C_g."""
    if group.kind == "operator":
        operator = dict(zip(sc.sites["site"], sc.sites["operator"], strict=True))
        return [(k, s) for k, s in m.KS if operator[s] == group.name]
    vendor = dict(zip(sc.chips["chip"], sc.chips["vendor"], strict=True))
    return [(k, s) for k, s in m.KS if vendor[k] == group.name]


def demand_years(sc: Scenario, window: list[str]) -> float:
    """D_W = sum over p in W of y_p * demand_pflops[p] (PFLOPS-years)."""
    periods = sc.periods.set_index("period")
    return float(sum(periods.at[p, "years"] * periods.at[p, "demand_pflops"] for p in window))


def define_metrics(m: pyo.ConcreteModel, sc: Scenario, groups: list[Group], window: list[str]):
    """Add ``group_years[g]`` (S_g) for each group and ``total_years`` (T), thousands of
    PFLOPS-years. fleet is in thousands of units and perf in PFLOPS, so perf * fleet is in
    thousands of PFLOPS (the model's compute unit)."""
    labels = [g.label for g in groups]
    pairs = {g.label: group_pairs(m, sc, g) for g in groups}
    m.GROUPS = pyo.Set(initialize=labels, ordered=True)
    m.group_years = pyo.Expression(
        m.GROUPS, rule=lambda m, g: _years(m, sc, pairs[g], window), doc="S_g, kPFLOPS-years"
    )
    m.total_years = pyo.Expression(
        expr=_years(m, sc, list(m.KS), window), doc="T, thousands of PFLOPS-years"
    )


def _years(m, sc: Scenario, pairs, window):
    """sum over p in window and (k, s) in pairs of years_p * perf_pflops[k] * fleet[k,s,p]."""
    years = dict(zip(sc.period_labels, sc.years, strict=True))
    perf = dict(zip(sc.chips["chip"], sc.chips["perf_pflops"], strict=True))
    weights = {(k, s): {p: years[p] * perf[k] for p in window} for k, s in pairs}
    return weighted_fleet(m, sc, weights) if weights and window else 0.0


def define_independence(m: pyo.ConcreteModel, group: str, cap: float = 1.0) -> None:
    """independence: S_g - eps * T <= 0, eps = ``independence_cap`` (mutable).

    Written on two free bookkeeping variables, ``independence_s`` = S_g and
    ``independence_t`` = T (rows ``independence_s_def``, ``independence_t_def``), so the row
    itself is s - eps * t <= 0: a new cap changes one coefficient, not one per fleet column
    (a 10-cap pareto at 50x10x60 re-solves about a third faster). The row, its dual and its
    meaning are those of S_g - eps * T <= 0.
    """
    m.independence_cap = pyo.Param(mutable=True, initialize=cap, doc="eps, the cap on S_g / T")
    m.independence_s = pyo.Var(within=pyo.NonNegativeReals, doc="S_g, thousands of PFLOPS-years")
    m.independence_t = pyo.Var(within=pyo.NonNegativeReals, doc="T, thousands of PFLOPS-years")
    m.independence_s_def = pyo.Constraint(expr=m.independence_s - m.group_years[group] == 0)
    m.independence_t_def = pyo.Constraint(expr=m.independence_t - m.total_years == 0)
    m.independence = pyo.Constraint(
        expr=m.independence_s - m.independence_cap * m.independence_t <= 0
    )


def define_near_optimal(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """near_optimal: Z <= bound (min_cost) or Z >= bound (max_compute), Z the objective of
    section 4 in model units; the bound starts at no limit (``NO_BOUND``)."""
    minimise = sc.settings.objective == "min_cost"
    m.near_optimal_bound = pyo.Param(
        mutable=True, initialize=NO_BOUND if minimise else -NO_BOUND, doc="(1 +- delta) Z*"
    )
    sense = "<=" if minimise else ">="
    m.near_optimal = pyo.Constraint(
        rule=lambda m: relation(
            m, "near_optimal", (), m.objective.expr, sense, m.near_optimal_bound
        )
    )


def define_alternative_objective(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Minimise w_0 * Z + sum over g of w_g * S_g (mutable weights); the objective of
    section 4 is deactivated (it stays the model's ``objective``: its sense names units)."""
    sign = 1.0 if sc.settings.objective == "min_cost" else -1.0
    m.alternative_weight_z = pyo.Param(mutable=True, initialize=sign, doc="w_0")
    m.alternative_weight = pyo.Param(m.GROUPS, mutable=True, initialize=0.0, doc="w_g")
    m.alternative = pyo.Objective(
        expr=m.alternative_weight_z * m.objective.expr
        + pyo.quicksum(m.alternative_weight[g] * m.group_years[g] for g in m.GROUPS),
        sense=pyo.minimize,
    )
    m.objective.deactivate()


def _independence(at: dict, c: dict) -> str:
    return (
        "independence: the group's PFLOPS-years cannot fall to the cap; the other limits leave "
        f"it at least {number(c['reach'] if c.get('reach') is not None else c['fixed'])} "
        "PFLOPS-years above its share of the total"
    )


def _near_optimal(at: dict, c: dict) -> str:
    return f"near_optimal: the objective must stay within the slack of the optimum {c['bound']}"


SPECS = (
    FamilySpec(
        "independence",
        (),
        "PFLOPS-years",
        PFLOPS,
        rank=30,
        conflict=_independence,
        summary=("the independence cap binds", None),
    ),
    FamilySpec(
        "near_optimal",
        (),
        "USD",
        USD,
        rank=31,
        conflict=_near_optimal,
        summary=("the plan is held within the slack of the optimum", None),
    ),
    FamilySpec("independence_s_def", (), "PFLOPS-years", PFLOPS, rank=101, internal=True),
    FamilySpec("independence_t_def", (), "PFLOPS-years", PFLOPS, rank=102, internal=True),
)
"""The section-10 families: the cap of ``chipalloc pareto``, the slack row of
``chipalloc alternatives`` (USD for min_cost; for max_compute the row is PFLOPS-years), and
the bookkeeping rows that define the cap's s and t."""

VARIABLE_SPECS = (
    VariableSpec("independence_s", (), "PFLOPS-years", PFLOPS, internal=True),
    VariableSpec("independence_t", (), "PFLOPS-years", PFLOPS, internal=True),
)
"""s = S_g and t = T of the independence row (bookkeeping)."""
