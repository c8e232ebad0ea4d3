"""The hedge study of MODEL.md section 8: one plan for several futures, and what it is worth.

One extensive form (``model.extensive``) is built once and handed to HiGHS once; every
solve re-solves the same HiGHS model warm, after bound, row-bound and cost changes only:

1. wait-and-see: ``relax``: non-anticipativity rows opened (na_room = inf) and the expected
   objective alone; min sum_f pi_f Z_f then splits into each future's own problem, so one
   solve gives Z*_f, f's optimum with perfect foresight, for every f; WS = sum_f pi_f Z*_f;
2. EEV: in every future the common decisions up to commit_through (``COMMON_DECISIONS``)
   are fixed (variable bounds) at the values of the reference future's own plan, the rest
   adapts: EEV = sum_f pi_f Z^EEV_f. If that is infeasible, each future's Block is solved
   alone with the commitments (its own HiGHS model; only on this path) to list the futures
   that cannot keep them (``eev_infeasible``; EEV and VSS are then None);
3. the hedged plan: rows closed again (na_room = 0) and the measure's objective: Z_f of each
   future at that plan; RP = sum_f pi_f Z_f. Under worst_case a second, warm solve picks,
   among the plans whose worst Z_f is t*, one of least expected objective
   (``_least_expected_among_worst``).

Measures (min_cost; max_compute in brackets): EVPI = RP - WS (WS - RP), VSS = EEV - RP
(RP - EEV), regret_f = Z_f - Z*_f (Z*_f - Z_f).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyomo.core as pyo

from chipalloc.data.futures import Futures
from chipalloc.model import PFLOPS, USD
from chipalloc.model.extensive import COMMON_DECISIONS, build_extensive, relax
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.backend.solver import Outcome, Solver
from chipalloc.solve.results.extract import Results, extract, mip_summary


class HedgeFailed(Exception):
    """A solve of the study found no optimal plan: ``future`` (None: the extensive form),
    the ``solver`` and ``outcome`` to explain it with."""

    def __init__(self, what: str, future: str | None, solver: Solver, outcome: Outcome):
        super().__init__(what)
        self.what = what
        self.future = future
        self.solver = solver
        self.outcome = outcome


class BlockView(Solver):
    """One future's Block read through the extensive form's solved HiGHS model.

    Values, activities and columns are the extensive form's; row duals are divided by
    ``probability`` (pi_f), so shadow prices are in that future's own terms.
    """

    def __init__(self, block: pyo.Block, top: Solver, probability: float, outcome: Outcome):
        self.model = block
        self.options = top.options
        self.highs_model = top.highs_model
        self._loaded = True
        self.method = top.method
        self.retried = top.retried
        self._top = top
        self._scale = probability
        self._objective = outcome

    def row_duals(self) -> list[float]:
        return [d / self._scale for d in self._top.row_duals()]

    def col_duals(self) -> list[float]:
        return [d / self._scale for d in self._top.col_duals()]

    def objective_value(self) -> float:
        return objective_of(self, self.model)


def objective_of(solver: Solver, block: pyo.Block) -> float:
    """Z_f: the value of the block's objective expression at the solver's solution (MODEL.md
    units: USD, or PFLOPS-years for max_compute)."""
    scale = USD if block.objective.sense == pyo.minimize else PFLOPS
    return float(solver.values([block.objective.expr])[0]) * scale


@dataclass
class Hedge:
    """Everything the hedge study found (module docstring)."""

    futures: Futures
    model: pyo.ConcreteModel
    solver: Solver
    outcome: Outcome
    maximise: bool
    objective: float
    z: dict[str, float]
    z_star: dict[str, float]
    z_eev: dict[str, float | None]
    results: dict[str, Results]
    eev_infeasible: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    solves: dict[str, dict] = field(default_factory=dict)

    def _p(self, f: str) -> float:
        return self.futures[f].probability

    @property
    def rp(self) -> float:
        return sum(self._p(f) * z for f, z in self.z.items())

    @property
    def ws(self) -> float:
        return sum(self._p(f) * z for f, z in self.z_star.items())

    @property
    def evpi(self) -> float:
        return self.ws - self.rp if self.maximise else self.rp - self.ws

    @property
    def eev(self) -> float | None:
        if self.eev_infeasible or any(v is None for v in self.z_eev.values()):
            return None
        return sum(self._p(f) * z for f, z in self.z_eev.items())

    @property
    def vss(self) -> float | None:
        eev = self.eev
        if eev is None:
            return None
        return self.rp - eev if self.maximise else eev - self.rp

    def regret(self, f: str) -> float:
        return self.z_star[f] - self.z[f] if self.maximise else self.z[f] - self.z_star[f]


def committed_vars(block: pyo.Block, committed: frozenset) -> list:
    """The variables of ``block`` that are common decisions (``COMMON_DECISIONS``)."""
    out = []
    for decision in COMMON_DECISIONS:
        var = getattr(block, decision.name, None)
        if var is not None:
            out += [var[i] for i in decision.indices(block, committed)]
    return out


def _record(outcome: Outcome) -> dict:
    """One solve's entry of summary.json ``solves`` (a MIP's with the gap it proved)."""
    gap = {"mip_gap": outcome.mip_gap} if outcome.problem == "mip" else {}
    return {
        "status": outcome.status,
        "seconds": round(outcome.seconds, 4),
        "iterations": outcome.iterations,
        **gap,
    }


def _solve_block(block: pyo.Block, options: SolveOptions) -> Outcome:
    """One future's Block alone, with its own objective and HiGHS model."""
    block.objective.activate()
    try:
        return Solver(block, options).solve()
    finally:
        block.objective.deactivate()


def _alone(m, names, options, outcome: Outcome, what: str) -> None:
    """The relaxed model has no optimal plan: find the future that has none alone and raise
    ``HedgeFailed`` naming it (its own Solver, for the explanation)."""
    for f in names:
        block = m.future[f]
        block.objective.activate()
        solver = Solver(block, options)
        own = solver.solve()
        if own.status != "optimal":
            raise HedgeFailed(f"future '{f}' {what}", f, solver, own)
        block.objective.deactivate()
    raise HedgeFailed(f"the futures {what}", None, Solver(m, options), outcome)


def _timed(timings: dict, key: str, start: float) -> None:
    timings[key] = timings.get(key, 0.0) + time.perf_counter() - start


def run_hedge(
    futures: Futures, options: SolveOptions | None = None, fleet_form: str = "auto"
) -> Hedge:
    """Build the extensive form once and run the three steps of the module docstring.

    Raises ``HedgeFailed`` when a wait-and-see solve or the extensive form has no optimal
    plan (an EEV solve that is infeasible is a result: ``eev_infeasible``)."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    m = build_extensive(
        {f.name: f.scenario for f in futures.futures},
        {f.name: f.probability for f in futures.futures},
        frozenset(futures.committed),
        futures.measure,
        futures.alpha,
        futures.weight,
        fleet_form,
    )
    frozen = _freeze_collector()  # first: the next allocation would start a collection
    _timed(timings, "build", start)
    try:
        return _study(futures, m, options or SolveOptions(), timings)
    finally:
        if frozen:
            gc.unfreeze()


def _freeze_collector() -> bool:
    """Keep the collector off the objects alive now (``gc.freeze``; the caller unfreezes at
    the end): above all the extensive form just built, which lives as long as the study, so
    every collection during the solves and the extract would walk its objects (some 250,000
    at the default, 60 ms a walk) and free none. A frozen object that dies meanwhile is
    freed by its reference count as ever, or if in a cycle by a collection after the study.
    Not done (False) when the collector is off or something else froze objects (freezing
    is process-wide: their freeze is theirs to undo)."""
    if not gc.isenabled() or gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def _study(futures: Futures, m: pyo.ConcreteModel, options: SolveOptions, timings: dict) -> Hedge:
    """The three steps of the module docstring on the built extensive form ``m``."""
    solves: dict[str, dict] = {}
    names = futures.names
    committed = frozenset(futures.committed)
    maximise = m.objective.sense == pyo.maximize
    solver = Solver(m, options)

    # 1. wait-and-see: the same model relaxed (no non-anticipativity, expected objective)
    #    is every future's own problem side by side: one solve gives every Z*_f
    start = time.perf_counter()
    relax(m, True)
    outcome = solver.solve()
    solves["wait_and_see"] = _record(outcome)
    if outcome.status != "optimal":
        _alone(m, names, options, outcome, "alone (perfect foresight)")
    z_star = {f: objective_of(solver, m.future[f]) for f in names}
    _timed(timings, "wait_and_see", start)

    # 2. EEV: the reference plan's commitments fixed in every future (bounds: warm re-solve)
    start = time.perf_counter()
    ref_vars = committed_vars(m.future[futures.reference], committed)
    ref_values = np.maximum(solver.values(ref_vars), 0.0)
    fixed = [v for f in names for v in committed_vars(m.future[f], committed)]
    for var, value in zip(fixed, np.tile(ref_values, len(names)), strict=True):
        var.fix(float(value))
    z_eev: dict[str, float | None] = {}
    eev_infeasible: list[str] = []
    try:
        eev = solver.solve()
        solves["eev"] = _record(eev)
        if eev.status == "optimal":
            z_eev = {f: objective_of(solver, m.future[f]) for f in names}
        elif eev.status == "infeasible":
            # which futures cannot keep the commitments: each Block alone (rare path)
            for f in names:
                alone = _solve_block(m.future[f], options)
                z_eev[f] = alone.objective if alone.status == "optimal" else None
                if alone.status == "infeasible":
                    eev_infeasible.append(f)
                elif alone.status != "optimal":
                    raise HedgeFailed(
                        f"future '{f}' with the reference plan's commitments", f, solver, alone
                    )
        else:
            raise HedgeFailed(
                "the futures with the reference plan's commitments", None, solver, eev
            )
    finally:
        for var in fixed:
            var.unfix()
    _timed(timings, "eev", start)

    # 3. the hedged plan: non-anticipativity and the measure's objective back (warm)
    start = time.perf_counter()
    relax(m, False, futures.weight)
    outcome = solver.solve()
    solves["extensive"] = _record(outcome)
    _timed(timings, "extensive", start)
    if outcome.status != "optimal":
        raise HedgeFailed("the extensive form (one plan for every future)", None, solver, outcome)
    if futures.measure == "worst_case":
        outcome = _least_expected_among_worst(m, solver, outcome, maximise, solves, timings)
    start = time.perf_counter()
    z: dict[str, float] = {}
    results: dict[str, Results] = {}
    for f in futures.futures:
        view = BlockView(m.future[f.name], solver, f.probability, outcome)
        z[f.name] = objective_of(solver, m.future[f.name])
        own = Outcome("optimal", z[f.name], outcome.seconds, outcome.iterations)
        results[f.name] = extract(f.scenario, view, own)
    _timed(timings, "extract", start)
    return Hedge(
        futures,
        m,
        solver,
        outcome,
        maximise,
        outcome.objective,
        z,
        z_star,
        z_eev,
        results,
        eev_infeasible,
        timings,
        solves,
    )


WORST_CASE_SLACK = 1e-9
"""Relative room on t* when the worst-case plan of least expected objective is sought."""


def _least_expected_among_worst(m, solver: Solver, outcome: Outcome, maximise, solves, timings):
    """worst_case's plans are far from unique (every future may be pushed up to the worst
    one's Z_f). Second, warm solve: t <= t* (1 + 1e-9) (max_compute: t >= t* (1 - 1e-9)) and
    the expected objective sum pi_f Z_f instead of t (mutable weights and a bound: no
    reload). The objective reported stays t*, with the gap and bound of the solve that
    found it (a MIP)."""
    start = time.perf_counter()
    t_star = float(solver.values([m.worst])[0])
    room = WORST_CASE_SLACK * max(1.0, abs(t_star))
    if maximise:
        m.worst.setlb(t_star - room)
    else:
        m.worst.setub(t_star + room)
    m.worst_weight.set_value(0.0)
    m.expected_weight.set_value(1.0)
    second = solver.solve()
    solves["extensive_least_expected"] = _record(second)
    _timed(timings, "extensive", start)
    if second.status != "optimal":
        raise HedgeFailed("the extensive form (least expected among worst)", None, solver, second)
    return replace(
        outcome,
        seconds=outcome.seconds + second.seconds,
        iterations=(outcome.iterations or 0) + (second.iterations or 0),
    )


def summary(h: Hedge) -> dict:
    """summary.json of MODEL.md section 8."""
    fs = h.futures
    return {
        "status": "optimal",
        "measure": fs.measure,
        **({"alpha": fs.alpha, "weight": fs.weight} if fs.measure == "cvar" else {}),
        "objective": h.objective,
        "sense": "max" if h.maximise else "min",
        "objective_unit": "PFLOPS-years" if h.maximise else "USD",
        "rp": h.rp,
        "ws": h.ws,
        "evpi": h.evpi,
        "eev": h.eev,
        "vss": h.vss,
        "eev_infeasible": list(h.eev_infeasible),
        "commit_through": fs.commit_through,
        "reference": fs.reference,
        **mip_summary(h.outcome),
        "futures": {
            f.name: {
                "probability": f.probability,
                "variants": f.variants,
                "objective": h.z[f.name],
                "perfect_foresight": h.z_star[f.name],
                "regret": h.regret(f.name),
                "eev_objective": h.z_eev[f.name],
                "unmet_pflops": h.results[f.name].summary.get("unmet_pflops", {}),
            }
            for f in fs.futures
        },
        "scenario": fs.futures[0].scenario.name,
        "futures_file": str(fs.path),
    }


def _with_future(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The futures' frames one under the other, a first column ``future`` naming each row's."""
    if not frames:
        return pd.DataFrame()
    stacked = pd.concat(frames.values(), ignore_index=True)
    sizes = [len(frame) for frame in frames.values()]
    stacked.insert(0, "future", np.repeat(np.array(list(frames), dtype=object), sizes))
    return stacked


def tables(h: Hedge) -> dict[str, pd.DataFrame]:
    """plan, sites, costs, duals (each with a first column ``future``), commitments, futures."""
    res = h.results
    first = h.futures.futures[0].name
    committed = set(h.futures.committed)
    plan = res[first].plan
    buys = plan[plan["period"].isin(committed) & (plan["buy_units"] != 0)]
    sites = res[first].sites
    builds = sites[sites["period"].isin(committed) & (sites["build_started_mw"] != 0)]
    commitments = pd.concat(
        [
            pd.DataFrame(
                {
                    "kind": "buy",
                    "period": buys["period"],
                    "site": buys["site"],
                    "chip": buys["chip"],
                    "buy_units": buys["buy_units"],
                    "build_mw": np.nan,
                }
            ),
            pd.DataFrame(
                {
                    "kind": "build",
                    "period": builds["period"],
                    "site": builds["site"],
                    "chip": "",
                    "buy_units": np.nan,
                    "build_mw": builds["build_started_mw"],
                }
            ),
        ],
        ignore_index=True,
    )
    rows = []
    for f in h.futures.futures:
        costs = res[f.name].costs.groupby("kind", sort=False)["discounted_usd"].sum()
        rows.append(
            {
                "future": f.name,
                "probability": f.probability,
                "objective": h.z[f.name],
                "perfect_foresight_objective": h.z_star[f.name],
                "regret": h.regret(f.name),
                "eev_objective": h.z_eev[f.name],
                **{f"{kind}_usd": float(v) for kind, v in costs.items()},
            }
        )
    return {
        "plan": _with_future({f: r.plan for f, r in res.items()}),
        "sites": _with_future({f: r.sites for f, r in res.items()}),
        "costs": _with_future({f: r.costs for f, r in res.items()}),
        "duals": _with_future({f: r.duals for f, r in res.items()}),
        "commitments": commitments,
        "futures": pd.DataFrame(rows),
    }
