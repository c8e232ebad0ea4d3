"""The unit of every results column, defined once: workbook headers and the glossary use it.

``UNITS[table][column]`` is the column's unit ("" for names and labels); a column whose unit
depends on the row or the objective names the column holding it (``see unit``).
``glossary()`` is the units glossary of docs/api.md (a test keeps the two equal).
"""

from __future__ import annotations

from typing import Any

from chipalloc.data import Scenario
from chipalloc.data.discrete import is_mip, rack_sizes

FRACTIONAL_NOTE = (
    "plan.csv buy_units and fleet_units are fractional accelerators: chipalloc solves a "
    "linear program (LP); round them, or buy whole racks with units_per_rack in chips.csv "
    "(MODEL.md section 7, a MIP: docs/discrete.md)"
)
"""What summary.json, the CLI and the README say about fractional accelerators (an LP)."""


def fractional_note(sc: Scenario) -> str | None:
    """The note on fractional accelerators: ``FRACTIONAL_NOTE`` for an LP; for a MIP, the
    chips without a rack rule (``units_per_rack``), whose units stay fractional; None when
    every chip is bought in whole racks."""
    if not is_mip(sc):
        return FRACTIONAL_NOTE
    racked = rack_sizes(sc)
    loose = [k for k in sc.chips["chip"] if k not in racked]
    if not loose:
        return None
    return (
        f"plan.csv buy_units and fleet_units are fractional for the chips without "
        f"units_per_rack ({', '.join(loose)}): racks, builds, clusters and fabrics are whole "
        "decisions (a MIP), those purchases are not; round them, or give the chips racks "
        "(docs/discrete.md)"
    )


PER_ROW = "see unit column"

UNITS: dict[str, dict[str, str]] = {
    "plan": {
        "period": "",
        "site": "",
        "operator": "",
        "chip": "",
        "vendor": "",
        "buy_units": "accelerators bought in the period, fractional",
        "fleet_units": "accelerators in service, fractional",
        "it_mw": "MW of IT power",
        "compute_pflops": "PFLOPS in service",
    },
    "sites": {
        "period": "",
        "site": "",
        "operator": "",
        "power_mw": "MW of facility power available",
        "built_mw": "MW of facility power built so far",
        "capacity_mw": "MW of facility power",
        "used_mw": "MW of facility power used (IT MW x PUE)",
        "it_mw": "MW of IT power",
        "build_started_mw": "MW whose construction starts in the period",
        "power_shadow_price": "USD per MW, discounted (PFLOPS-years per MW for max_compute)",
        "power_shadow_price_nominal": "USD per MW, nominal (PFLOPS-years per MW for max_compute)",
        "shadow_price_unit": "",
        "contract": "as_used or take_or_pay",
        "contracted_share": "share of the offered power_mw contracted (0-1), take_or_pay",
        "contracted_mw": "MW of facility power contracted (share x power_mw), take_or_pay",
        "idle_mw": "MW of facility power contracted and unused, take_or_pay",
        "idle_cost_usd": "USD, nominal (money of the period)",
        "idle_cost_discounted_usd": "USD, discounted to the first period",
    },
    "contracts": {
        "site": "",
        "operator": "",
        "contract": "as_used or take_or_pay",
        "min_share": "share of the offered power_mw (0-1)",
        "max_share": "share of the offered power_mw (0-1)",
        "share": "share of the offered power_mw (0-1)",
        "contracted_mw_peak": "MW of facility power",
        "idle_mw_periods": "MW-periods contracted and unused",
        "idle_cost_usd": "USD, nominal (money of the period)",
        "idle_cost_discounted_usd": "USD, discounted to the first period",
        "lease_usd": "USD, nominal (money of the period)",
        "objective_change_per_point": "see unit column (per percentage point of share)",
        "unit": "",
    },
    "costs": {
        "period": "",
        "kind": "",
        "nominal_usd": "USD, nominal (money of the period)",
        "discounted_usd": "USD, discounted to the first period",
    },
    "duals": {
        "family": "",
        "site": "",
        "chip": "",
        "operator": "",
        "vendor": "",
        "period": "",
        "from_period": "",
        "activity": "the row's unit (unit column)",
        "shadow_price": "objective units per row unit, discounted",
        "shadow_price_nominal": PER_ROW + ", nominal",
        "unit": "",
    },
    "reduced_costs": {
        "chip": "",
        "site": "",
        "operator": "",
        "vendor": "",
        "period": "",
        "buy_units": "accelerators, fractional",
        "in_plan": "true or false",
        "unit_cost_usd": "USD per accelerator, nominal",
        "reduced_cost": "see reduced_cost_unit column",
        "break_even_unit_cost_usd": "USD per accelerator, nominal",
        "reduced_cost_unit": "",
    },
    "racks": {
        "period": "",
        "site": "",
        "chip": "",
        "units_per_rack": "accelerators per rack",
        "racks": "whole racks bought in the period",
        "buy_units": "accelerators bought in the period, whole racks",
    },
    "builds": {
        "site": "",
        "start_period": "",
        "period": "",
        "build_mw": "MW whose construction starts in the period",
    },
    "clusters": {
        "cluster": "",
        "campus": "",
        "period": "",
        "pflops_needed": "PFLOPS required in service",
        "pflops_available": "PFLOPS in service",
    },
    "fabrics": {"site": "", "fabric": ""},
    "periods": {
        "period": "",
        "years": "years (0.25 for a quarter)",
        "demand_pflops": "PFLOPS required in service",
        "compute_pflops": "PFLOPS in service",
        "unmet_pflops": "PFLOPS short of demand",
    },
}
"""table -> column -> unit, for every column of every results table."""

SHORT = {
    "accelerators bought in the period, fractional": "accelerators",
    "accelerators in service, fractional": "accelerators",
    "accelerators, fractional": "accelerators",
    "MW of IT power": "MW",
    "MW of facility power available": "MW",
    "MW of facility power built so far": "MW",
    "MW of facility power": "MW",
    "MW of facility power used (IT MW x PUE)": "MW",
    "MW whose construction starts in the period": "MW",
    "PFLOPS in service": "PFLOPS",
    "PFLOPS required in service": "PFLOPS",
    "PFLOPS short of demand": "PFLOPS",
    "USD, nominal (money of the period)": "USD, nominal",
    "USD, discounted to the first period": "USD, discounted",
    "USD per accelerator, nominal": "USD per accelerator",
    "USD per MW, discounted (PFLOPS-years per MW for max_compute)": "USD per MW, discounted",
    "USD per MW, nominal (PFLOPS-years per MW for max_compute)": "USD per MW, nominal",
    "years (0.25 for a quarter)": "years",
    "share of the offered power_mw contracted (0-1), take_or_pay": "share",
    "share of the offered power_mw (0-1)": "share",
    "MW of facility power contracted (share x power_mw), take_or_pay": "MW",
    "MW of facility power contracted and unused, take_or_pay": "MW",
    "MW-periods contracted and unused": "MW-periods",
    "accelerators per rack": "accelerators",
    "whole racks bought in the period": "racks",
    "accelerators bought in the period, whole racks": "accelerators",
}
"""The short form of a unit, for a header cell (``buy_units [accelerators]``)."""


def header(table: str, column: str) -> str:
    """``column [unit]`` (the short unit), or the column alone when it has no unit."""
    unit = UNITS.get(table, {}).get(column, "")
    short = SHORT.get(unit, unit)
    return f"{column} [{short}]" if short else column


def objective_unit(sc: Any) -> str:
    """USD (discounted) for min_cost, PFLOPS-years for max_compute."""
    return "PFLOPS-years" if sc.settings.objective == "max_compute" else "USD"


def glossary() -> str:
    """The units glossary in Markdown: one table per results table (docs/api.md)."""
    lines = [
        "Money: *nominal* USD are the money of the period they are paid in; *discounted* USD",
        "are brought back to the first period at the scenario's discount rate (the objective",
        "of min_cost is discounted). A *per quarter* figure (a shadow price of a period's row)",
        "is worth that much in that period; PFLOPS-years are PFLOPS x the period's years.",
        "",
    ]
    for table, columns in UNITS.items():
        lines += [f"**{table}.csv**", "", "| column | unit |", "|---|---|"]
        lines += [f"| `{c}` | {u or '(name)'} |" for c, u in columns.items()]
        lines.append("")
    return "\n".join(lines)
