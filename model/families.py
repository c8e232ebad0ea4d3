"""Constraint families as MODEL.md names them: index names and the unit of each row.

Duals and diagnostics are routed back through this table: a row of family ``power`` at
index ``(fairwater-wi, 2026Q3)`` is "power at fairwater-wi in 2026Q3", in MW.
"""

from __future__ import annotations

from dataclasses import dataclass

from .units import PFLOPS, UNITS, USD


@dataclass(frozen=True)
class Family:
    """``scale`` converts one model unit of the row to ``unit`` (MODEL.md units)."""

    name: str
    index: tuple[str, ...]
    unit: str
    scale: float


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("power", ("site", "period"), "MW", 1.0),
        Family("supply", ("chip", "period"), "unit", UNITS),
        Family("build_total", ("site",), "MW", 1.0),
        Family("demand", ("period",), "PFLOPS", PFLOPS),
        Family("period_budget", ("period",), "USD", USD),
        Family("operator_max_share", ("operator", "period"), "PFLOPS", PFLOPS),
        Family("operator_min_share", ("operator", "period"), "PFLOPS", PFLOPS),
        Family("vendor_max_share", ("vendor", "period"), "PFLOPS", PFLOPS),
        Family("operator_min_spend", ("operator", "from_period"), "USD", USD),
        Family("total_budget", (), "USD", USD),
    )
}
