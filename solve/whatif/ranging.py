"""LP sensitivity in the planner's units: HiGHS's ranging report with rows and columns named
as in MODEL.md (reduced costs: ``results.reduced_costs``; shadow prices: ``results.duals``).

Sign convention (LP): a shadow price is d(objective)/d(right-hand side) and a reduced cost is
c_j - A_j^T y, both in objective units (USD for min_cost, PFLOPS-years for max_compute) per
unit of the row or variable. So under min_cost a binding ``<=`` row has a price <= 0 and an
unused chip has a reduced cost >= 0; under max_compute the signs flip.

Ranging holds one optimal basis fixed and asks how far one number may move before that basis
stops being optimal. Between the limits the objective moves linearly (by the shadow price for
a right-hand side, by the variable's value for a cost coefficient); at a limit one variable
enters the basis and one leaves, which the report names ("what becomes binding next").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.model import PLANNER_FAMILIES, UNITS, USD, VARIABLES, capex_share, index_of
from chipalloc.solve.backend.solver import Solver
from chipalloc.solve.results.duals import family_prices, index_columns, objective_scale

EPS = 1e-9
INDEX_COLUMNS = ["site", "chip", "operator", "vendor", "period", "from_period"]

COLUMNS = {v.name: v for v in VARIABLES.values() if not v.internal}
"""The variable families of the report (buy, build, unmet; not the fleet bookkeeping)."""


@dataclass(frozen=True)
class Entry:
    """One HiGHS column or row by its MODEL.md name: family, index and the Pyomo object."""

    family: str
    index: tuple
    component: object

    @property
    def label(self) -> str:
        """``power[A, 2026Q3]``, or the bare family name for a row with no index."""
        return f"{self.family}[{', '.join(map(str, self.index))}]" if self.index else self.family


def highs_entries(solver: Solver) -> tuple[list[Entry], list[Entry]]:
    """HiGHS columns and rows (in HiGHS order) named as MODEL.md variables and constraints.

    Columns and rows of other components (such as the fleet variables and fleet_balance rows
    of the recursion form) keep their Pyomo component name and index.
    """
    m = solver.model
    cols: list[Entry | None] = [None] * solver.highs.getNumCol()
    rows: list[Entry | None] = [None] * solver.highs.getNumRow()
    for var in m.component_data_objects(pyo.Var, descend_into=True):
        cols[solver.col_of(var)] = Entry(var.parent_component().name, index_of(var), var)
    for con in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        rows[solver.row_of(con)] = Entry(con.parent_component().name, index_of(con), con)
    return cols, rows  # type: ignore[return-value]


def optimal_basis(solver: Solver) -> highspy.HighsRanging:
    """HiGHS's ranging record, re-solving by simplex from the current point if needed.

    Ranging needs an optimal simplex basis; after an interior-point solve (crossover gives a
    basis but not the simplex state) HiGHS is run again with simplex, which starts from that
    basis and takes few iterations.
    """
    highs = solver.highs
    status, ranging = highs.getRanging()
    if status != highspy.HighsStatus.kOk:
        highs.setOptionValue("solver", "simplex")
        highs.setOptionValue("presolve", "off")
        highs.run()
        highs.setOptionValue("presolve", "choose")
        status, ranging = highs.getRanging()
        if status != highspy.HighsStatus.kOk:
            raise RuntimeError("HiGHS could not compute ranging (no optimal simplex basis)")
    return ranging


def ranging_tables(sc: Scenario, solver: Solver) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sensitivity report: (variables, constraints), in MODEL.md units.

    Variables: value, reduced cost, objective coefficient and its allowable increase and
    decrease; for buy under min_cost (no capex budget in that period) also the same range
    as a unit price in USD per accelerator (coefficient range / (d_p a_k,p)).
    Constraints: activity, shadow price, right-hand side and its allowable increase and
    decrease. A binding row's range comes from HiGHS; a row with slack can move freely away
    from its activity and up to it toward it (where it starts to bind).
    """
    ranging = optimal_basis(solver)
    cols, rows = highs_entries(solver)
    return _variable_table(sc, solver, ranging, cols, rows), _constraint_table(
        sc, solver, ranging, cols, rows
    )


def _limit(value: float) -> float:
    return (
        math.inf
        if value >= highspy.kHighsInf
        else -math.inf
        if value <= -highspy.kHighsInf
        else value
    )


def _changes(current: float, up: float, down: float, scale: float) -> tuple[float, float]:
    """Allowable increase and decrease from HiGHS's absolute limits, scaled; inf for none."""
    up, down = _limit(up), _limit(down)
    return max(0.0, up - current) * scale, max(0.0, current - down) * scale


class _Namer:
    """Names HiGHS's entering / leaving variable indices (columns, then rows) in MODEL.md terms."""

    def __init__(self, cols: list[Entry], rows: list[Entry]) -> None:
        self.cols, self.rows = cols, rows

    def name(self, j: int) -> str:
        if j < 0:
            return ""
        return self.cols[j].label if j < len(self.cols) else self.rows[j - len(self.cols)].label

    def phrase(self, j_in: int, j_out: int) -> str:
        """What happens at the limit: which variable starts or row stops binding, and so on."""
        parts = []
        if j_in >= 0:
            verb = "starts" if j_in < len(self.cols) else "stops binding"
            parts.append(f"{self.name(j_in)} {verb}")
        if j_out >= 0 and j_out != j_in:
            verb = "drops to 0" if j_out < len(self.cols) else "becomes binding"
            parts.append(f"{self.name(j_out)} {verb}")
        return "; ".join(parts)


def _variable_table(sc, solver, ranging, cols, rows) -> pd.DataFrame:
    m = solver.model
    highs = solver.highs
    scale, unit = objective_scale(m)
    maximise = m.objective.sense == pyo.maximize
    lp = highs.getLp()
    solution = highs.getSolution()
    status = highs.getBasis().col_status
    namer = _Namer(cols, rows)
    chips = sc.chips.set_index("chip")
    discount = dict(zip(sc.period_labels, sc.discount, strict=True))
    up, dn = ranging.col_cost_up, ranging.col_cost_dn
    out = []
    for j, entry in enumerate(cols):
        if entry.family not in COLUMNS:
            continue
        column = COLUMNS[entry.family]
        per = scale / column.scale
        cost = lp.col_cost_[j]
        increase, decrease = _changes(cost, up.value_[j], dn.value_[j], per)
        row = {
            "family": entry.family,
            **index_columns(column.index, entry.index),
            "name": entry.label,
            "status": "basic" if status[j] == highspy.HighsBasisStatus.kBasic else "at zero",
            "value": solution.col_value[j] * column.scale,
            "reduced_cost": _zero(solution.col_dual[j]) * per,
            "objective_coefficient": cost * per,
            "allowable_increase": increase,
            "allowable_decrease": decrease,
            "objective_at_increase": _limit(up.objective_[j]) * scale,
            "objective_at_decrease": _limit(dn.objective_[j]) * scale,
            "next_at_increase": namer.phrase(up.in_var_[j], up.ou_var_[j]),
            "next_at_decrease": namer.phrase(dn.in_var_[j], dn.ou_var_[j]),
            "unit": f"{unit} per {column.unit}",
        }
        if column.unit_price:
            k, _, p = entry.index
            price = pyo.value(m.unit_cost[k, p]) * USD / UNITS
            life = int(chips.at[k, "lifetime_periods"])
            share = discount[p] * capex_share(life, sc.n_periods, sc.period_pos[p])
            priced = not maximise and p not in m.BUDGET_P
            row["unit_cost_usd"] = price
            row["unit_cost_increase_usd"] = increase / share if priced else math.nan
            row["unit_cost_decrease_usd"] = min(decrease / share, price) if priced else math.nan
        out.append(row)
    frame = pd.DataFrame(out)
    front = ["family", *[c for c in ("chip", "site", "period") if c in frame.columns]]
    return frame[front + [c for c in frame.columns if c not in front]]


def _constraint_table(sc, solver, ranging, cols, rows) -> pd.DataFrame:
    m = solver.model
    highs = solver.highs
    _, unit = objective_scale(m)
    lp = highs.getLp()
    solution = highs.getSolution()
    status = highs.getBasis().row_status
    namer = _Namer(cols, rows)
    objective = highs.getInfo().objective_function_value
    scale = objective_scale(m)[0]
    up, dn = ranging.row_bound_up, ranging.row_bound_dn
    families = {f.name: f for f in PLANNER_FAMILIES}
    row_dual = np.asarray(solution.row_dual)
    prices = {}
    for family in families.values():
        mine = [(i, e.component) for i, e in enumerate(rows) if e.family == family.name]
        if mine:
            frame = family_prices(sc, solver, family, [c for _, c in mine], row_dual)
            for (i, _), price, nominal in zip(
                mine, frame["shadow_price"], frame["shadow_price_nominal"], strict=True
            ):
                prices[i] = (float(price), float(nominal))
    out = []
    for i, entry in enumerate(rows):
        if entry.family not in families:
            continue
        family = families[entry.family]
        con = entry.component
        upper = con.has_ub()
        rhs = pyo.value(con.upper if upper else con.lower)
        bound = lp.row_upper_[i] if upper else lp.row_lower_[i]
        activity = solution.row_value[i]
        binding = status[i] != highspy.HighsBasisStatus.kBasic
        if binding:
            increase, decrease = _changes(bound, up.value_[i], dn.value_[i], family.scale)
            at_up, at_dn = _limit(up.objective_[i]), _limit(dn.objective_[i])
            next_up = namer.phrase(up.in_var_[i], up.ou_var_[i])
            next_dn = namer.phrase(dn.in_var_[i], dn.ou_var_[i])
        else:
            gap = abs(bound - activity) * family.scale
            increase, decrease = (math.inf, gap) if upper else (gap, math.inf)
            at_up = at_dn = objective
            next_up, next_dn = ("", f"{entry.label} becomes binding")
            if not upper:
                next_up, next_dn = next_dn, next_up
        price, nominal = prices[i]
        out.append(
            {
                "family": entry.family,
                **index_columns(family.index, entry.index),
                "name": entry.label,
                "sense": "<=" if upper else ">=",
                "status": "binding" if binding else "slack",
                "activity": pyo.value(con.body) * family.scale,
                "rhs": rhs * family.scale,
                "shadow_price": price,
                "shadow_price_nominal": nominal,
                "allowable_increase": increase,
                "allowable_decrease": decrease,
                "objective_at_increase": at_up * scale,
                "objective_at_decrease": at_dn * scale,
                "next_at_increase": next_up,
                "next_at_decrease": next_dn,
                "unit": family.unit,
                "shadow_price_unit": f"{unit} per {family.unit}",
            }
        )
    frame = pd.DataFrame(out)
    columns = ["family", *[c for c in INDEX_COLUMNS if c in frame.columns]]
    return frame[columns + [c for c in frame.columns if c not in columns]]


def _zero(x: float) -> float:
    return 0.0 if abs(x) < EPS else x
