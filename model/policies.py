"""Policies (policies.csv), for every period p at or after the row's from_period:

- operator_max_share[o,p]: C_o[p] <= value * compute[p];
- operator_min_share[o,p]: C_o[p] >= value * compute[p];
- vendor_max_share[v,p]:   C_v[p] <= value * compute[p];
- operator_min_spend[o, from]: sum over p >= from, k, s of o's sites of
  12 * y_p * lease[s] * power_kw[k] * fleet[k,s,p] >= value, with the take_or_pay lease
  12 * y_p * lease[s] * 1000 * share[s] * power_mw[s,p] / pue[s] at such sites (section 9).

Several rows of one share kind and name combine per period into the tightest value
(the smallest max share, the largest min share); the share is a mutable parameter.
"""

from __future__ import annotations

import pyomo.core as pyo

from chipalloc.data import Scenario
from chipalloc.data.schema import MAX_MIN_SPEND_USD

from .contracts import paid_kw
from .rows import relation
from .spec import FamilySpec
from .units import PFLOPS, USD
from .words import need, number, share, usd

ALL_PERIODS = "all"
"""Index label of a minimum-spend row with no from_period."""


def effective_shares(sc: Scenario, kind: str) -> dict[tuple[str, str], float]:
    """(name, period) -> the binding share of ``kind`` in that period."""
    tighter = min if kind.endswith("max_share") else max
    out: dict[tuple[str, str], float] = {}
    rows = sc.policies[sc.policies["kind"] == kind]
    for r in rows.to_dict("records"):
        start = sc.period_pos[r["from_period"]] if r["from_period"] else 0
        for p in sc.period_labels[start:]:
            key = (r["name"], p)
            out[key] = tighter(out[key], r["value"]) if key in out else r["value"]
    return out


def define_policies(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add the share families and operator_min_spend."""
    for kind, group, sense in [
        ("operator_max_share", m.operator_compute, "<="),
        ("operator_min_share", m.operator_compute, ">="),
        ("vendor_max_share", m.vendor_compute, "<="),
    ]:
        shares = effective_shares(sc, kind)
        index = pyo.Set(initialize=list(shares), dimen=2, ordered=True)
        value = pyo.Param(index, mutable=True, initialize=shares)
        m.add_component(f"{kind}_index", index)
        m.add_component(f"{kind}_value", value)

        def rule(m, name, p, kind=kind, group=group, sense=sense, value=value):
            part = group[name, p] if (name, p) in group else 0.0  # noqa: SIM401 (Pyomo has no .get)
            return relation(m, kind, (name, p), part - value[name, p] * m.compute[p], sense, 0.0)

        m.add_component(kind, pyo.Constraint(index, rule=rule))
    define_min_spend(m, sc)


def min_spend_targets(sc: Scenario) -> dict[tuple[str, str], float]:
    """(operator, from_period or ``all``) -> the largest required spend, USD million."""
    rows = sc.policies[sc.policies["kind"] == "operator_min_spend_usd"]
    targets: dict[tuple[str, str], float] = {}
    for r in rows.to_dict("records"):
        key = (r["name"], r["from_period"] or ALL_PERIODS)
        value = min(r["value"], MAX_MIN_SPEND_USD)  # beyond it: infeasible either way
        targets[key] = max(targets.get(key, 0.0), value / USD)
    return targets


def define_min_spend(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """operator_min_spend[o, from_period]: lease paid to o from from_period on >= value.

    The kW term sum over k of power_kw[k] * fleet[k,s,p] is written as 1000 * it_mw[s,p]
    (``contracts.paid_kw``: the contracted kW at a take_or_pay site).
    """
    years = dict(zip(sc.period_labels, sc.years, strict=True))
    pue = sc.sites.set_index("site")["pue"].to_dict()
    sites_of: dict[str, list[str]] = {}
    for s, o in zip(sc.sites["site"], sc.sites["operator"], strict=True):
        sites_of.setdefault(o, []).append(s)
    targets = min_spend_targets(sc)
    m.MIN_SPEND = pyo.Set(initialize=list(targets), dimen=2, ordered=True)
    m.min_spend_usd = pyo.Param(m.MIN_SPEND, mutable=True, initialize=targets)

    def rule(m, o, start):
        first = 0 if start == ALL_PERIODS else sc.period_pos[start]
        paid = pyo.quicksum(
            12 * years[p] * m.lease[s] * paid_kw(m, pue[s], s, p)
            for p in sc.period_labels[first:]
            for s in sites_of.get(o, ())
        )
        return relation(m, "operator_min_spend", (o, start), paid, ">=", m.min_spend_usd[o, start])

    m.operator_min_spend = pyo.Constraint(m.MIN_SPEND, rule=rule)


def _max_share(at: dict, c: dict) -> str:
    """The other rows leave o (or v) at least ``need`` PFLOPS above value * compute[p]."""
    who = at.get("operator") or at.get("vendor")
    family = "operator_max_share" if "operator" in at else "vendor_max_share"
    return (
        f"{at['period']} ({family}): {who} may have at most {share(c['value'])} of compute, "
        f"but the other limits leave {who} at least {number(need(c))} PFLOPS above that share"
    )


def _min_share(at: dict, c: dict) -> str:
    """The other rows leave o at least -``need`` PFLOPS below value * compute[p]."""
    return (
        f"{at['period']} (operator_min_share): {at['operator']} must have at least "
        f"{share(c['value'])} of compute, but the other limits leave {at['operator']} at least "
        f"{number(-need(c))} PFLOPS below that share"
    )


def _min_spend(at: dict, c: dict) -> str:
    """At most ``need`` USD of lease can be paid to o, against the required value."""
    start = at["from_period"]
    span = "over the whole horizon" if start == ALL_PERIODS else f"from {start} on"
    return (
        f"{at['operator']} (operator_min_spend_usd): at least {usd(c['bound'])} of lease must be "
        f"paid {span}, but at most {usd(need(c))} can be"
    )


def _share_limit(name: str, edge: str):
    def limit(at: dict, bound: float, value: float | None) -> str:
        who = at.get("operator") or at.get("vendor")
        return f"{name} of {who} in {at['period']}: at the {share(value)} {edge}"

    return limit


SPECS = (
    FamilySpec(
        "operator_max_share",
        ("operator", "period"),
        "PFLOPS",
        PFLOPS,
        rank=3,
        conflict=_max_share,
        limit=_share_limit("operator_max_share", "cap"),
        summary=("operator at its maximum share", "operator"),
        shortfall=True,
        share=True,
    ),
    FamilySpec(
        "operator_min_share",
        ("operator", "period"),
        "PFLOPS",
        PFLOPS,
        rank=2,
        conflict=_min_share,
        limit=_share_limit("operator_min_share", "floor"),
        summary=("operator held at its minimum share", "operator"),
        shortfall=True,
        share=True,
    ),
    FamilySpec(
        "vendor_max_share",
        ("vendor", "period"),
        "PFLOPS",
        PFLOPS,
        rank=4,
        conflict=_max_share,
        limit=_share_limit("vendor_max_share", "cap"),
        summary=("vendor at its maximum share", "vendor"),
        shortfall=True,
        share=True,
    ),
    FamilySpec(
        "operator_min_spend",
        ("operator", "from_period"),
        "USD",
        USD,
        rank=0,
        conflict=_min_spend,
        summary=("minimum spend with operator forces the plan", "operator"),
    ),
)
"""The four policy families: three share kinds and the minimum lease spend."""
