"""``chipalloc report RESULTS_DIR``: report.html and PNG charts for a results folder.

Exit status: 0 written; 2 the folder is not a readable results folder (the message names
the file, row and column); 1 any other failure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chipalloc.solve.cli.common import EXIT, DebugOpt, console, err, guard, printable


def report_folder(folder: Path, png: bool = True) -> None:
    """Write the report of ``folder`` and say where; an unreadable folder exits with 2.

    The hook for ``--report`` on solve, compare and sweep: call it after the folder is written.
    """
    from chipalloc.solve.report.data import ReportError
    from chipalloc.solve.report.html import write_report

    try:
        report = write_report(folder, png=png)
    except ReportError as error:
        err.print(f"[bold red]invalid[/]: {printable(str(error))}", soft_wrap=True)
        raise typer.Exit(EXIT["invalid"]) from None
    for warning in report.warnings:
        err.print(f"[yellow]warning[/]: {printable(warning)}", soft_wrap=True)
    console.print(f"Report ({report.kind}) written to [bold]{printable(str(report.html))}[/]")
    if report.pngs:
        count = len(report.pngs)
        console.print(
            f"{count} PNG chart{'' if count == 1 else 's'} in "
            f"[bold]{printable(str(report.pngs[0].parent))}[/]"
        )


def report(
    results: Annotated[
        Path, typer.Argument(help="Results folder of solve, compare, sweep or tornado.")
    ],
    png: Annotated[
        bool, typer.Option("--png/--no-png", help="Also write charts/*.png (matplotlib).")
    ] = True,
    debug: DebugOpt = False,
) -> None:
    """Write report.html (self-contained, opens offline) and PNG charts into RESULTS."""
    guard(debug, lambda: report_folder(results, png))
