"""Input problems: what is wrong and where (file, spreadsheet row, column).

However bad the input, the list stays short (``cap``, limits in ``limits``): the problems of
one file and column are listed up to ``MAX_PROBLEMS_PER_COLUMN``, then one "and M more like
this" line, and at most ``MAX_PROBLEMS`` lines in all. ``ScenarioError.count`` keeps the
number of problems found.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import limits


@dataclass(frozen=True)
class Problem:
    """One input problem. ``row`` is the row number a spreadsheet shows (header = 1).

    ``more`` > 0 marks a summary line standing for that many problems not listed.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    more: int = 0

    def __post_init__(self) -> None:
        if len(self.message) > limits.MAX_MESSAGE_CHARS:
            object.__setattr__(
                self, "message", limits.excerpt(self.message, limits.MAX_MESSAGE_CHARS)
            )

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            kind = "key" if self.file.endswith((".yaml", ".yml")) else "column"
            where += f", {kind} '{self.column}'"
        return f"{where}: {self.message}" if where else self.message


def more_like_this(file: str, column: str | None, n: int) -> Problem:
    return Problem(file, f"and {n:,} more like this", column=column, more=n)


def cap(problems: list[Problem]) -> list[Problem]:
    """The first problems of each file and column, a "more like this" line each, a total cap.

    Idempotent: capping a capped list changes nothing.
    """
    per, last = limits.MAX_PROBLEMS_PER_COLUMN, {}
    seen: dict[tuple, int] = {}
    hidden: dict[tuple, int] = {}
    out: list[Problem] = []
    for p in problems:
        key = (p.file, p.column)
        if not p.more:
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > per:
                hidden[key] = hidden.get(key, 0) + 1
                continue
        out.append(p)
        last[key] = len(out)
    for key in sorted(hidden, key=last.__getitem__, reverse=True):
        out.insert(last[key], more_like_this(key[0], key[1], hidden[key]))
    if len(out) > limits.MAX_PROBLEMS:
        rest = sum(p.more or 1 for p in out[limits.MAX_PROBLEMS :])
        out = out[: limits.MAX_PROBLEMS]
        out.append(Problem("", f"and {rest:,} more problems not listed", more=rest))
    return out


def count(problems: list[Problem]) -> int:
    """How many problems a (capped) list stands for."""
    return sum(p.more or 1 for p in problems)


class ScenarioError(Exception):
    """The scenario (or an override) is invalid; carries every problem found (capped)."""

    def __init__(self, problems: list[Problem], context: str = "") -> None:
        self.problems = cap(problems)
        self.count = count(problems)
        self.context = context
        head = f"{context}: " if context else ""
        super().__init__(head + "; ".join(str(p) for p in self.problems))
