"""Shared expressions every constraint family and cost term builds on (MODEL.md section 4).

- fleet[k,s,p] = sum of buy[k,s,q] for p - L_k < q <= p, plus initial units of (k,s)
  while p < remaining_periods;
- compute[p] = sum over k,s of perf_pflops[k] * fleet[k,s,p];
- it_mw[s,p] = sum over k of power_kw[k] * fleet[k,s,p] / 1000;
- built_mw[s,p] = sum of build[s,q] for q + G_s <= p (capacity = power_mw + built_mw).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo
from chipalloc.data import Scenario

from .units import PFLOPS, UNITS


def define_fleet(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add fleet, compute, it_mw, operator_compute, vendor_compute and built_mw."""
    labels = sc.period_labels
    chips = sc.chips.set_index("chip")
    sites = sc.sites.set_index("site")
    life = chips["lifetime_periods"].astype(int).to_dict()
    initial = defaultdict(float)
    remaining = {}
    for r in sc.initial_fleet.to_dict("records"):
        initial[r["chip"], r["site"]] = r["units"] / UNITS
        remaining[r["chip"], r["site"]] = int(r["remaining_periods"])

    def fleet(m, k, s, p):
        i = sc.period_pos[p]
        bought = [
            m.buy[k, s, q] for q in labels[max(0, i - life[k] + 1) : i + 1] if (k, s, q) in m.BUY
        ]
        start = initial[k, s] if i < remaining.get((k, s), 0) else 0.0
        return pyo.quicksum(bought, start=start)

    m.fleet = pyo.Expression(m.KS, m.P, rule=fleet, doc="accelerators in service, thousands")

    perf = (chips["perf_pflops"] * UNITS / PFLOPS).to_dict()
    kw = chips["power_kw"].to_dict()
    operator = sites["operator"].to_dict()
    vendor = chips["vendor"].to_dict()
    at_site = defaultdict(list)
    for k, s in m.KS:
        at_site[s].append(k)

    m.compute = pyo.Expression(
        m.P,
        rule=lambda m, p: pyo.quicksum(perf[k] * m.fleet[k, s, p] for k, s in m.KS),
        doc="compute in service, thousands of PFLOPS",
    )
    m.it_mw = pyo.Expression(
        m.S,
        m.P,
        rule=lambda m, s, p: pyo.quicksum(
            kw[k] * UNITS / 1000 * m.fleet[k, s, p] for k in at_site[s]
        ),
        doc="IT load, MW",
    )
    m.OPERATORS = pyo.Set(initialize=sorted(set(operator.values())))
    m.VENDORS = pyo.Set(initialize=sorted(set(vendor.values())))
    m.operator_compute = pyo.Expression(
        m.OPERATORS,
        m.P,
        rule=lambda m, o, p: pyo.quicksum(
            perf[k] * m.fleet[k, s, p] for k, s in m.KS if operator[s] == o
        ),
    )
    m.vendor_compute = pyo.Expression(
        m.VENDORS,
        m.P,
        rule=lambda m, v, p: pyo.quicksum(
            perf[k] * m.fleet[k, s, p] for k, s in m.KS if vendor[k] == v
        ),
    )
    lead = sites["build_lead_periods"].astype(int).to_dict()
    m.built_mw = pyo.Expression(
        m.S,
        m.P,
        rule=lambda m, s, p: pyo.quicksum(
            m.build[s, q]
            for q in labels[: max(0, sc.period_pos[p] - lead[s] + 1)]
            if (s, q) in m.BUILD
        ),
        doc="facility MW added by builds that are usable in p",
    )
