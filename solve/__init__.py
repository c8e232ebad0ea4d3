"""Solve the model with HiGHS, read results back, check, export, and the CLI.

This package is also callable: ``chipalloc.solve(...)`` is ``chipalloc.solve.api.solve``
(docs/api.md). ``import chipalloc.solve.pipeline`` binds the name ``solve`` in ``chipalloc``
to this module, so the callable is this module itself: its class is a ``ModuleType``
subclass with ``__call__`` (module ``__class__`` assignment, Python's data model). The API
loads on the first call, so importing the package stays as cheap as before.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    """The ``chipalloc.solve`` package, callable as ``chipalloc.solve.api.solve``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from chipalloc.solve.api import solve

        return solve(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
