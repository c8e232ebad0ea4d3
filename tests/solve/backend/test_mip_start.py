"""The rounding start (solve/backend/mip_start.py) on a case small enough to do by hand.

One period of one year (d = 1), chip X (1 PFLOPS, 1 kW, 10 USD, lifetime 1) in racks of 72,
demand 1,000 PFLOPS (penalty 1e9 USD per PFLOPS-year: nothing goes unmet). Site A (own,
0 MW) may build 20 MW at 1,000 USD per MW with a fixed cost of 20,000 USD (b = 1); site B
leases 10 MW at 12 USD per kW-year. 1,000 units need 1 MW.

- LP relaxation: 13.89 racks (1,000 units, 10,000 USD) and 1 MW built at A with
  start = 1 / 20 = 0.05, so 1,000 + 0.05 x 20,000 = 2,000 USD: z_LP = 12,000 (B would cost
  12,000 per MW).
- Dive: start[A] = 0.05 is the largest fractional binary, fixed at 1; the fixed cost is then
  paid and A's MW costs 1,000 against B's 12,000: 1 MW at A, 21,000 USD.
- Round: racks in [13, 14]; 13 racks leave 64 PFLOPS unmet (6.4e10 USD), so 14 racks,
  1,008 units (10,080 USD) on 1.008 MW at A (1,008 + 20,000): z_start = 31,088 USD.
- The MIP: leasing at B instead, 10,080 + 1,008 kW x 12 = 22,176 USD = z_MIP.
So z_LP = 12,000 <= z_MIP = 22,176 <= z_start = 31,088, and the solve that starts there
still ends at 22,176.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import chip, periods, power, site, supply, write_scenario

from chipalloc.data import load_scenario
from chipalloc.model import USD, build_model
from chipalloc.solve.backend import mip_start
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.backend.solver import Solver


def by_hand(tmp_path):
    folder = write_scenario(
        tmp_path / "hand",
        periods=periods(1, 1000.0),
        chips=[chip(lifetime_periods=1, units_per_rack=72)],
        chip_supply=supply("X", 1, 10_000.0, 10.0),
        sites=[
            site(
                build_cost_usd_per_mw=1000.0,
                max_build_mw=20.0,
                build_lifetime_periods=1,
                build_fixed_cost_usd=20_000.0,
            ),
            site(site="B", operator="msft", lease_usd_per_kw_month=1.0),
        ],
        site_power=power("A", 1, 0.0) + power("B", 1, 10.0),
    )
    return build_model(load_scenario(folder))


def assert_feasible(highs, x: np.ndarray, tol: float = 1e-6) -> None:
    """x satisfies every row, bound and integrality of the MIP HiGHS holds."""
    lp = highs.getLp()
    a = lp.a_matrix_
    start, index, value = np.asarray(a.start_), np.asarray(a.index_), np.asarray(a.value_)
    activity = np.zeros(lp.num_row_)
    for j in range(lp.num_col_):  # column-wise (HiGHS's own format)
        rows = slice(start[j], start[j + 1])
        activity[index[rows]] += value[rows] * x[j]
    assert np.all(activity >= np.asarray(lp.row_lower_) - tol)
    assert np.all(activity <= np.asarray(lp.row_upper_) + tol)
    assert np.all(x >= np.asarray(lp.col_lower_) - tol)
    assert np.all(x <= np.asarray(lp.col_upper_) + tol)
    integer = np.asarray([int(v) for v in lp.integrality_]) == 1
    assert np.allclose(x[integer], np.round(x[integer]), atol=tol)


def test_the_start_is_a_plan_between_the_bounds_by_hand(tmp_path):
    solver = Solver(by_hand(tmp_path))
    solver.load()
    hm = solver.highs_model
    assert not mip_start.wants_start(hm)  # 3 integer columns: HiGHS needs no help
    start = mip_start.rounding_start(hm)
    assert start is not None
    assert start.relaxation * USD == pytest.approx(12_000.0)
    assert start.objective * USD == pytest.approx(31_088.0)
    assert start.lps == 2  # the relaxation and one dive step
    assert start.gap == pytest.approx((31_088 - 12_000) / 31_088)
    assert_feasible(hm.highs, start.x)
    racks = start.x[mip_start.general_integers(hm)]
    assert racks.tolist() == [14.0, 0.0]  # at A, at B
    assert hm.highs.getOptionValue("time_limit")[1] == float("inf")  # HiGHS as before


def test_the_solve_from_the_start_keeps_the_optimum(tmp_path, monkeypatch):
    monkeypatch.setattr(mip_start, "MIN_INTEGER_COLUMNS", 1)
    monkeypatch.setattr(mip_start, "MIN_HIGHS", (1, 0))  # any HiGHS on this small case
    solver = Solver(by_hand(tmp_path), SolveOptions(mip_gap=1e-9))
    outcome = solver.solve()
    assert solver.mip_start is not None
    assert solver.mip_start.objective * USD == pytest.approx(31_088.0)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(22_176.0)
    assert outcome.mip_gap <= 1e-9
    off = Solver(by_hand(tmp_path), SolveOptions(mip_gap=1e-9, mip_start=False))
    assert off.solve().objective == pytest.approx(22_176.0)
    assert off.mip_start is None


def test_rins_and_rens_run_only_on_a_large_mip_started_without_a_plan(tmp_path, monkeypatch):
    """``by_hand`` has 3 integer columns: below MIN_INTEGER_COLUMNS both sub-MIP heuristics
    are off. Counted as large (MIN_INTEGER_COLUMNS 1), they are on without a start, off
    from chipalloc's start, and a --highs-option wins over either."""
    rins, rens = mip_start.SUB_MIP_HEURISTICS

    def seen(options: SolveOptions) -> tuple[bool, bool]:
        solver = Solver(by_hand(tmp_path), options)
        assert solver.solve().objective == pytest.approx(22_176.0)
        return solver.highs.getOptionValue(rins)[1], solver.highs.getOptionValue(rens)[1]

    assert seen(SolveOptions()) == (False, False)
    monkeypatch.setattr(mip_start, "MIN_INTEGER_COLUMNS", 1)
    monkeypatch.setattr(mip_start, "MIN_HIGHS", (1, 0))
    assert seen(SolveOptions(mip_start=False)) == (True, True)
    assert seen(SolveOptions()) == (False, False)
    assert seen(SolveOptions(highs_options={rins: True})) == (True, False)
