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
from chipalloc.data.scenario import take_or_pay_sites


def buy_index(sc: Scenario) -> list[tuple[str, str, str]]:
    """(k, s, p) for (k, s) in KS where chip_supply has a row for (k, p)."""
    supplied = set(zip(sc.chip_supply["chip"], sc.chip_supply["period"], strict=True))
    return [
        (k, s, p) for (k, s) in sc.compatible_pairs for p in sc.period_labels if (k, p) in supplied
    ]


def build_index(sc: Scenario) -> list[tuple[str, str]]:
    """(s, p) for sites with max_build_mw > 0 and p + G_s <= N - 1."""
    n = sc.n_periods
    return [
        (site["site"], p)
        for site in sc.sites.to_dict("records")
        if site["max_build_mw"] > 0
        for i, p in enumerate(sc.period_labels)
        if i + int(site["build_lead_periods"]) <= n - 1
    ]


def define_sets(
    m: pyo.ConcreteModel,
    sc: Scenario,
    buy: list[tuple] | None = None,
    build: list[tuple] | None = None,
) -> None:
    """Add P, K, S, KS, BUY, BUILD and TAKE_OR_PAY to the model (``m`` may be a Block).

    ``buy`` and ``build`` replace BUY and BUILD (the extensive form of several futures gives
    every future the union of theirs, MODEL.md section 8; default: ``sc``'s own).
    """
    m.P = pyo.Set(initialize=sc.period_labels, ordered=True)
    m.K = pyo.Set(initialize=list(sc.chips["chip"]), ordered=True)
    m.S = pyo.Set(initialize=list(sc.sites["site"]), ordered=True)
    m.KS = pyo.Set(initialize=sc.compatible_pairs, dimen=2, ordered=True)
    m.BUY = pyo.Set(dimen=3, ordered=True, initialize=buy_index(sc) if buy is None else buy)
    m.BUILD = pyo.Set(dimen=2, ordered=True, initialize=build_index(sc) if build is None else build)
    m.TAKE_OR_PAY = pyo.Set(initialize=take_or_pay_sites(sc), within=m.S, ordered=True)
