"""A MIP start for plans with racks (MODEL.md 7.1): relax, dive on the binaries, round the racks.

With racks, HiGHS's own heuristics may find no plan at all: at 50x10x60 (10,292 rack
columns, 870 project starts, 84 cluster hosts) none within 5% in 300 s. Rounding the LP
relaxation's racks one way is not feasible either: rounded down, a training cluster's
campus lacks compute (cluster_compute, 7.3); rounded up, a site lacks power. The method,
on the columns ``HighsModel`` holds (min_cost; max_compute likewise with the signs turned):

1. **LP relaxation.** Every integer column continuous; its optimum x* and objective z_LP
   bound the MIP: z_MIP >= z_LP.
2. **Dive on the binaries** (start, host, use: integer columns with bounds [0, 1]). While
   some binary j has 0 < x*_j < 1: fix at 1 every such j with x*_j >= 1/2, or if there is
   none the largest, and re-solve the LP from its basis (x* is the new solution). The LP
   carries every fixing to the rest: sum_p start[s,p] <= 1 sets a project's other starts
   to 0, sum_g host[c,g] = 1 a cluster's other campuses. Each step fixes at least one
   binary, so at most (number of binaries) LPs; an infeasible LP ends the heuristic (no
   start). Then every binary is fixed at its value, 0 or 1.
   b. **Later starts** (``later_starts``): each project's start moves one period later
   while that lowers the LP objective (the fixed cost is then paid later).
3. **Round the racks in a box.** Each rack column j gets bounds [floor x*_j, ceil x*_j]
   (fixed where x*_j is whole, most at 0) and HiGHS solves that MIP (the binaries fixed,
   the continuous columns free) within ``ROUND_SECONDS`` and a gap of ``ROUND_GAP``: a
   choice of up or down per rack column the LP uses, which HiGHS settles at its root
   (the neighbourhood HiGHS's RENS heuristic searches, without the binaries). Its
   solution satisfies every row and integrality, so it is a plan: the start.

The start's objective z_start is an upper bound of z_MIP: z_LP <= z_MIP <= z_start.
At 50x10x60 (one run, the other core busy): z_LP = 1,037,691.7; after the dive 1,039,041
(the binaries cost 1.3e-3 of z_LP; 17 LPs); after later starts 1,038,881 (84 LPs);
z_start = 1,038,970.5, 1.23e-3 above z_LP and 8e-5 above the optimum HiGHS proves
without racks (1,038,888); 35-90 s in all on this shared machine. Without 2b z_start
was 1,039,117.6; with ``ROUND_GAP`` 1e-3 instead of 1e-5 step 3 stopped at its first plan
(1,039,066).

``Solver`` runs it before a MIP with at least ``MIN_INTEGER_COLUMNS`` integer columns
and no start of its own (``SolveOptions.mip_start``), and gives the plan to HiGHS as its
first incumbent (``HighsModel.start_from``); HiGHS's bound and search are its own, so the
gap and bound reported (MODEL.md 7.5) are HiGHS's as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from chipalloc.solve.backend.highs_model import FEASIBLE, INF, HighsModel
from chipalloc.solve.backend.options import MIP_OPTIONS

MIN_INTEGER_COLUMNS = 500
"""Integer and binary columns (racks, project starts, cluster hosts, fabric choices) from
which a MIP gets the start, and below which HiGHS runs without RINS and RENS
(``sub_mip_options``). Measured on each side of it: the discrete default (87 columns) finds
its optimum by HiGHS's own branching in about a second; the generated 50x10x60 with builds
and two clusters (954 binaries) proves gap 1e-4 in 117-125 s from the start against 222 s
without it (HiGHS 1.16, BENCHMARKS.md section 7)."""

SUB_MIP_HEURISTICS = ("mip_heuristic_run_rins", "mip_heuristic_run_rens")
"""HiGHS's sub-MIP heuristics around an incumbent (RINS) or the root LP (RENS)."""

MIN_HIGHS = (1, 16)
"""HiGHS version from which the start is given. With 1.15.1 (one worker on this machine)
HiGHS's root line-search rounding, from its LP towards the start, ran past the time limit
(still at 32 s of its clock after 4 minutes; a 540 s limit overran 900 s at 50x10x60);
1.16.0 honours the limit (600.6 s of 600)."""

ROUND_SECONDS = 60.0
"""Time limit of step 3 (at 50x10x60 it proves ``ROUND_GAP`` at its root, 10-30 s)."""

ROUND_GAP = 1e-5
"""Gap of step 3: the start only needs to be good, HiGHS improves it."""

BUDGET_SHARE = 0.25
"""Under a time limit, the share of it the heuristic may take."""

SHIFT_PASSES = 3
"""Passes of ``later_starts`` over the projects."""

SHIFT_TOL = 1e-9
"""A later start is kept if it lowers the LP objective by more than this share."""

TOL = 1e-6
"""A value within TOL of a whole number counts as whole."""

_OPTIMAL = highspy.HighsModelStatus.kOptimal


@dataclass
class Start:
    """A MIP start: the column values and what the heuristic measured (model units)."""

    x: np.ndarray
    objective: float
    relaxation: float
    """z_LP, the LP relaxation's objective (a bound of the MIP)."""
    lps: int
    """LPs solved: the relaxation and the dive's re-solves."""
    seconds: float

    @property
    def gap(self) -> float:
        """(z_start - z_LP) / |z_start|: how far the start can be from the optimum at most."""
        return abs(self.objective - self.relaxation) / max(abs(self.objective), 1e-12)

    def line(self) -> str:
        """The log line of the start."""
        return (
            f"chipalloc MIP start: LP relaxation {self.relaxation:.6g}, {self.lps} LPs, "
            f"start {self.objective:.10g} (gap to the relaxation {self.gap:.2e}), "
            f"{self.seconds:.1f} s\n"
        )


def wants_start(hm: HighsModel) -> bool:
    """Whether the loaded MIP has at least ``MIN_INTEGER_COLUMNS`` integer columns and HiGHS
    is at least ``MIN_HIGHS``."""
    highs = hm.highs
    version = (highs.versionMajor(), highs.versionMinor())
    return hm.is_mip and version >= MIN_HIGHS and len(hm.integer_cols) >= MIN_INTEGER_COLUMNS


def sub_mip_options(integer_columns: int, started: bool) -> dict[str, bool]:
    """RINS and RENS on only for a MIP of at least ``MIN_INTEGER_COLUMNS`` integer columns
    that HiGHS starts without a plan (``started``: chipalloc's start or the previous plan of
    a study): there they are how HiGHS finds its first plans. On a small MIP their sub-MIPs
    took most of the time and branching found the same plan: the discrete default proved
    gap 1e-4 in 1.2 s of HiGHS instead of 2.5 s (HiGHS 1.16; 1.0 s instead of 5.0 s on
    1.15.1). With chipalloc's start they add nothing: the 50x10x60 with builds and clusters
    took 117 s with them off and 125 s on, the same bound at the end (222 s without the
    start). The options are set on every MIP run (HiGHS keeps options between runs);
    ``--highs-option`` wins."""
    on = not started and integer_columns >= MIN_INTEGER_COLUMNS
    return dict.fromkeys(SUB_MIP_HEURISTICS, on)


def binaries(hm: HighsModel) -> np.ndarray:
    """Integer columns whose loaded bounds lie within [0, 1]."""
    lo, hi = hm.loaded_bounds
    cols = hm.integer_cols
    return cols[(lo[cols] >= 0) & (hi[cols] <= 1)]


def general_integers(hm: HighsModel) -> np.ndarray:
    """Integer columns that are not binaries (racks)."""
    return np.setdiff1d(hm.integer_cols, binaries(hm)).astype(np.int32)


def project_starts(hm: HighsModel) -> list[np.ndarray]:
    """The start columns of each project site (MODEL.md 7.2), in period order."""
    model = hm.model
    by_site: dict[str, list[int]] = {}
    for s, p in getattr(model, "START", ()):
        by_site.setdefault(s, []).append(hm.col_of(model.start[s, p]))
    return [np.asarray(cols, dtype=np.int32) for cols in by_site.values()]


def later_starts(
    hm: HighsModel, x: np.ndarray, objective: float, solve_lp
) -> tuple[np.ndarray, int]:
    """Step 2b: from the dive's solution ``x`` (LP objective ``objective``), move each
    project's start one period later while the LP objective improves (falls for min_cost).

    The dive starts a project where the LP's start fraction is largest, but the LP spreads
    a project's start over the periods before its MW; a later start pays the fixed cost
    b_s,p * d_p later (smaller horizon share and discount) and the LP moves the MW after it.
    Each trial fixes start[s,p+1] = 1 instead of start[s,p] and re-solves; a trial that does
    not lower the objective (or is infeasible) is undone and ends that project's moves.
    Passes over all projects repeat (a move can make another pay) up to ``SHIFT_PASSES``.
    At 50x10x60: 1,039,041 -> 1,038,881 in 160 LPs (every improving move measured was a
    later one: earlier starts and closing a project did not pay). Returns the solution of
    the best LP and the number of LPs solved.
    """
    highs = hm.highs
    sign = 1.0 if highs.getObjectiveSense()[1] == highspy.ObjSense.kMinimize else -1.0
    best = sign * objective
    tried = 0
    for _ in range(SHIFT_PASSES):
        moved = False
        for cols in project_starts(hm):
            at = np.flatnonzero(x[cols] > 0.5)
            k = int(at[0]) if len(at) else len(cols) - 1
            while k + 1 < len(cols):
                pair = cols[k : k + 2]
                highs.changeColsBounds(2, pair, np.array([0.0, 1.0]), np.array([0.0, 1.0]))
                tried += 1
                value = sign * highs.getInfo().objective_function_value if solve_lp() else INF
                if value < best - SHIFT_TOL * abs(best):
                    best, x = value, np.asarray(highs.getSolution().col_value)
                    k, moved = k + 1, True
                    continue
                highs.changeColsBounds(2, pair, np.array([1.0, 0.0]), np.array([1.0, 0.0]))
                break
        if not moved:
            break
    return x, tried


def rounding_start(hm: HighsModel, time_limit: float | None = None) -> Start | None:
    """The start of the module docstring for the MIP loaded in ``hm``, or None (an LP on the
    way infeasible or stopped, no plan in the box, or the time budget spent). HiGHS holds
    the MIP again afterwards, with its options as before but ``time_limit`` (infinite)."""
    begin = time.perf_counter()
    budget = None if time_limit is None else BUDGET_SHARE * time_limit
    highs = hm.highs

    def left() -> float:
        return highspy.kHighsInf if budget is None else budget - (time.perf_counter() - begin)

    def solve_lp() -> bool:
        if left() <= 0:
            return False
        hm.run({"solver": "simplex", "time_limit": left()})
        return highs.getModelStatus() == _OPTIMAL

    hm.relax_integers()
    try:
        if not solve_lp():
            return None
        relaxation = highs.getInfo().objective_function_value
        lps = 1
        ones = binaries(hm)
        while True:
            x = np.asarray(highs.getSolution().col_value)
            frac = ones[(x[ones] > TOL) & (x[ones] < 1 - TOL)]
            if not len(frac):
                break
            up = frac[x[frac] >= 0.5]
            if not len(up):
                up = frac[[int(np.argmax(x[frac]))]]
            highs.changeColsBounds(len(up), up, np.ones(len(up)), np.ones(len(up)))
            lps += 1
            if not solve_lp():
                return None
        dived = highs.getInfo().objective_function_value
        whole = np.round(x[ones])
        highs.changeColsBounds(len(ones), ones, whole, whole)
        x, tried = later_starts(hm, x, dived, solve_lp)
        lps += tried
        racks = general_integers(hm)
        low, high = np.floor(x[racks] + TOL), np.ceil(x[racks] - TOL)
        highs.changeColsBounds(len(racks), racks, low, np.maximum(low, high))
        hm.set_integrality(racks, True)
        seconds = min(ROUND_SECONDS, left())
        if seconds <= 0:
            return None
        options = {**MIP_OPTIONS, "mip_rel_gap": ROUND_GAP, "time_limit": seconds}
        hm.run(options)
        info = highs.getInfo()
        if not info.valid or info.primal_solution_status != FEASIBLE:
            return None
        x = np.array(highs.getSolution().col_value)
        objective = info.objective_function_value
    finally:
        hm.restore_integers()
        highs.setOptionValue("time_limit", highspy.kHighsInf)
    return Start(x, objective, relaxation, lps, time.perf_counter() - begin)
