"""What the rest of chipalloc knows about each constraint and variable family.

Each family module (``power.py``, ``supply.py``, ...) declares a ``FamilySpec`` beside the
function that defines its rows; ``families.py`` collects them into ``FAMILIES``. Every
listing of families elsewhere (explanation order, sentences, shortfall limits, shadow price
tables, what-if slopes, report phrases) reads these specs.

Words functions take plain values in MODEL.md units:

- ``conflict(at, c)``: ``at`` maps index names to labels (``{"site": "A", "period": "P0"}``);
  ``c`` holds ``bound`` (the row's limit), ``fixed`` (the part no decision changes),
  ``reach`` (the best the other conflicting rows allow for the left-hand side, or None),
  ``built`` (power only: the most MW new builds can add, or None) and ``value`` (the
  policy share of the row, or None);
- ``limit(at, bound, value)``: a binding row stuck at ``bound`` (capacity for power), with
  ``value`` the policy share where there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .words import need, number

ConflictWords = Callable[[dict, dict], str]
LimitWords = Callable[[dict, float, "float | None"], str]


@dataclass(frozen=True)
class FamilySpec:
    """One constraint family: ``scale`` converts one model unit of the row to ``unit``.

    - ``rank``: position in an explanation of an impossible plan (smaller first: what the
      scenario asks for, then the limits it meets);
    - ``internal``: bookkeeping rows (never the planner's conflict, not in duals.csv);
    - ``shortfall``: listed among the binding limits behind unmet demand;
    - ``share``: a policy share row, one share point of it is 1% of the period's compute;
    - ``capacity``: the row's limit is a site's MW, which builds (``built_mw``) extend;
    - ``summary``: the report's phrase for a binding row and the duals.csv column naming
      what is limited (None: listed by period), or None when the report omits the family.
    """

    name: str
    index: tuple[str, ...]
    unit: str
    scale: float
    rank: int
    conflict: ConflictWords | None = None
    limit: LimitWords | None = None
    summary: tuple[str, str | None] | None = None
    internal: bool = False
    shortfall: bool = False
    share: bool = False
    capacity: bool = False

    def at(self, index: tuple) -> dict:
        """Index names to labels: ``{"site": "A", "period": "P0"}``."""
        return dict(zip(self.index, index, strict=True))

    def say_conflict(self, index: tuple, c: dict) -> str:
        """The planner's sentence for one conflicting row (generic without ``conflict``)."""
        at = self.at(index)
        if self.conflict is not None:
            return self.conflict(at, c)
        return (
            f"{self.name} at {at}: {number(need(c))} {self.unit} against a limit of "
            f"{number(c['bound'])} {self.unit}"
        )

    def say_limit(self, index: tuple, bound: float, value: float | None) -> str:
        """A binding limit in words (generic without ``limit``)."""
        if self.limit is not None:
            return self.limit(self.at(index), bound, value)
        return f"{self.name} at {self.at(index)}: at {number(bound)} {self.unit}"


@dataclass(frozen=True)
class VariableSpec:
    """One variable family: MODEL.md index and ``scale`` MODEL.md units per model unit.

    ``internal`` variables (fleet in the recursion form) are bookkeeping: they are not in
    the ranging report. ``capacity`` variables (build) add MW to ``capacity`` rows.
    ``unit_price``: the objective coefficient is a price per accelerator (unit_cost_usd
    times d_p a_k,p), which ranging also reports in USD per accelerator (buy).
    """

    name: str
    index: tuple[str, ...]
    unit: str
    scale: float
    internal: bool = False
    capacity: bool = False
    unit_price: bool = False
