"""Sweeps: one edit over a range of values (a line), or two (a grid).

A sweep axis is an edit whose operation holds a list of values (or ``"start:stop:count"``,
count values evenly spaced, both ends included): ``{table: chip_supply, where: {chip: X},
column: unit_cost_usd, scale: [0.8, 1.0, 1.2]}``. Each point is a ``Case`` of the study.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from chipalloc.data.overrides import OPERATIONS
from chipalloc.solve.whatif.study import Case, SpecError


@dataclass
class Axis:
    """One swept edit: the edit without its value, the operation, and the values."""

    edit: dict[str, Any]
    op: str
    values: list[Any]

    def with_value(self, value: Any) -> dict[str, Any]:
        return {**self.edit, self.op: value}

    @property
    def title(self) -> str:
        """``chip_supply[chip=GB200].unit_cost_usd scale``."""
        where = ",".join(f"{k}={v}" for k, v in (self.edit.get("where") or {}).items())
        table = f"{self.edit.get('table')}[{where}]" if where else str(self.edit.get("table"))
        return f"{table}.{self.edit.get('column')} {self.op}"


def parse_axis(edit: Any) -> Axis:
    """An edit whose operation holds a list, a ``start:stop:count`` range, or one value."""
    if not isinstance(edit, dict):
        raise SpecError(f"a sweep axis must be a mapping (an edit), got {edit!r}")
    ops = [op for op in OPERATIONS if op in edit]
    if len(ops) != 1:
        raise SpecError(f"a sweep axis needs exactly one of {', '.join(OPERATIONS)}: {edit}")
    op = ops[0]
    spec = edit[op]
    if isinstance(spec, str) and spec.count(":") == 2:
        try:
            start, stop, count = (float(x) for x in spec.split(":"))
        except ValueError:
            raise SpecError(f"range '{spec}' must be start:stop:count (numbers)") from None
        if count < 1 or not count.is_integer():
            raise SpecError(f"range '{spec}': count must be a whole number >= 1")
        values = [float(v) for v in np.linspace(start, stop, int(count))]
    elif isinstance(spec, list):
        values = spec
    else:
        values = [spec]
    if not values:
        raise SpecError(f"sweep axis {edit} has no values")
    template = {k: v for k, v in edit.items() if k != op}
    return Axis(template, op, values)


def sweep_cases(axes: list[Axis]) -> list[Case]:
    """The points of a line (one axis) or a grid (two), each labelled value_1[, value_2]."""
    if not 1 <= len(axes) <= 2:
        raise SpecError(f"a sweep takes one or two axes, got {len(axes)}")
    cases = []
    for n, values in enumerate(itertools.product(*(a.values for a in axes)), start=1):
        label = {"point": n, **{f"value_{i}": v for i, v in enumerate(values, start=1)}}
        edits = [a.with_value(v) for a, v in zip(axes, values, strict=True)]
        cases.append(Case(label, edits, context=f"sweep point {n}", slopes=True))
    return cases
