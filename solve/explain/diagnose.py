"""Why a plan is impossible, or short of demand, in the planner's words (MODEL.md terms).

Infeasible LP: HiGHS computes an irreducible infeasible subsystem (IIS) on a copy of the
LP, so the persistent solver is left as it was. Each IIS row is mapped back to its MODEL.md
family and index through ``Solver.row_of`` (the Pyomo interface's row map), and explained
with three numbers in MODEL.md units:

- ``bound``: the row's limit (a site's MW, a chip's supply, a budget, a policy value);
- ``fixed``: the part of the row the scenario fixes, i.e. the initial fleet's share;
- ``reach``: the best the *other* rows of the IIS allow for this row's left-hand side
  (min for a ``<=`` row, max for a ``>=`` row). An IIS is irreducible, so dropping the row
  makes the rest feasible, and ``reach`` is finite and on the wrong side of ``bound``.

When no IIS is found in time, an elastic re-solve (HiGHS ``feasibilityRelaxation``: rows may
be violated at unit cost, variable bounds may not) names the rows that must give way and by
how much. Rows without variables (``model.fixed_rows``) are explained the same way, with
``reach = fixed`` = their left-hand side.

Shortfall: when an optimal min_cost plan leaves demand unmet, ``shortfall`` lists the
periods and amounts and the binding limits with the largest shadow prices in those periods.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import pyomo.core as pyo
from pyomo.repn import generate_standard_repn

from chipalloc.model import FAMILIES, PFLOPS, USD
from chipalloc.solve.backend.solver import Solver

IIS_STRATEGY = 2 | 4
"""From the LP (2) then make it irreducible (4): on a 387-row LP it found 15 rows in 0.7 s,
where the irreducible filter alone took 6 s and returned 121 rows."""

IIS_TIME_LIMIT = 60.0
"""Seconds HiGHS may spend on the IIS before the elastic re-solve takes over."""

LOWER, UPPER = 2, 3
"""HiGHS IisBoundStatus: the row's lower or upper bound is part of the conflict."""

TOL = 1e-7
SHOWN = 12
"""Conflicting rows explained in full; the rest are counted."""

ORDER = (
    "operator_min_spend",
    "total_budget",
    "operator_min_share",
    "operator_max_share",
    "vendor_max_share",
    "demand",
    "period_budget",
    "build_total",
    "supply",
    "power",
)
"""Order of the explanation: what the scenario asks for first, then the limits it meets."""


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


# -- numbers in words -------------------------------------------------------------------------
def number(x: float, decimals: int = 3) -> str:
    """``410``, ``0.41``, ``1,250.5``: thousands separators, no trailing zeros."""
    text = f"{x:,.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def usd(x: float) -> str:
    return f"{x:,.0f} USD"


def share(x: float) -> str:
    return f"{number(100 * x, 2)}%"


def _sentence(family: str, at: dict, c: dict, value: float | None) -> str:
    """The planner's sentence for one conflicting row; ``c`` holds bound, fixed, reach."""
    bound, fixed, reach = c["bound"], c["fixed"], c["reach"]
    only_fleet = reach is not None and abs(reach - fixed) <= TOL * max(1.0, abs(fixed))
    need = fixed if reach is None else reach
    if family == "power":
        where = f"{at['period']} at {at['site']}"
        if c.get("built") is not None:
            return (
                f"{where} (power): the fleet needs {number(need + c['built'])} MW but "
                f"{number(bound)} MW is available, plus at most {number(c['built'])} MW "
                "from new builds"
            )
        who = "the initial fleet needs" if only_fleet and fixed > 0 else "the fleet needs at least"
        return f"{where} (power): {who} {number(need)} MW but {number(bound)} MW is available"
    if family == "supply":
        return (
            f"{at['chip']} in {at['period']} (supply): at least {number(need)} units must be "
            f"bought but chip_supply.csv allows {number(bound)}"
        )
    if family == "build_total":
        return (
            f"{at['site']} (build_total): at least {number(need)} MW must be built but "
            f"max_build_mw is {number(bound)} MW"
        )
    if family == "demand":
        return (
            f"{at['period']} (demand): at most {number(need)} PFLOPS can be in service but "
            f"the target is {number(bound)} PFLOPS"
        )
    if family == "period_budget":
        return (
            f"{at['period']} (period_budget): purchases and builds cost at least {usd(need)} "
            f"but capex_budget_usd is {usd(bound)}"
        )
    if family in ("operator_max_share", "vendor_max_share"):
        who = at.get("operator") or at.get("vendor")
        return (
            f"{at['period']} ({family}): {who} may have at most {share(value)} of compute, "
            f"but the other limits leave {who} at least {number(need)} PFLOPS above that share"
        )
    if family == "operator_min_share":
        return (
            f"{at['period']} (operator_min_share): {at['operator']} must have at least "
            f"{share(value)} of compute, but the other limits leave {at['operator']} at least "
            f"{number(-need)} PFLOPS below that share"
        )
    if family == "operator_min_spend":
        start = at["from_period"]
        span = "over the whole horizon" if start == "all" else f"from {start} on"
        return (
            f"{at['operator']} (operator_min_spend_usd): at least {usd(bound)} of lease must be "
            f"paid {span}, but at most {usd(need)} can be"
        )
    if family == "total_budget":
        if only_fleet:
            return (
                f"total_budget: the initial fleet's energy and lease alone cost {usd(fixed)} "
                f"(discounted) but total_budget_usd is {usd(bound)}"
            )
        return (
            f"total_budget: the plan costs at least {usd(need)} (discounted) but "
            f"total_budget_usd is {usd(bound)}"
        )
    unit = FAMILIES[family].unit if family in FAMILIES else ""
    return f"{family} at {at}: {number(need)} {unit} against a limit of {number(bound)} {unit}"


def _index(con) -> tuple:
    index = con.index()
    return index if isinstance(index, tuple) else () if index is None else (index,)


def _policy_value(model: pyo.ConcreteModel, family: str, index: tuple) -> float | None:
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
    scale = FAMILIES[family].scale
    numbers = {
        "bound": bound * scale,
        "fixed": fixed * scale,
        "reach": None if reach is None else reach * scale,
        "built": built,
    }
    at = dict(zip(FAMILIES[family].index, index, strict=True))
    text = _sentence(family, at, numbers, _policy_value(model, family, index))
    return Conflict(
        family, index, sense, numbers["bound"], numbers["fixed"], numbers["reach"], text
    )


# -- infeasible LPs ---------------------------------------------------------------------------
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
    copy = _copy(solver)
    conflicts = _from_iis(solver, copy)
    method = "IIS"
    if not conflicts:
        conflicts = _from_relaxation(solver, _copy(solver))
        method = "elastic re-solve"
    notes = _same_site_periods(model, conflicts)
    return Diagnosis(conflicts, method, time.perf_counter() - start, notes)


def _same_site_periods(model: pyo.ConcreteModel, conflicts: list[Conflict]) -> list[str]:
    """An IIS names one period; list the site's other periods where the initial fleet alone
    is over the MW available, so the planner fixes them all in one pass."""
    named = {c.index for c in conflicts if c.family == "power"}
    notes = []
    for site in dict.fromkeys(s for s, _p in named):
        over = [
            p
            for p in model.P
            if (site, p) not in named
            and (site, p) in model.power
            and _constant(model.power[site, p]) > pyo.value(model.power[site, p].upper) + TOL
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


def _constant(con) -> float:
    """The part of a row's left-hand side that no decision changes (model units)."""
    return float(generate_standard_repn(con.body, compute_values=True).constant or 0.0)


def _from_iis(solver: Solver, copy: highspy.Highs) -> list[Conflict]:
    copy.setOptionValue("iis_strategy", IIS_STRATEGY)
    copy.setOptionValue("time_limit", IIS_TIME_LIMIT)
    copy.run()
    status, iis = copy.getIis()
    if status != highspy.HighsStatus.kOk or not iis.valid_ or not len(iis.row_index_):
        return []
    rows = _rows(solver)
    cols = _columns(solver)
    sub = iis.model_.lp_
    found = [
        (pos, rows[row], side)
        for pos, (row, side) in enumerate(zip(iis.row_index_, iis.row_bound_, strict=True))
    ]
    found.sort(key=lambda item: ORDER.index(item[1].parent_component().local_name))
    out = []
    for pos, con, side in found:
        family = con.parent_component().local_name
        sense = ">=" if side == LOWER else "<="
        bound = pyo.value(con.lower if sense == ">=" else con.upper)
        fixed = _constant(con)
        reach = built = None
        if len(out) < SHOWN and side in (LOWER, UPPER):
            coef = _row_coefficients(sub, pos)
            best = _optimise(sub, pos, coef, maximise=side == LOWER)
            reach = None if best is None else best + fixed
            if family == "power":
                builds = {j: -a for j, a in coef.items() if cols[iis.col_index_[j]] == "build"}
                built = _optimise(sub, pos, builds, maximise=True) if builds else None
        out.append(conflict(solver.model, family, _index(con), sense, bound, fixed, reach, built))
    return out


def _columns(solver: Solver) -> dict[int, str]:
    """HiGHS column index -> the Pyomo variable's family (buy, build, unmet)."""
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
    """Rows an elastic re-solve must violate: the least total violation, bounds kept."""
    copy.setOptionValue("time_limit", IIS_TIME_LIMIT)
    if copy.feasibilityRelaxation(-1.0, -1.0, 1.0) != highspy.HighsStatus.kOk:
        return []
    lp = copy.getLp()
    activity = list(copy.getSolution().row_value)
    out = []
    for row, con in _rows(solver).items():
        low, up, value = lp.row_lower_[row], lp.row_upper_[row], activity[row]
        gap_up, gap_low = value - up, low - value
        if max(gap_up, gap_low) <= TOL * max(1.0, abs(value)):
            continue
        sense = "<=" if gap_up > gap_low else ">="
        bound = pyo.value(con.upper if sense == "<=" else con.lower)
        fixed = _constant(con)
        family = con.parent_component().local_name
        out.append(conflict(solver.model, family, _index(con), sense, bound, fixed, value + fixed))
    return out


# -- shortfall -------------------------------------------------------------------------------
SHORTFALL_FAMILIES = (
    "supply",
    "power",
    "build_total",
    "period_budget",
    "operator_max_share",
    "operator_min_share",
    "vendor_max_share",
)
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


def _limit(name: str, at: dict, bound: float, value: float | None) -> str:
    """A binding limit in words: which row, and the number it is stuck at."""
    if name == "supply":
        if bound <= TOL:
            return f"supply of {at['chip']} in {at['period']}: none available"
        return f"supply of {at['chip']} in {at['period']}: all {number(bound, 1)} units bought"
    if name == "power":
        if bound <= TOL:
            return f"power at {at['site']} in {at['period']}: no MW available yet"
        return f"power at {at['site']} in {at['period']}: all {number(bound)} MW in use"
    if name == "build_total":
        return f"builds at {at['site']}: all {number(bound)} MW of max_build_mw used"
    if name == "period_budget":
        return f"capex budget in {at['period']}: all {usd(bound)} spent"
    who = at.get("operator") or at.get("vendor")
    edge = "floor" if name == "operator_min_share" else "cap"
    return f"{name} of {who} in {at['period']}: at the {share(value)} {edge}"


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
    build_total (which has no period). A power limit is reported as the capacity in use:
    power_mw plus MW built and usable by then.
    """
    demand = solver.model.demand_pflops
    short = {p: v for p, v in unmet.items() if v > max(tol, rel_tol * demand[p].value * PFLOPS)}
    if not short:
        return None
    model = solver.model
    duals = solver.row_duals()
    limits = []
    for name in SHORTFALL_FAMILIES:
        component = getattr(model, name, None)
        if component is None:
            continue
        family = FAMILIES[name]
        found = []
        for index, con in component.items():
            index = index if isinstance(index, tuple) else (index,)
            at = dict(zip(family.index, index, strict=True))
            if "period" in at and at["period"] not in short:
                continue
            price = abs(duals[solver.row_of(con)]) * USD / family.scale
            if price > 1e-9:
                found.append((price, at, index, con))
        found.sort(key=lambda item: -item[0])
        for price, at, index, con in found[:PER_FAMILY]:
            bound = pyo.value(con.upper if con.has_ub() else con.lower) * family.scale
            if name == "power":
                bound += pyo.value(model.built_mw[index])
            text = _limit(name, at, bound, _policy_value(model, name, index))
            limits.append(f"{text} (shadow price {usd(price)} per {family.unit})")
    return Shortfall(short, limits)
