"""Input problems: what is wrong and where (file, spreadsheet row, column)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One input problem. ``row`` is the row number a spreadsheet shows (header = 1)."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            kind = "key" if self.file.endswith((".yaml", ".yml")) else "column"
            where += f", {kind} '{self.column}'"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """The scenario (or an override) is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem], context: str = "") -> None:
        self.problems = problems
        self.context = context
        head = f"{context}: " if context else ""
        super().__init__(head + "; ".join(str(p) for p in problems))
