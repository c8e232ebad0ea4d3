"""``chipalloc export RESULTS_DIR``: results.xlsx from an existing solve results folder.

Exit status: 0 written; 2 the folder is not a solve results folder; 1 any other failure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chipalloc.solve.cli.common import DebugOpt, console, fail, guard, printable


def export(
    results: Annotated[Path, typer.Argument(help="Results folder of chipalloc solve.")],
    out: Annotated[
        Path | None, typer.Option(help="Workbook to write [default: RESULTS/results.xlsx].")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Write an Excel workbook of a results folder: one sheet per table, units in headers."""
    guard(debug, lambda: _export(results, out))


def _export(results: Path, out: Path | None) -> None:
    from chipalloc.solve.api import export as api_export

    if not (results / "summary.json").is_file():
        raise fail(
            "invalid", printable(f"{results} is not a solve results folder (no summary.json)")
        )
    path = api_export(results, out)
    console.print(f"Workbook written to [bold]{printable(str(path))}[/]")
