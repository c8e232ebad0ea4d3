"""chipalloc: plan which AI accelerators to buy, when and where (a Pyomo + HiGHS LP).

The Python API (docs/api.md)::

    import chipalloc
    result = chipalloc.solve()          # the embedded base scenario; or a folder, a Scenario
    result.plan                         # plan.csv as a pandas DataFrame
    chipalloc.sweep(edits=[...])        # sweep.csv as a DataFrame

Names load on first use (``chipalloc.solve.api``), so ``import chipalloc`` and the
``chipalloc`` command stay fast. ``chipalloc.solve`` is both the subpackage and callable:
``chipalloc.solve(...)`` is ``chipalloc.solve.api.solve(...)`` (see solve/__init__.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from chipalloc.solve.api import (
        NoPlan,
        Result,
        compare,
        export,
        load,
        sweep,
        tornado,
    )

__all__ = ["NoPlan", "Result", "compare", "export", "load", "solve", "sweep", "tornado"]


def __getattr__(name: str) -> Any:
    """``chipalloc.<name>`` for a name of the API, imported on first use."""
    if name in ("data", "model", "solve"):
        return importlib.import_module(f"chipalloc.{name}")
    api = importlib.import_module("chipalloc.solve.api")
    if name in api.PUBLIC:
        return getattr(api, name)
    raise AttributeError(f"module 'chipalloc' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, "data", "model"})
