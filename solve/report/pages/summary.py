"""The summary table at the top of a solve report, in the planner's words.

Shares are of compute in service over the last calendar year of the horizon, weighted by
period length: share_o = sum_p y_p C_o[p] / sum_p y_p C[p]. A limit is binding when its
shadow price is not zero: loosening it would improve the objective. Site power uses the
rule of the CLI's "Sites at their power limit" table (``results.limits.sites_at_limit``).
"""

from __future__ import annotations

import pandas as pd

from chipalloc.model import FAMILIES
from chipalloc.model.words import money, year_of
from chipalloc.solve.report import mip
from chipalloc.solve.report.data import SolveFolder
from chipalloc.solve.results.limits import sites_at_limit
from chipalloc.solve.results.mix import chip_mix

TOL = 1e-6


def _word(data: SolveFolder, n: int) -> str:
    quarterly = bool(len(data.periods)) and (data.periods["years"] - 0.25).abs().max() < 1e-9
    unit = "quarter" if quarterly else "period"
    return f"{n} {unit}" + ("" if n == 1 else "s")


def _shares(data: SolveFolder, by: str) -> str:
    last = year_of(data.order[-1]) if data.order else ""
    years = data.periods.set_index("period")["years"]
    rows = data.plan[data.plan["period"].map(year_of) == last]
    weighted = (rows["compute_pflops"] * rows["period"].map(years)).groupby(rows[by]).sum()
    if weighted.sum() <= TOL:
        return "no compute in service"
    share = (weighted / weighted.sum()).sort_values(ascending=False)
    return ", ".join(f"{name} {value:.0%}" for name, value in share.items())


def binding_limits(data: SolveFolder) -> list[str]:
    """One phrase per binding family: what is limited, in how many periods, from when.

    The phrase and the duals.csv column naming what is limited are the family's
    ``FamilySpec.summary``; families without one are left out.
    """
    duals = data.duals
    if duals.empty:
        return []
    binding = duals[duals["shadow_price"].abs() > TOL]
    phrases = []
    for spec in FAMILIES.values():
        if spec.summary is None:
            continue
        phrase, key = spec.summary
        if spec.capacity and "power_shadow_price" in data.sites:
            full = sites_at_limit(data.sites)
            parts = [
                f"{r.site} ({_word(data, int(r.periods))} from {r.first})"
                for r in full.itertuples()
            ]
            if parts:
                phrases.append(f"{phrase}: {', '.join(parts)}")
            continue
        rows = binding[binding["family"] == spec.name]
        if rows.empty:
            continue
        if key is None or key not in rows:
            periods = list(rows["period"].dropna()) if "period" in rows else []
            more = ", ..." if len(periods) > 4 else ""
            phrases.append(f"{phrase} in {', '.join(periods[:4])}{more}" if periods else phrase)
            continue
        parts = []
        for name, group in rows.groupby(key, sort=False):
            periods = group["period"].dropna() if "period" in group else pd.Series(dtype=str)
            if len(periods):
                parts.append(f"{name} ({_word(data, len(periods))} from {periods.iloc[0]})")
            else:
                parts.append(str(name))
        phrases.append(f"{phrase}: {', '.join(parts)}")
    return phrases


def solve_summary(data: SolveFolder) -> list[tuple[str, str | list[str]]]:
    """(label, value) rows of the summary table; a list value is shown as bullet points.

    A MIP's rows (``report.mip``) follow the objective, and the note on its shadow prices
    follows the binding limits they find."""
    s = data.summary
    objective = float(s.get("objective") or 0.0)
    if data.maximise:
        goal = f"most compute for the budget: {objective:,.0f} PFLOPS-years"
    else:
        penalty = data.costs.loc[data.costs["kind"] == "shortfall_penalty", "discounted_usd"]
        extra = f", of which {money(penalty.sum())} shortfall penalty" if penalty.sum() else ""
        goal = f"least discounted cost: {money(objective)}{extra}"
    rows = [
        ("Scenario", f"{s.get('scenario', '?')} ({s.get('status', '?')})"),
        ("Objective", goal),
        *mip.summary_rows(s),
        ("Total cost", f"{money(float(s.get('total_cost_usd') or 0.0))} discounted"),
        ("Compute delivered", f"{float(s.get('compute_pflops_years') or 0.0):,.0f} PFLOPS-years"),
    ]
    unmet = data.periods[data.periods["unmet_pflops"] > TOL]
    if data.maximise:
        rows.append(("Shortfall", "not applicable (demand is not a constraint)"))
    elif unmet.empty:
        rows.append(("Shortfall", "none: demand is met in every period"))
    else:
        worst = ", ".join(f"{r.period}: {r.unmet_pflops:,.0f}" for r in unmet.head(6).itertuples())
        more = ", ..." if len(unmet) > 6 else ""
        rows.append(
            (
                "Shortfall",
                f"demand not met in {_word(data, len(unmet))} (PFLOPS unmet: {worst}{more})",
            )
        )
    rows.append(("Peak facility power", _peak(data)))
    built = data.sites.groupby("site")["build_started_mw"].sum()
    built = built[built > TOL]
    rows.append(
        (
            "New MW built",
            ", ".join(f"{site} {mw:,.1f} MW" for site, mw in built.items()) or "none",
        )
    )
    last = year_of(data.order[-1]) if data.order else "the last year"
    rows.append((f"Share by operator in {last}", _shares(data, "operator")))
    rows.append((f"Share by vendor in {last}", _shares(data, "vendor")))
    rows.append(("Binding limits", binding_limits(data) or "none"))
    rows += mip.duals_rows(s)
    if len(data.plan) and "fleet_units" in data.plan:
        mix = chip_mix(data.plan, data.order[-1] if data.order else None)
        rows.append((f"Chip mix per site in {data.order[-1] if data.order else ''}", _mix(mix)))
    return rows


def _mix(mix: pd.DataFrame) -> list[str] | str:
    """One phrase per site: its accelerators in service by chip (fractional, an LP)."""
    chips = [c for c in mix.columns if c not in ("site", "total")]
    phrases = []
    for row in mix.to_dict("records"):
        parts = ", ".join(f"{c} {row[c]:,.0f}" for c in chips if row[c] > 0.5)
        phrases.append(f"{row['site']}: {parts} ({row['total']:,.0f} accelerators)")
    return phrases or "no accelerators in service"


def _peak(data: SolveFolder) -> str:
    """Largest facility MW used across all sites in one period, against capacity then."""
    per_period = data.sites.groupby("period")[["used_mw", "capacity_mw"]].sum()
    if per_period.empty:
        return "no sites"
    period = per_period["used_mw"].idxmax()
    used, capacity = per_period.loc[period]
    share = f" ({used / capacity:.0%} of {capacity:,.1f} MW available)" if capacity > 0 else ""
    return f"{used:,.1f} MW in {period}{share}"
