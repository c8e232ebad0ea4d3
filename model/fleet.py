"""Shared expressions every constraint family and cost term builds on (MODEL.md section 4).

- fleet[k,s,p] = sum of buy[k,s,q] for p - L_k < q <= p, plus initial units of (k,s)
  while p < remaining_periods;
- bought[k,p] = sum over s of buy[k,s,p] (what supply and capex see);
- compute[p] = sum over k,s of perf_pflops[k] * fleet[k,s,p];
- it_mw[s,p] = sum over k of power_kw[k] * fleet[k,s,p] / 1000;
- operator_compute[o,p], vendor_compute[v,p]: compute[p] restricted to o's sites, v's chips,
  for the operators and vendors a share policy names (each is as long as compute[p]);
- built_mw[s,p] = sum of build[s,q] for q + G_s <= p (capacity = power_mw + built_mw).

fleet has two forms with the same values (``FLEET_FORMS``): ``window``, the sum above as an
Expression, or ``recursion``, a variable tied to the buys by the ``fleet_balance`` rows
(``fleet_balance.py``).
The window form has fewer rows and solves faster by simplex on small and medium plans; the
recursion form has far fewer nonzeros (each buy appears twice, not L_k times), which is
what lets large plans be built and solved by interior point.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, ProductExpression, SumExpression

from chipalloc.data import Scenario

from .spec import VariableSpec
from .units import PFLOPS, UNITS

FLEET_FORMS = ("window", "recursion")
SPEC = VariableSpec("fleet", ("chip", "site", "period"), "unit", UNITS, internal=True)
"""fleet[k,s,p] as a variable (recursion form): bookkeeping tied to buy by fleet_balance."""
WINDOW_LIMIT = 400_000
"""Above this many (buy, period in service) pairs, ``auto`` picks the recursion form."""


def choose_fleet_form(sc: Scenario) -> str:
    """``window`` while sum over buys of min(L_k, N - p) <= WINDOW_LIMIT, else ``recursion``."""
    n = sc.n_periods
    life = sc.chips.set_index("chip")["lifetime_periods"].astype(int)
    sold = sc.chip_supply.assign(i=sc.chip_supply["period"].map(sc.period_pos))
    reach = (n - sold["i"]).clip(upper=sold["chip"].map(life)).to_numpy()
    per_chip = sc.chip_supply["chip"].map(
        {k: sum(1 for kk, _ in sc.compatible_pairs if kk == k) for k in life.index}
    )
    terms = float((reach * per_chip.to_numpy()).sum())
    return "window" if terms <= WINDOW_LIMIT else "recursion"


def share_names(sc: Scenario, group: str) -> set[str]:
    """Names in share policies of ``group`` (``operator`` or ``vendor``)."""
    kinds = sc.policies["kind"]
    return set(sc.policies.loc[kinds.str.startswith(group) & kinds.str.endswith("_share"), "name"])


def initial_units(sc: Scenario) -> dict[tuple[str, str, int], float]:
    """(k, s, period position) -> initial units in service (thousands), where nonzero."""
    out: dict[tuple[str, str, int], float] = defaultdict(float)
    for r in sc.initial_fleet.to_dict("records"):
        for i in range(min(sc.n_periods, int(r["remaining_periods"]))):
            out[r["chip"], r["site"], i] += r["units"] / UNITS
    return out


def define_fleet(m: pyo.ConcreteModel, sc: Scenario, form: str = "window") -> None:
    """Add fleet (in ``form``), bought, compute, it_mw, operator/vendor_compute, built_mw."""
    chips = sc.chips.set_index("chip")
    sites = sc.sites.set_index("site")
    life = chips["lifetime_periods"].astype(int).to_dict()
    initial = initial_units(sc)
    buys = defaultdict(dict)  # (k, s) -> {period position: buy var}
    by_chip_period = defaultdict(list)
    for (k, s, p), var in m.buy.items():
        buys[k, s][sc.period_pos[p]] = var
        by_chip_period[k, p].append(var)

    if form == "recursion":
        m.fleet = pyo.Var(
            m.KS, m.P, within=pyo.NonNegativeReals, doc="accelerators in service, thousands"
        )
        labels = sc.period_labels
        m.fleet_initial = {(k, s, labels[i]): v for (k, s, i), v in initial.items()}
        """fleet[k,s,p] when nothing is bought: the initial units (thousands)."""
    else:

        def window_sum(m, k, s, p):
            i = sc.period_pos[p]
            mine = buys.get((k, s), {})
            window = [mine[q] for q in range(max(0, i - life[k] + 1), i + 1) if q in mine]
            start = initial.get((k, s, i), 0.0)
            return LinearExpression([start, *window] if start else window)

        m.fleet = pyo.Expression(
            m.KS, m.P, rule=window_sum, doc="accelerators in service, thousands"
        )

    m.bought = pyo.Expression(
        m.K,
        m.P,
        rule=lambda m, k, p: LinearExpression(by_chip_period.get((k, p), [])),
        doc="accelerators of chip k bought in p at all sites, thousands",
    )
    fleet = dict(m.fleet.items())  # plain dict lookups: indexing the component is slower
    perf = (chips["perf_pflops"] * UNITS / PFLOPS).to_dict()
    kw = chips["power_kw"].to_dict()
    operator = sites["operator"].to_dict()
    vendor = chips["vendor"].to_dict()
    at_site, at_operator, of_vendor = defaultdict(list), defaultdict(list), defaultdict(list)
    for k, s in m.KS:
        at_site[s].append(k)
        at_operator[operator[s]].append((k, s))
        of_vendor[vendor[k]].append((k, s))

    def compute_of(pairs, p):
        return weighted_sum([(perf[k], fleet[k, s, p]) for k, s in pairs])

    m.compute = pyo.Expression(
        m.P,
        rule=lambda m, p: compute_of(m.KS, p),
        doc="compute in service, thousands of PFLOPS",
    )
    m.it_mw = pyo.Expression(
        m.S,
        m.P,
        rule=lambda m, s, p: weighted_sum(
            [(kw[k] * UNITS / 1000, fleet[k, s, p]) for k in at_site[s]]
        ),
        doc="IT load, MW",
    )
    m.OPERATORS = pyo.Set(initialize=sorted(set(operator.values()) & share_names(sc, "operator")))
    m.VENDORS = pyo.Set(initialize=sorted(set(vendor.values()) & share_names(sc, "vendor")))
    m.operator_compute = pyo.Expression(
        m.OPERATORS, m.P, rule=lambda m, o, p: compute_of(at_operator[o], p)
    )
    m.vendor_compute = pyo.Expression(
        m.VENDORS, m.P, rule=lambda m, v, p: compute_of(of_vendor[v], p)
    )
    lead = sites["build_lead_periods"].astype(int).to_dict()
    builds = defaultdict(list)
    for (s, p), var in m.build.items():
        builds[s].append((sc.period_pos[p], var))
    m.built_mw = pyo.Expression(
        m.S,
        m.P,
        rule=lambda m, s, p: LinearExpression(
            [var for q, var in builds[s] if q + lead[s] <= sc.period_pos[p]]
        ),
        doc="facility MW added by builds that are usable in p",
    )


def weighted_fleet(m: pyo.ConcreteModel, sc: Scenario, weights: dict) -> object:
    """sum over (k, s) and period p of weights[k, s][p] * fleet[k,s,p], a linear expression.

    In the window form each buy gets one combined coefficient, sum of weights[k, s][p] over
    the periods p it serves (p - L_k < q <= p), and the initial units a constant: one term
    per buy rather than one per buy and period in service, which is what a total over many
    periods (e.g. PFLOPS-years, ``independence.py``) would otherwise cost to compile.
    """
    if m.fleet_form == "recursion":
        return weighted_sum(
            [(w, m.fleet[k, s, p]) for (k, s), ws in weights.items() for p, w in ws.items()]
        )
    life = sc.chips.set_index("chip")["lifetime_periods"].astype(int).to_dict()
    labels = sc.period_labels
    initial = initial_units(sc)
    cover: dict = {}
    for (k, s), ws in weights.items():
        row = np.zeros(len(labels) + 1)
        for p, w in ws.items():
            row[sc.period_pos[p] + 1] = w
        cover[k, s] = np.cumsum(row)
    terms, constant = [], 0.0
    for (k, s, q), var in m.buy.items():
        if (k, s) in cover:
            c, i = cover[k, s], sc.period_pos[q]
            coef = float(c[min(i + life[k], len(labels))] - c[i])
            if coef:
                terms.append((coef, var))
    for (k, s, i), units in initial.items():
        if (k, s) in weights:
            constant += weights[k, s].get(labels[i], 0.0) * units
    return weighted_sum(terms) + constant if constant else weighted_sum(terms)


def weighted_sum(terms: list[tuple[float, object]]) -> SumExpression:
    """sum of c * e over (c, e) in ``terms``, built in one step (no intermediate sums)."""
    return SumExpression([ProductExpression(term) for term in terms])
