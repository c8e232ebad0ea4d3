"""``chipalloc generate``: write a synthetic scenario of any size (see chipalloc.data.generate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chipalloc.solve.cli.common import DebugOpt, console, fail, guard, printable


def generate(
    out: Annotated[Path, typer.Argument(help="New scenario folder to write.")],
    sites: Annotated[int, typer.Option(min=1, help="Number of sites.")] = 50,
    chips: Annotated[int, typer.Option(min=1, help="Number of chip SKUs.")] = 10,
    periods: Annotated[int, typer.Option(min=1, help="Number of quarters.")] = 60,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same files).")] = 0,
    force: Annotated[bool, typer.Option(help="Write into an existing folder.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Write a valid synthetic scenario (format: docs/scenario-format.md) of the given size.

    OUT must be a folder (or not exist): a file there is refused, exit 1, and never replaced.
    """
    from chipalloc.data.generate import Size

    guard(debug, lambda: _generate(out, Size(sites, chips, periods, seed), force))


def _generate(out: Path, size, force: bool) -> None:
    from chipalloc.data.generate import write_generated

    if (out.exists() or out.is_symlink()) and not out.is_dir():
        raise fail("error", printable(f"{out} is a file, not a folder; nothing was written"))
    if out.exists() and any(out.iterdir()) and not force:
        raise fail("error", printable(f"{out} exists and is not empty; use --force"))
    write_generated(out, size)
    shown = printable(out)
    console.print(
        f"Wrote a synthetic scenario ({size.sites} sites, {size.chips} chips, {size.periods} "
        f"quarters, seed {size.seed}) to [bold]{shown}[/]; run: chipalloc solve {shown}"
    )
