"""A futures file (MODEL.md section 8): several possible futures of one scenario.

```yaml
commit_through: 2026Q2        # decisions of every period up to this one are common
overrides: variants.yaml      # optional, relative to this file (default: the scenario's)
reference: on_plan            # optional (default: the first future)
risk: {measure: expected}     # expected | worst_case | cvar (alpha, weight)
futures:
  on_plan:        {probability: 0.5}
  fairwater_late: {probability: 0.5, variants: [fairwater_late]}
```

Each future's scenario is the base with its variants applied in order (section 5). Rules,
each breach a ``ScenarioError`` naming the file and the future: at least one future;
probabilities p_f > 0 with |sum p_f - 1| <= 1e-9; every variant exists and applies; every
future has the same period labels (in order), chips, sites, compatible pairs and objective
as the first; commit_through and reference exist; measure is expected, worst_case or cvar;
cvar needs 0 < alpha < 1 and 0 <= weight <= 1 and a min_cost scenario. Futures whose data of
committed periods (p <= commit_through) differ are named in a warning (not an error: the
commitments are then made before that difference is known, which is what hedging is for).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import limits
from .discrete import campus_of, cluster_window, fabric_chips
from .overrides import apply_variant, load_overrides
from .problems import Problem, ScenarioError
from .scenario import Scenario, take_or_pay_sites

MEASURES = ("expected", "worst_case", "cvar")
PROBABILITY_TOLERANCE = 1e-9
PERIOD_TABLES = ("periods", "chip_supply", "site_power")
"""Tables keyed by period: their committed rows are compared between futures."""


@dataclass
class Future:
    """One future: its name, probability pi_f, variants and the scenario they make."""

    name: str
    probability: float
    variants: list[str]
    scenario: Scenario


@dataclass
class Futures:
    """A read and checked futures file."""

    path: Path
    futures: list[Future]
    commit_through: str
    reference: str
    measure: str = "expected"
    alpha: float | None = None
    weight: float | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.futures]

    @property
    def committed(self) -> list[str]:
        """Period labels up to and including commit_through, in order."""
        labels = self.futures[0].scenario.period_labels
        return labels[: labels.index(self.commit_through) + 1]

    def __getitem__(self, name: str) -> Future:
        return next(f for f in self.futures if f.name == name)


def _error(path: Path, message: str, future: str | None = None) -> ScenarioError:
    head = f"future '{future}': " if future is not None else ""
    return ScenarioError([Problem(path.name, head + message)], context=str(path))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def load_futures(
    base: Scenario,
    path: str | Path,
    measure: str | None = None,
    alpha: float | None = None,
    weight: float | None = None,
) -> Futures:
    """Read ``path`` (a futures YAML), apply each future's variants to ``base`` and check the
    rules of the module docstring. ``measure``, ``alpha`` and ``weight`` (the CLI's --risk,
    --alpha, --weight) win over the file's risk block."""
    path = Path(path)
    notes: list[str] = []
    if not path.is_file():
        raise _error(path, "futures file not found")
    try:
        raw = limits.load_yaml_file(path, warnings=notes)
    except limits.InputError as err:
        raise _error(path, str(err)) from None
    if not isinstance(raw, dict):
        raise _error(path, "must be a mapping with commit_through and futures")
    unknown = sorted(
        set(map(str, raw)) - {"commit_through", "overrides", "reference", "risk", "futures"}
    )
    if unknown:
        raise _error(path, f"unknown key(s): {', '.join(unknown)}")
    entries = raw.get("futures")
    if not isinstance(entries, dict) or not entries:
        raise _error(path, "futures: at least one future is needed (a mapping name -> entry)")
    labels = base.period_labels
    commit = raw.get("commit_through")
    if commit is None:
        raise _error(path, "commit_through is required (the last period decided now)")
    commit = str(commit)
    if commit not in labels:
        raise _error(path, f"commit_through '{limits.excerpt(commit, 40)}' is not a period")
    risk = raw.get("risk") or {}
    if not isinstance(risk, dict):
        raise _error(path, "risk must be a mapping {measure, alpha, weight}")
    measure = measure or str(risk.get("measure", "expected"))
    if measure not in MEASURES:
        raise _error(path, f"risk measure '{measure}' is not one of {', '.join(MEASURES)}")
    if measure == "cvar":
        alpha = _number(risk.get("alpha")) if alpha is None else alpha
        weight = _number(risk.get("weight")) if weight is None else weight
        if alpha is None or not 0 < alpha < 1:
            raise _error(path, "cvar needs alpha with 0 < alpha < 1")
        if weight is None or not 0 <= weight <= 1:
            raise _error(path, "cvar needs weight with 0 <= weight <= 1")
        if base.settings.objective == "max_compute":
            raise _error(path, "cvar is for min_cost scenarios only (the objective is max_compute)")
    else:
        alpha = weight = None
    overrides = raw.get("overrides")
    if overrides is not None:
        overrides_path = path.parent / str(overrides)
    else:
        overrides_path = Path(base.source) / "variants.yaml"
    edits: dict[str, list] | None = None

    futures: list[Future] = []
    total = 0.0
    for name, entry in entries.items():
        name = str(name)
        if entry is None:
            entry = {}
        if not isinstance(entry, dict):
            raise _error(path, "must be a mapping {probability, variants}", name)
        extra = sorted(set(map(str, entry)) - {"probability", "variants"})
        if extra:
            raise _error(path, f"unknown key(s): {', '.join(extra)}", name)
        probability = _number(entry.get("probability"))
        if probability is None or not probability > 0 or probability != probability:
            raise _error(path, "probability must be a number > 0", name)
        total += probability
        variants = entry.get("variants") or []
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            raise _error(path, "variants must be a list of variant names", name)
        scenario = base
        if variants:
            if edits is None:
                try:
                    edits = load_overrides(overrides_path, notes)
                except ScenarioError as err:
                    raise ScenarioError(
                        err.problems, context=f"{path}: future '{name}' (overrides)"
                    ) from None
            for variant in variants:
                if variant not in edits:
                    known = ", ".join(sorted(edits)) or "none"
                    raise _error(
                        path,
                        f"unknown variant '{variant}' in {overrides_path.name} (known: {known})",
                        name,
                    )
                try:
                    scenario = apply_variant(scenario, edits, variant)
                except ScenarioError as err:
                    where = f"{path}: future '{name}', {err.context or f'variant {variant!r}'}"
                    raise ScenarioError(err.problems, context=where) from None
        futures.append(Future(name, probability, list(variants), scenario))
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise _error(path, f"probabilities sum to {total:.12g}, not 1")
    reference = str(raw.get("reference", futures[0].name))
    if reference not in {f.name for f in futures}:
        raise _error(path, f"reference '{limits.excerpt(reference, 40)}' is not a future")
    first = futures[0]
    for future in futures[1:]:
        difference = set_difference(first.scenario, future.scenario)
        if difference:
            raise _error(
                path,
                f"changes {difference} of future '{first.name}' (futures may differ in "
                "numbers only)",
                future.name,
            )
    result = Futures(path, futures, commit, reference, measure, alpha, weight, notes)
    result.warnings.extend(committed_differences(result))
    return result


def set_difference(a: Scenario, b: Scenario) -> str:
    """What of the sets differs between two scenarios ('' if nothing): periods (labels and
    order), chips, sites, compatible pairs, campuses, clusters and their windows, fabrics,
    take_or_pay sites (MODEL.md sections 7 and 9), objective."""
    checks = (
        ("the periods", a.period_labels, b.period_labels),
        ("the chips", list(a.chips["chip"]), list(b.chips["chip"])),
        ("the sites", list(a.sites["site"]), list(b.sites["site"])),
        ("the compatible pairs", a.compatible_pairs, b.compatible_pairs),
        ("the campuses", _campuses(a), _campuses(b)),
        ("the clusters and their windows", _clusters(a), _clusters(b)),
        ("the fabrics", _fabrics(a), _fabrics(b)),
        ("the take_or_pay sites", take_or_pay_sites(a), take_or_pay_sites(b)),
        ("the objective", a.settings.objective, b.settings.objective),
    )
    for what, x, y in checks:
        if x != y:
            if isinstance(x, list):
                gone = [v for v in x if v not in y][:3]
                new = [v for v in y if v not in x][:3]
                detail = (
                    "; ".join(
                        part
                        for part in (
                            f"without {', '.join(map(str, gone))}" if gone else "",
                            f"with {', '.join(map(str, new))}" if new else "",
                        )
                        if part
                    )
                    or "in another order"
                )
            else:
                detail = f"{y} instead of {x}"
            return f"{what} ({limits.excerpt(detail, 200)})"
    return ""


def _campuses(sc: Scenario) -> list[str]:
    """site=campus for every site (a site with no campus is its own)."""
    return [f"{s}={g}" for s, g in campus_of(sc).items()]


def _clusters(sc: Scenario) -> list[str]:
    """cluster from..to for every cluster of clusters.csv."""
    frame = sc.tables.get("clusters")
    if frame is None or frame.empty:
        return []
    out = []
    for row in frame.to_dict("records"):
        window = cluster_window(sc, row)
        out.append(f"{row['cluster']} {window[0]}..{window[-1]}" if window else str(row["cluster"]))
    return out


def _fabrics(sc: Scenario) -> list[str]:
    """Every fabric of fabrics.csv."""
    return sorted(fabric_chips(sc))


def _committed_rows(sc: Scenario, table: str, committed: set[str]) -> pd.DataFrame:
    frame = sc.tables.get(table)
    if frame is None or "period" not in frame.columns:
        return pd.DataFrame()
    rows = frame[frame["period"].astype(str).isin(committed)]
    keys = [c for c in ("period", "chip", "site") if c in rows.columns]
    return rows.sort_values(keys).reset_index(drop=True)


def committed_differences(futures: Futures) -> list[str]:
    """Warnings naming futures whose data of committed periods differ from the first's."""
    committed = set(futures.committed)
    first = futures.futures[0]
    reference = {
        table: _committed_rows(first.scenario, table, committed) for table in PERIOD_TABLES
    }
    out = []
    for future in futures.futures[1:]:
        periods = set()
        for table in PERIOD_TABLES:
            if future.scenario.tables.get(table) is first.scenario.tables.get(table):
                continue  # a table no variant of either future edits
            a = reference[table]
            b = _committed_rows(future.scenario, table, committed)
            if a.equals(b):  # the common case, and then every row is equal
                continue
            if a.shape != b.shape or list(a.columns) != list(b.columns):
                periods |= set(a.get("period", [])) | set(b.get("period", []))
                continue
            for i in range(len(a)):
                if not a.iloc[i].equals(b.iloc[i]):
                    periods.add(str(a.iloc[i]["period"]))
        if periods:
            shown = [p for p in futures.committed if p in periods]
            out.append(
                f"{futures.path.name}: futures '{first.name}' and '{future.name}' differ in the "
                f"data of committed period(s) {', '.join(shown)} (decided before the difference "
                "is known)"
            )
    return out
