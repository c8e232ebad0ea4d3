"""LP sensitivity in the planner's units: reduced costs of purchases, the most valuable
binding constraints, and HiGHS's ranging report with rows and columns named as in MODEL.md.

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
from chipalloc.model import FAMILIES, PFLOPS, UNITS, USD, capex_share
from chipalloc.solve.backend.solver import Solver
from chipalloc.solve.results.extract import Results

EPS = 1e-9
INDEX_COLUMNS = ["site", "chip", "operator", "vendor", "period", "from_period"]
REDUCED_COST_COLUMNS = [
    "chip",
    "site",
    "operator",
    "vendor",
    "period",
    "buy_units",
    "in_plan",
    "unit_cost_usd",
    "reduced_cost",
    "break_even_unit_cost_usd",
    "reduced_cost_unit",
]
SHARE_FAMILIES = ("operator_max_share", "operator_min_share", "vendor_max_share")


@dataclass(frozen=True)
class Column:
    """A decision variable family: its MODEL.md index and the MODEL.md units per model unit."""

    name: str
    index: tuple[str, ...]
    unit: str
    scale: float


COLUMNS = {
    c.name: c
    for c in (
        Column("buy", ("chip", "site", "period"), "unit", UNITS),
        Column("build", ("site", "period"), "MW", 1.0),
        Column("unmet", ("period",), "PFLOPS", PFLOPS),
    )
}


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


def _tuple(index: object) -> tuple:
    if index is None:
        return ()
    return index if isinstance(index, tuple) else (index,)


def highs_entries(solver: Solver) -> tuple[list[Entry], list[Entry]]:
    """HiGHS columns and rows (in HiGHS order) named as MODEL.md variables and constraints.

    Columns and rows of other components (such as the fleet variables and fleet_balance rows
    of the recursion form) keep their Pyomo component name and index.
    """
    m = solver.model
    cols: list[Entry | None] = [None] * solver.highs.getNumCol()
    rows: list[Entry | None] = [None] * solver.highs.getNumRow()
    for var in m.component_data_objects(pyo.Var, descend_into=True):
        cols[solver.col_of(var)] = Entry(var.parent_component().name, _tuple(var.index()), var)
    for con in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        rows[solver.row_of(con)] = Entry(con.parent_component().name, _tuple(con.index()), con)
    return cols, rows  # type: ignore[return-value]


def objective_scale(m: pyo.ConcreteModel) -> tuple[float, str]:
    """MODEL.md objective units per model unit, and their name."""
    if m.objective.sense == pyo.maximize:
        return PFLOPS, "PFLOPS-years"
    return USD, "USD"


def _index_columns(names: tuple[str, ...], index: tuple) -> dict[str, object]:
    return dict(zip(names, index, strict=True))


def shadow_prices(sc: Scenario, solver: Solver) -> pd.DataFrame:
    """Every row's shadow price as in duals.csv (family, MODEL.md index, shadow_price,
    shadow_price_nominal), read straight from HiGHS without evaluating row activities.
    """
    m = solver.model
    row_dual = solver.row_duals()
    scale, _ = objective_scale(m)
    maximise = m.objective.sense == pyo.maximize
    discount = dict(zip(sc.period_labels, sc.discount, strict=True))
    rows = []
    for family in FAMILIES.values():
        component = getattr(m, family.name, None)
        if component is None:
            continue
        for index, con in component.items():
            keys = _index_columns(family.index, _tuple(index))
            price = _zero(row_dual[solver.row_of(con)]) * scale / family.scale
            period = keys.get("period")
            nominal = price / discount[period] if period and not maximise else price
            rows.append(
                {
                    "family": family.name,
                    **keys,
                    "shadow_price": price,
                    "shadow_price_nominal": nominal,
                }
            )
    if not rows:
        return pd.DataFrame(columns=["family", "shadow_price", "shadow_price_nominal"])
    return pd.DataFrame(rows)


def reduced_cost_table(sc: Scenario, solver: Solver) -> pd.DataFrame:
    """reduced_costs.csv: for each buy[k,s,p], its reduced cost and break-even unit price.

    The reduced cost r of buy[k,s,p] is linear in the unit price u while the duals y stay
    fixed: dr/du = d_p a_k,p (objective, min_cost) - y_budget[p] - d_p a_k,p y_total (the
    price also sits in the period budget row and, for max_compute, in the total budget row).
    The break-even price u - r / (dr/du) is where the chip would enter the plan (for a chip
    in the plan: its current price). Empty when the price cannot matter (max_compute with no
    binding budget). A negative break-even means the chip would not enter even for free.
    """
    m = solver.model
    scale, unit = objective_scale(m)
    maximise = m.objective.sense == pyo.maximize
    buys = list(m.BUY)
    chip = [k for k, _, _ in buys]
    site = [s for _, s, _ in buys]
    period = [p for _, _, p in buys]
    cols = np.fromiter((solver.col_of(m.buy[b]) for b in buys), dtype=np.int64, count=len(buys))
    solution = solver.highs.getSolution()
    r = np.asarray(solution.col_dual)[cols] if len(cols) else np.zeros(0)
    value = np.asarray(solution.col_value)[cols] if len(cols) else np.zeros(0)
    life = sc.chips.set_index("chip")["lifetime_periods"].astype(int).to_dict()
    discount = dict(zip(sc.period_labels, sc.discount, strict=True))
    share = np.array(
        [discount[p] * capex_share(life[k], sc.n_periods, sc.period_pos[p]) for k, _, p in buys]
    )
    row_dual = solver.row_duals()
    total = row_dual[solver.row_of(m.total_budget)] if maximise and buys else 0.0
    budget_dual = {
        p: row_dual[solver.row_of(m.period_budget[p])] for p in m.BUDGET_P if p in m.period_budget
    }
    budget = np.array([budget_dual.get(p, 0.0) for p in period])
    slope = (0.0 if maximise else share) - budget - share * total
    price_of = {(k, p): pyo.value(m.unit_cost[k, p]) for k, _, p in buys}
    price = np.array([price_of[k, p] for k, _, p in buys])
    in_plan = value > EPS
    at_price = in_plan | (np.abs(r) < EPS * np.maximum(1.0, np.abs(price)))
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = np.where(np.abs(slope) > EPS * EPS, price - r / slope, np.nan)
    even = np.where(at_price, price, moved)
    vendor = sc.chips.set_index("chip")["vendor"]
    operator = sc.sites.set_index("site")["operator"]
    return pd.DataFrame(
        {
            "chip": chip,
            "site": site,
            "operator": operator.reindex(site).to_numpy(dtype=object),
            "vendor": vendor.reindex(chip).to_numpy(dtype=object),
            "period": period,
            "buy_units": np.where(in_plan, value * UNITS, 0.0),
            "in_plan": in_plan,
            "unit_cost_usd": price * USD / UNITS,
            "reduced_cost": np.where(np.abs(r) < EPS, 0.0, r * scale / UNITS),
            "break_even_unit_cost_usd": even * USD / UNITS,
            "reduced_cost_unit": f"{unit} per unit",
        },
        columns=REDUCED_COST_COLUMNS,
    )


def binding_constraints(sc: Scenario, res: Results, top: int = 10) -> pd.DataFrame:
    """The ``top`` binding rows ranked by the objective gained from relaxing each by 1%.

    value_of_1pct = |shadow price| x size / 100, in objective units, where size is the row's
    level: the site's capacity for power, the period's total compute for share rows (one
    share point), and the row's activity (its right-hand side, since it binds) otherwise.
    Ranking by it compares rows of different units on one scale.
    """
    duals = res.duals[res.duals["shadow_price"].abs() > EPS].copy()
    if duals.empty:
        return duals.assign(constraint=[], value_of_1pct=[])
    size = duals["activity"].abs()
    capacity = res.sites.set_index(["site", "period"])["capacity_mw"]
    compute = res.plan.groupby("period")["compute_pflops"].sum()
    power = duals["family"] == "power"
    size[power] = [
        capacity.get((s, p), 0.0) for s, p in duals.loc[power, ["site", "period"]].values
    ]
    shares = duals["family"].isin(SHARE_FAMILIES)
    size[shares] = duals.loc[shares, "period"].map(compute).fillna(0.0)
    duals["value_of_1pct"] = duals["shadow_price"].abs() * size / 100
    duals["constraint"] = [_label(row) for row in duals.to_dict("records")]
    duals = duals.sort_values("value_of_1pct", ascending=False, kind="stable").head(top)
    return duals.reset_index(drop=True)


def _label(row: dict) -> str:
    family = FAMILIES[row["family"]]
    index = [str(row[c]) for c in family.index]
    return f"{row['family']}[{', '.join(index)}]" if index else row["family"]


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
            **_index_columns(column.index, entry.index),
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
        if entry.family == "buy":
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
    scale, unit = objective_scale(m)
    maximise = m.objective.sense == pyo.maximize
    lp = highs.getLp()
    solution = highs.getSolution()
    status = highs.getBasis().row_status
    namer = _Namer(cols, rows)
    discount = dict(zip(sc.period_labels, sc.discount, strict=True))
    objective = highs.getInfo().objective_function_value
    up, dn = ranging.row_bound_up, ranging.row_bound_dn
    out = []
    for i, entry in enumerate(rows):
        if entry.family not in FAMILIES:
            continue
        family = FAMILIES[entry.family]
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
        price = _zero(solution.row_dual[i]) * scale / family.scale
        period = _index_columns(family.index, entry.index).get("period")
        out.append(
            {
                "family": entry.family,
                **_index_columns(family.index, entry.index),
                "name": entry.label,
                "sense": "<=" if upper else ">=",
                "status": "binding" if binding else "slack",
                "activity": pyo.value(con.body) * family.scale,
                "rhs": rhs * family.scale,
                "shadow_price": price,
                "shadow_price_nominal": price / discount[period]
                if period and not maximise
                else price,
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
