"""The extensive form of MODEL.md section 8: one model, a Block per future, tied together.

For futures f = 1..F with probabilities pi_f, ``build_extensive`` makes one ConcreteModel:

- ``m.future[f]``: a Block built by the family ``STEPS`` of ``model.build`` on f's own
  scenario, exactly as ``build_model`` builds a plain model (its objective, Z_f, is kept but
  deactivated), except that BUY and BUILD are the union over futures of each future's own
  (a build[s, p] exists where any future allows it; a future with max_build_mw[s] = 0
  forbids it by its own build_total row, and a buy without a chip_supply row by its own
  supply row with max_units = 0);
- ``m.nonanticipativity[f, decision, key]``: x_f[i] - x_1[i] = 0 for every future f after
  the first, every common decision x (``COMMON_DECISIONS``: buy and build) and every index
  i that decision commits (its period p <= commit_through); written
  -na_room <= x_f[i] - x_1[i] <= na_room with the mutable ``na_room`` = 0, so that
  ``relax(m)`` (na_room = inf, only the expected objective) makes the same model the
  futures' wait-and-see problems side by side: a bound and cost change, no reload;
- one objective by measure (min_cost; max_compute swaps min/max and the inequalities):
  expected: min sum_f pi_f Z_f;
  worst_case: min t subject to ``worst_case[f]``: t - Z_f >= 0 (max_compute: max t, t <= Z_f);
  cvar: min (1 - w) sum_f pi_f Z_f + w (eta + sum_f pi_f u_f / (1 - alpha)) subject to
  ``cvar_excess[f]``: u_f - Z_f + eta >= 0, u_f >= 0, eta free.

Other families that add decisions (racks, start, host, use, share) join non-anticipativity
by adding a ``CommonDecision`` to ``COMMON_DECISIONS``: the variable component's name and
how to pick the indices it commits.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyomo.core as pyo

from chipalloc.data import Scenario

from .build import STEPS
from .fleet import FLEET_FORMS, choose_fleet_form, define_fleet
from .rows import define_fixed_rows
from .sets import build_index, buy_index, define_sets
from .spec import FamilySpec

Pick = Callable[[pyo.Block, pyo.Var, frozenset], Iterable]
"""(a future's block, the decision's variable component there, the committed period labels)
-> the indices of the component that are decided now."""


def by_period(position: int = -1) -> Pick:
    """Indices whose element at ``position`` is a committed period (buy[k,s,p], build[s,p])."""

    def pick(block: pyo.Block, var: pyo.Var, committed: frozenset) -> Iterable:
        return [i for i in var if (i[position] if isinstance(i, tuple) else i) in committed]

    return pick


def always(block: pyo.Block, var: pyo.Var, committed: frozenset) -> Iterable:
    """Every index (decisions made once for the whole horizon, e.g. use[s, f], share[s])."""
    return list(var)


@dataclass(frozen=True)
class CommonDecision:
    """A variable component of every future's block whose committed indices are common."""

    name: str
    pick: Pick

    def indices(self, block: pyo.Block, committed: frozenset) -> list:
        """The committed indices in ``block`` ([] where the block has no such component)."""
        var = getattr(block, self.name, None)
        return [] if var is None else list(self.pick(block, var, committed))


def from_committed(block: pyo.Block, var: pyo.Var, committed: frozenset) -> Iterable:
    """host[c, g] of every cluster c whose window starts in a committed period (MODEL.md 8:
    host[c,g] when c's from_period is up to commit_through)."""
    first: dict[str, str] = {}
    for c, _g, p in getattr(block, "CLUSTER_ROWS", ()):
        first.setdefault(c, p)  # CLUSTER_ROWS lists each cluster's window in period order
    return [(c, g) for c, g in var if first.get(c) in committed]


COMMON_DECISIONS: list[CommonDecision] = [
    CommonDecision("buy", by_period(-1)),
    CommonDecision("build", by_period(-1)),
    CommonDecision("racks", by_period(-1)),
    CommonDecision("start", by_period(-1)),
    CommonDecision("host", from_committed),
    CommonDecision("use", always),
    CommonDecision("share", always),
]
"""The decisions of MODEL.md section 8's non-anticipativity: buy, build, racks and start of the
committed periods; host of the clusters that start by then; every fabric choice (use) and
take-or-pay share."""

MEASURES = ("expected", "worst_case", "cvar")


def key_of(index) -> str:
    """A variable index as one label: ``GB200|abilene|2025Q1``."""
    return "|".join(map(str, index)) if isinstance(index, tuple) else str(index)


def _union(lists: Iterable[list]) -> list:
    seen: dict = {}
    for items in lists:
        for item in items:
            seen.setdefault(item, None)
    return list(seen)


def build_extensive(
    scenarios: dict[str, Scenario],
    probabilities: dict[str, float],
    committed: Iterable[str],
    measure: str = "expected",
    alpha: float | None = None,
    weight: float | None = None,
    fleet_form: str = "auto",
) -> pyo.ConcreteModel:
    """The extensive form (module docstring) of futures ``scenarios`` (name -> scenario, the
    first is the one every other is tied to), committing the periods ``committed``."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    names = list(scenarios)
    first = scenarios[names[0]]
    form = choose_fleet_form(first) if fleet_form == "auto" else fleet_form
    if form not in FLEET_FORMS:
        raise ValueError(f"fleet_form must be auto or one of {FLEET_FORMS}, got {fleet_form!r}")
    buy = _union(buy_index(sc) for sc in scenarios.values())
    build = _union(build_index(sc) for sc in scenarios.values())
    maximise = first.settings.objective == "max_compute"
    m = pyo.ConcreteModel(name=f"{first.name}-hedge")
    m.fleet_form = form
    m.FUTURES = pyo.Set(initialize=names, ordered=True)
    m.probability = pyo.Param(m.FUTURES, initialize=probabilities, mutable=True)
    m.future = pyo.Block(m.FUTURES)
    collecting = gc.isenabled()
    gc.disable()
    try:
        for f in names:
            block = m.future[f]
            define_fixed_rows(block)
            block.fleet_form = form
            block.future_name = f  # explanations name the future of a row
            for step in STEPS:
                if step is define_sets:
                    step(block, scenarios[f], buy, build)
                elif step is define_fleet:
                    step(block, scenarios[f], form)
                else:
                    step(block, scenarios[f])
            block.objective.deactivate()
        m.fixed_rows = [row for f in names for row in m.future[f].fixed_rows]
        committed = frozenset(committed)
        define_nonanticipativity(m, names, committed)
        define_risk_objective(m, names, measure, maximise, alpha, weight)
    finally:
        if collecting:
            gc.enable()
    return m


def define_nonanticipativity(m: pyo.ConcreteModel, names: list[str], committed: frozenset):
    """nonanticipativity[f, decision, key]: x_f[i] - x_first[i] = 0 (module docstring)."""
    head = m.future[names[0]]
    rows = []
    for decision in COMMON_DECISIONS:
        for i in decision.indices(head, committed):
            for f in names[1:]:
                rows.append((f, decision.name, key_of(i), i))
    at = {(f, d, k): i for f, d, k, i in rows}
    m.NONANTICIPATIVITY = pyo.Set(initialize=list(at), dimen=3, ordered=True)

    m.na_room = pyo.Param(initialize=0.0, mutable=True, within=pyo.Any)

    def rule(m, f, d, k):
        i = at[f, d, k]
        body = getattr(m.future[f], d)[i] - getattr(head, d)[i]
        return pyo.inequality(-m.na_room, body, m.na_room)

    m.nonanticipativity = pyo.Constraint(m.NONANTICIPATIVITY, rule=rule)


def relax(m: pyo.ConcreteModel, relaxed: bool, weight: float | None = None) -> None:
    """``relaxed``: no non-anticipativity (na_room = inf) and the expected objective alone
    (worst_case and cvar weights 0): min sum_f pi_f Z_f then splits into each future's own
    problem, so one solve gives every Z*_f. Else the hedge as built (cvar's ``weight``)."""
    m.na_room.set_value(float("inf") if relaxed else 0.0)
    if hasattr(m, "worst_weight"):
        m.worst_weight.set_value(0.0 if relaxed else 1.0)
        m.expected_weight.set_value(1.0 if relaxed else 0.0)
    if hasattr(m, "risk_weight"):
        m.risk_weight.set_value(0.0 if relaxed else weight)


def define_risk_objective(m, names, measure, maximise, alpha, weight) -> None:
    """The objective of the measure over the futures' Z_f (module docstring)."""
    z = {f: m.future[f].objective.expr for f in names}
    sense = pyo.maximize if maximise else pyo.minimize
    expected = pyo.quicksum(m.probability[f] * z[f] for f in names)
    if measure == "expected":
        m.objective = pyo.Objective(expr=expected, sense=sense)
    elif measure == "worst_case":
        m.worst = pyo.Var(within=pyo.Reals)
        if maximise:
            m.worst_case = pyo.Constraint(m.FUTURES, rule=lambda m, f: z[f] - m.worst >= 0)
        else:
            m.worst_case = pyo.Constraint(m.FUTURES, rule=lambda m, f: m.worst - z[f] >= 0)
        # worst_weight 1, expected_weight 0: min t. The study then bounds t by its optimum
        # and swaps the weights, to pick among the plans of least worst case one of least
        # expected objective (a second, warm solve; see solve.whatif.hedge)
        m.worst_weight = pyo.Param(initialize=1.0, mutable=True)
        m.expected_weight = pyo.Param(initialize=0.0, mutable=True)
        m.objective = pyo.Objective(
            expr=m.worst_weight * m.worst + m.expected_weight * expected, sense=sense
        )
    else:
        if maximise:
            raise ValueError("cvar is for min_cost only")
        m.eta = pyo.Var(within=pyo.Reals)
        m.excess = pyo.Var(m.FUTURES, within=pyo.NonNegativeReals)
        m.cvar_excess = pyo.Constraint(m.FUTURES, rule=lambda m, f: m.excess[f] - z[f] + m.eta >= 0)
        tail = m.eta + pyo.quicksum(m.probability[f] * m.excess[f] for f in names) / (1 - alpha)
        m.risk_weight = pyo.Param(initialize=weight, mutable=True)
        m.objective = pyo.Objective(
            expr=(1 - m.risk_weight) * expected + m.risk_weight * tail, sense=sense
        )


def _conflict(at: dict, c: dict) -> str:
    return (
        f"nonanticipativity: {at['decision']} {at['key'].replace('|', ' ')} is decided before "
        f"the future is known, so future '{at['future']}' must make the same decision as the "
        "first future"
    )


SPECS = (
    FamilySpec(
        "nonanticipativity",
        ("future", "decision", "key"),
        "unit",
        1.0,
        rank=40,
        conflict=_conflict,
    ),
    FamilySpec("worst_case", ("future",), "USD", 1.0, rank=110, internal=True),
    FamilySpec("cvar_excess", ("future",), "USD", 1.0, rank=111, internal=True),
)
"""Rows of the extensive form: nonanticipativity (planner-facing: a conflict of an
impossible hedge), and the bookkeeping rows of the worst_case and cvar objectives."""
