"""Index sets: periods, chips, sites, compatible pairs, and where buy / build variables exist.

- P: periods in file order (position 0..N-1 via ``scenario.period_pos``);
- KS: compatible (chip, site) pairs (MODEL.md section 3);
- BUY: (k, s, p) for (k, s) in KS where chip_supply has a row for (k, p);
- BUILD: (s, p) for sites with max_build_mw > 0 and p + G_s <= N - 1;
- TAKE_OR_PAY: sites whose contract is take_or_pay (MODEL.md section 9), in file order.
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario

from .contracts import take_or_pay_sites


def define_sets(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add P, K, S, KS, BUY, BUILD and TAKE_OR_PAY to the model."""
    m.P = pyo.Set(initialize=sc.period_labels, ordered=True)
    m.K = pyo.Set(initialize=list(sc.chips["chip"]), ordered=True)
    m.S = pyo.Set(initialize=list(sc.sites["site"]), ordered=True)
    m.KS = pyo.Set(initialize=sc.compatible_pairs, dimen=2, ordered=True)
    supplied = set(zip(sc.chip_supply["chip"], sc.chip_supply["period"], strict=True))
    m.BUY = pyo.Set(
        dimen=3,
        ordered=True,
        initialize=[
            (k, s, p)
            for (k, s) in sc.compatible_pairs
            for p in sc.period_labels
            if (k, p) in supplied
        ],
    )
    n = sc.n_periods
    m.BUILD = pyo.Set(
        dimen=2,
        ordered=True,
        initialize=[
            (site["site"], p)
            for site in sc.sites.to_dict("records")
            if site["max_build_mw"] > 0
            for i, p in enumerate(sc.period_labels)
            if i + int(site["build_lead_periods"]) <= n - 1
        ],
    )
    m.TAKE_OR_PAY = pyo.Set(initialize=take_or_pay_sites(sc), within=m.S, ordered=True)
