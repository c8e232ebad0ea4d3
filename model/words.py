"""Numbers in the planner's words, shared by the family specs, explanations, the CLI and the
report."""

from __future__ import annotations

import re

TOL = 1e-7
"""Relative tolerance below which two row values read as equal."""


def number(x: float, decimals: int = 3) -> str:
    """``410``, ``0.41``, ``1,250.5``: thousands separators, no trailing zeros."""
    text = f"{x:,.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def usd(x: float) -> str:
    """``1,250 USD``: whole dollars with thousands separators."""
    return f"{x:,.0f} USD"


def share(x: float) -> str:
    """``41.5%`` for 0.415."""
    return f"{number(100 * x, 2)}%"


def need(c: dict) -> float:
    """The left-hand side a conflicting row must reach: ``reach``, or ``fixed`` without one."""
    return c["fixed"] if c["reach"] is None else c["reach"]


def only_fleet(c: dict) -> bool:
    """Whether the other rows leave the row at its fixed part (the initial fleet) alone:
    |reach - fixed| <= TOL * max(1, |fixed|)."""
    reach, fixed = c["reach"], c["fixed"]
    return reach is not None and abs(reach - fixed) <= TOL * max(1.0, abs(fixed))


def year_of(period: str) -> str:
    """The calendar year of a period label such as 2026Q3 (else the label itself)."""
    match = re.match(r"(\d{4})", period)
    return match.group(1) if match else period


def money(usd: float) -> str:
    """USD with a readable scale: ``$12.34B``, ``$5.60M`` or ``$870``."""
    if abs(usd) >= 1e9:
        return f"${usd / 1e9:,.2f}B"
    if abs(usd) >= 1e6:
        return f"${usd / 1e6:,.2f}M"
    return f"${usd:,.0f}"
