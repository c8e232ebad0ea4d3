"""Take-or-pay capacity contracts (MODEL.md section 9).

For every site s whose sites.csv ``contract`` is ``take_or_pay`` (the set ``TAKE_OR_PAY``):

- share[s] >= 0: the share of the site's offered power ramp (site_power.csv) the planner
  contracts, one decision for the whole horizon;
- contract_min_share[s]: share[s] >= min_share[s];
- contract_max_share[s]: share[s] <= max_share[s];
- contracted_mw[s,p] = share[s] * power_mw[s,p]: the facility MW contracted in p, which
  replaces power_mw in the power row (``power.py``);
- lease: the IT kW paid for is 1000 * contracted_mw[s,p] / pue[s], used or not, in place of
  the IT load in use 1000 * it_mw[s,p] (``paid_kw``), so the lease of p is
  lease[s] * 12 * y_p * 1000 * share[s] * power_mw[s,p] / pue[s]; cost, operator_min_spend
  and total_budget all read ``paid_kw``.

The two bounds are rows, not variable bounds: a row has a family spec, so its dual reaches
duals.csv and explanations of an impossible plan through the registry like every other
limit, and min_share and max_share are mutable Params a sweep moves without a rebuild.
Variable bounds would need a second route (reduced costs) for the same facts. A row's dual
is the change of the objective per unit of share; one percentage point is the dual / 100.

A scenario without take_or_pay sites has an empty ``TAKE_OR_PAY``: no share variable, no
contract components, and every lease term is the as_used one, so its LP is the one of
section 4.
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo

from chipalloc.data import Scenario

from .rows import relation
from .spec import FamilySpec, VariableSpec
from .words import share

TAKE_OR_PAY = "take_or_pay"


def define_contracts(m: pyo.ConcreteModel, sc: Scenario) -> None:
    """Add share, contracted_mw and the two share-bound families over TAKE_OR_PAY (nothing
    when no site is take_or_pay)."""
    if not len(m.TAKE_OR_PAY):
        return
    m.share = pyo.Var(m.TAKE_OR_PAY, within=pyo.NonNegativeReals)
    m.contracted_mw = pyo.Expression(
        m.TAKE_OR_PAY,
        m.P,
        rule=lambda m, s, p: m.share[s] * m.power_mw[s, p],
        doc="contracted facility MW",
    )
    m.contract_min_share = pyo.Constraint(
        m.TAKE_OR_PAY,
        rule=lambda m, s: relation(m, "contract_min_share", (s,), m.share[s], ">=", m.min_share[s]),
    )
    m.contract_max_share = pyo.Constraint(
        m.TAKE_OR_PAY,
        rule=lambda m, s: relation(m, "contract_max_share", (s,), m.share[s], "<=", m.max_share[s]),
    )


def paid_kw(m: pyo.ConcreteModel, pue: float, s: str, p: str) -> Any:
    """The IT kW the lease of site s is paid on in p: 1000 * it_mw[s,p] (as_used) or
    1000 * contracted_mw[s,p] / pue[s] (take_or_pay)."""
    if s in m.TAKE_OR_PAY:
        return 1000 * m.contracted_mw[s, p] / pue
    return 1000 * m.it_mw[s, p]


def _min_conflict(at: dict, c: dict) -> str:
    """The other rows allow a share of at most ``reach``, below min_share."""
    most = "" if c["reach"] is None else f", but the other limits allow at most {share(c['reach'])}"
    return (
        f"{at['site']} (contract_min_share): at least {share(c['bound'])} of its offered "
        f"power must be contracted{most}"
    )


def _max_conflict(at: dict, c: dict) -> str:
    """The other rows need a share of at least ``reach``, above max_share."""
    least = "" if c["reach"] is None else f", but the plan needs at least {share(c['reach'])}"
    return (
        f"{at['site']} (contract_max_share): at most {share(c['bound'])} of its offered "
        f"power may be contracted{least}"
    )


def _min_limit(at: dict, bound: float, value: float | None) -> str:
    return f"contract at {at['site']}: held at its minimum share of {share(bound)}"


def _max_limit(at: dict, bound: float, value: float | None) -> str:
    return f"contract at {at['site']}: at its maximum share of {share(bound)}"


SPECS = (
    FamilySpec(
        "contract_min_share",
        ("site",),
        "share",
        1.0,
        rank=20,
        conflict=_min_conflict,
        limit=_min_limit,
        summary=("contract held at its minimum share", "site"),
    ),
    FamilySpec(
        "contract_max_share",
        ("site",),
        "share",
        1.0,
        rank=21,
        conflict=_max_conflict,
        limit=_max_limit,
        summary=("contract at its maximum share", "site"),
        shortfall=True,
    ),
)
"""The share bounds of a take_or_pay site; the dual is objective units per unit of share."""

VARIABLE = VariableSpec("share", ("site",), "share", 1.0)
"""share[s] of a take_or_pay site (a fraction of its offered power ramp)."""
