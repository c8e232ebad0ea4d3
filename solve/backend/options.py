"""What the planner can set for a solve, and the HiGHS options each method stands for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

METHODS = ("choose", "simplex", "ipm", "ipm-nox", "pdlp")
"""--method values. ``choose`` picks by the model's size and the state of HiGHS (below);
``ipm-nox`` is interior point without crossover (no basis: ranging re-solves by simplex)."""

CROSSOVER_MAX_COLS = 300_000
"""Above this many columns ``choose`` skips crossover: at 200x20x120 (686k columns) crossover
took longer than the interior-point solve itself (docs/performance.md)."""


MIP_OPTIONS = {"mip_heuristic_run_root_reduced_cost": False}
"""HiGHS options of every MIP solve (``--highs-option`` wins). HiGHS's root reduced-cost
heuristic (sub-MIPs on the columns the root LP's reduced costs leave free) took most of the
MIP time in our cases: without it the discrete default proved gap 1e-4 in 2.9 s instead of
9.2 s, and the generated 50x10x60 with builds and two clusters in 345 s where 600 s reached
only 2.0e-4 (BENCHMARKS.md, section 7)."""


@dataclass
class SolveOptions:
    """What the planner can set for a solve."""

    time_limit: float | None = None
    threads: int | None = None
    method: str = "choose"
    solver_log: Path | None = None
    highs_options: dict[str, Any] = field(default_factory=dict)
    mip_gap: float = 1e-4
    """The relative gap a MIP must be proved within (HiGHS's ``mip_rel_gap``)."""
    mip_start: bool = True
    """Whether a large MIP starts from chipalloc's rounding of its LP relaxation
    (``mip_start.rounding_start``; run only where ``mip_start.wants_start``)."""
    progress: Callable[[float, float, float, float], None] | None = None
    """Called during a MIP with (incumbent, bound, gap, seconds), objective in model units."""


def resolve_method(method: str, fleet_form: str, has_basis: bool, n_cols: int = 0) -> str:
    """The method ``choose`` stands for (see ``method_options``); others are returned as given."""
    if method != "choose":
        return method
    if has_basis or fleet_form != "recursion":
        return "simplex"
    return "ipm" if n_cols <= CROSSOVER_MAX_COLS else "ipm-nox"


def method_options(
    method: str, fleet_form: str, has_basis: bool, n_cols: int = 0
) -> dict[str, Any]:
    """HiGHS options for a method; ``choose`` picks the fastest measured (BENCHMARKS.md).

    - a re-solve with a valid basis: simplex, warm-started from that basis (primal or dual
      by what changed: ``HighsModel.solve``);
    - the window fleet form (small and medium plans): dual simplex;
    - the recursion fleet form (large plans): interior point, then crossover to a vertex, so
      duals and ranging come from a simplex basis as with simplex; above
      ``CROSSOVER_MAX_COLS`` columns interior point alone (duals from the interior point).
    PDLP gives no basis either.
    """
    method = resolve_method(method, fleet_form, has_basis, n_cols)
    if method == "ipm":
        return {"solver": "ipm", "run_crossover": "on"}
    if method == "ipm-nox":
        return {"solver": "ipm", "run_crossover": "off"}
    return {"solver": method}


def parse_highs_options(texts: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` texts as HiGHS options, each checked by HiGHS itself (name, type,
    range); the value is read as a bool, int or float where it looks like one.

    Raises ValueError naming the first text HiGHS refuses.
    """
    import highspy  # here, not at import: the CLI answers --help without HiGHS

    from chipalloc.solve.backend.highs_model import new_highs

    check = new_highs()
    options: dict[str, Any] = {}
    for text in texts:
        name, sep, raw = (part.strip() for part in text.partition("="))
        if not sep or not name or not raw:
            raise ValueError(f"--highs-option {text!r}: expected NAME=VALUE, e.g. presolve=off")
        value = _option_value(raw)
        if check.setOptionValue(name, value) == highspy.HighsStatus.kError:
            raise ValueError(
                f"--highs-option {text!r}: HiGHS has no such option or refuses the value"
            )
        options[name] = value
    return options


def _option_value(raw: str) -> bool | int | float | str:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw
