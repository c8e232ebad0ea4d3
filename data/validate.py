"""Rules of MODEL.md section 2 that span rows or tables: unique keys, references, order,
compatibility, power rows for sites that can build, contracts, policies, objective settings.

Every rule appends to one list, so all problems are reported together.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from .discrete import check_discrete
from .problems import Problem
from .scenario import Scenario
from .schema import SHARE_KINDS, TABLES

_PERIOD_FORMS = (r"\d{4}Q[1-4]", r"\d{4}-(0[1-9]|1[0-2])", r"\d{4}H[12]", r"\d{4}")


KEY_TABLE = {"period": "periods", "chip": "chips", "site": "sites"}
"""The table that defines the names of each key column."""


def check_scenario(sc: Scenario, unchanged: frozenset[str] = frozenset()) -> list[Problem]:
    """All cross-row and cross-table problems of a scenario whose cells are valid.

    ``unchanged``: tables that are the very frames of a scenario that passed these rules
    (an override left them alone). A rule that reads only such tables and only reports
    problems is not run again: it would find none. Rules that warn always run.
    """
    problems: list[Problem] = []

    def fresh(*tables: str) -> bool:
        return not unchanged.issuperset(tables)

    for spec in TABLES.values():
        if spec.keys and fresh(spec.name):
            problems += _duplicate_keys(spec.file, sc.tables[spec.name], spec.keys)
    if fresh("periods"):
        problems += _periods(sc)
    known = {
        "period": set(sc.periods["period"]),
        "chip": set(sc.chips["chip"]),
        "site": set(sc.sites["site"]),
    }
    for spec in TABLES.values():
        for column in spec.keys:
            if (
                spec.name not in KEY_TABLE.values()
                and column in known
                and fresh(spec.name, KEY_TABLE[column])
            ):
                problems += _references(spec.file, sc.tables[spec.name], column, known[column])
    if fresh("policies", "periods"):
        problems += _references(
            "policies.csv",
            sc.policies[sc.policies["from_period"] != ""],
            "from_period",
            known["period"],
        )
    if problems:
        return problems
    if fresh("initial_fleet", "chips", "sites"):
        problems += _initial_fleet(sc)
    if fresh("site_power", "sites", "periods"):
        problems += _build_power_rows(sc)
    if fresh("sites"):
        problems += _contracts(sc)
    problems += _policies(sc)
    problems += check_discrete(sc)
    _chips_without_site(sc)
    _sites_without_power(sc)
    if sc.settings.objective == "max_compute" and sc.settings.total_budget_usd is None:
        problems.append(
            Problem(
                "scenario.yaml",
                "objective max_compute needs a total budget",
                column="total_budget_usd",
            )
        )
    return problems


def _row(label: object) -> int:
    """The spreadsheet row of a frame label (header is row 1)."""
    return int(label) + 2


def _duplicate_keys(file: str, frame: pd.DataFrame, keys: tuple[str, ...]) -> list[Problem]:
    dup = frame.duplicated(list(keys), keep="first")
    out = []
    for label in frame.index[dup]:
        key = ", ".join(f"{k}={frame.at[label, k]}" for k in keys)
        out.append(
            Problem(
                file,
                f"duplicate key ({key}): each key may appear once",
                row=_row(label),
                column=keys[-1],
            )
        )
    return out


def _references(file: str, frame: pd.DataFrame, column: str, known: set[str]) -> list[Problem]:
    """One problem per unknown name (not per row): its rows, and the closest known name.

    A typo in sites.csv makes every site_power.csv row of the real name unknown: that is one
    line naming the rows, with "did you mean" (difflib), not one identical line per row.
    """
    entity = {"from_period": "period"}.get(column, column)
    bad = frame.index[~frame[column].isin(known)]
    by_name: dict[str, list[int]] = {}
    for label in bad:
        by_name.setdefault(str(frame.at[label, column]), []).append(_row(label))
    out = []
    choices = sorted(str(k) for k in known)
    for name, rows in by_name.items():
        close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        where = ""
        if len(rows) > 1:
            shown = ", ".join(map(str, rows[:6])) + (", ..." if len(rows) > 6 else "")
            where = f" in {len(rows)} rows ({shown})"
        out.append(
            Problem(
                file,
                f"unknown {entity} '{name}' (not in {entity}s.csv){where}{hint}",
                row=rows[0],
                column=column,
            )
        )
    return out


def _periods(sc: Scenario) -> list[Problem]:
    frame = sc.periods
    if frame.empty:
        return [Problem("periods.csv", "needs at least one period")]
    labels = list(frame["period"])
    for form in _PERIOD_FORMS:
        if all(re.fullmatch(form, p) for p in labels):
            out = []
            for i in range(1, len(labels)):
                if labels[i] <= labels[i - 1]:
                    out.append(
                        Problem(
                            "periods.csv",
                            f"period '{labels[i]}' comes after '{labels[i - 1]}': "
                            "rows must be in time order",
                            row=_row(frame.index[i]),
                            column="period",
                        )
                    )
            return out
    return []


def _initial_fleet(sc: Scenario) -> list[Problem]:
    frame = sc.initial_fleet
    return [
        Problem(
            "initial_fleet.csv",
            f"chip '{frame.at[label, 'chip']}' cannot run at site '{frame.at[label, 'site']}' "
            "(cooling or operator not compatible)",
            row=_row(label),
            column="site",
        )
        for label in frame.index
        if not sc.compatible(frame.at[label, "chip"], frame.at[label, "site"])
    ]


def _build_power_rows(sc: Scenario) -> list[Problem]:
    """A site that may build needs site_power rows for periods G_s .. N-1 (energy prices)."""
    n = sc.n_periods
    have = set(zip(sc.site_power["site"], sc.site_power["period"], strict=True))
    out = []
    sites = sc.sites
    for name, lead, most in zip(
        sites["site"], sites["build_lead_periods"], sites["max_build_mw"], strict=True
    ):
        lead = int(lead)
        if most > 0 and lead <= n - 1:
            missing = [p for p in sc.period_labels[lead:] if (name, p) not in have]
            if missing:
                shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
                out.append(
                    Problem(
                        "site_power.csv",
                        f"site '{name}' may build (max_build_mw > 0) and needs "
                        f"a row for every period from {sc.period_labels[lead]}; "
                        f"missing: {shown}",
                        column="site",
                    )
                )
    return out


def _contracts(sc: Scenario) -> list[Problem]:
    """MODEL.md section 9: min_share <= max_share on every site; a take_or_pay site cannot
    build (max_build_mw = 0)."""
    out = []
    sites = sc.sites
    columns = ("site", "min_share", "max_share", "contract", "max_build_mw")
    for label, name, low, high, contract, most in zip(
        sites.index, *(sites[c] for c in columns), strict=True
    ):
        if low > high:
            out.append(
                Problem(
                    "sites.csv",
                    f"min_share {low:g} is above max_share {high:g}",
                    row=_row(label),
                    column="min_share",
                )
            )
        if contract == "take_or_pay" and most > 0:
            out.append(
                Problem(
                    "sites.csv",
                    f"site '{name}' has a take_or_pay contract, so it cannot build: "
                    f"max_build_mw must be 0, got {most:g}",
                    row=_row(label),
                    column="max_build_mw",
                )
            )
    return out


def _policies(sc: Scenario) -> list[Problem]:
    frame = sc.policies
    operators = set(sc.sites["operator"])
    vendors = set(sc.chips["vendor"])
    out = []
    for label, kind, value, name in zip(
        frame.index, frame["kind"], frame["value"], frame["name"], strict=True
    ):
        if kind in SHARE_KINDS and not 0 <= value <= 1:
            out.append(
                Problem(
                    "policies.csv",
                    f"a share must be between 0 and 1, got {value:g}",
                    row=_row(label),
                    column="value",
                )
            )
        if kind == "operator_min_spend_usd" and value < 0:
            out.append(
                Problem(
                    "policies.csv",
                    f"a minimum spend must be >= 0, got {value:g}",
                    row=_row(label),
                    column="value",
                )
            )
        names = vendors if kind == "vendor_max_share" else operators
        if name not in names:
            what = "vendor" if kind == "vendor_max_share" else "operator"
            sc.warnings.append(
                f"policies.csv, row {_row(label)}: {what} "
                f"'{name}' matches nothing; the {kind} applies to zero "
                "compute"
            )
    return out


def _chips_without_site(sc: Scenario) -> None:
    """Warn about a chip no site can host (often a typo in ``operators``): it is never used."""
    operators = list(dict.fromkeys(sc.sites["operator"]))
    liquid = set(sc.sites.loc[sc.sites["cooling"] == "liquid", "operator"])
    sites = list(sc.sites["site"])
    for label, chip in zip(sc.chips.index, sc.chips["chip"], strict=True):
        if any(sc.compatible(chip, s) for s in sites):
            continue
        row = sc.chips.loc[label]
        allowed = sorted(sc.chip_operators[chip] or [])
        named = ";".join(allowed) if allowed else "any operator"
        hints = []
        for name in allowed:
            if name not in operators:
                close = difflib.get_close_matches(name, operators, n=1)
                if close:
                    hints.append(f"did you mean '{close[0]}' for '{name}'?")
        if row["cooling"] == "liquid" and not any(o in liquid for o in allowed or operators):
            hints.append("no site of those operators has liquid cooling")
        hint = f" ({'; '.join(hints)})" if hints else ""
        sc.warnings.append(
            f"chips.csv, row {_row(label)}: chip '{chip}' (operators {named}, cooling "
            f"{row['cooling']}) fits no site, so it is never bought; operators with sites: "
            f"{', '.join(operators) or 'none'}{hint}"
        )


def _sites_without_power(sc: Scenario) -> None:
    """Warn about a site with no site_power.csv rows and no builds: it can never host a chip."""
    powered = set(sc.site_power["site"])
    sites = sc.sites
    for label, site, most in zip(sites.index, sites["site"], sites["max_build_mw"], strict=True):
        if site in powered or most > 0:
            continue
        close = difflib.get_close_matches(str(site), sorted(powered), n=1)
        hint = f" (did you mean '{close[0]}' in site_power.csv?)" if close else ""
        sc.warnings.append(
            f"sites.csv, row {_row(label)}: site '{site}' has no rows in "
            f"site_power.csv and cannot build, so it has no power and is never used{hint}"
        )
