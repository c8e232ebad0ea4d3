"""``chipalloc generate``: write a synthetic scenario of any size (see chipalloc.data.generate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chipalloc.solve.cli.common import console, fail


def generate(
    out: Annotated[Path, typer.Argument(help="New scenario folder to write.")],
    sites: Annotated[int, typer.Option(min=1, help="Number of sites.")] = 50,
    chips: Annotated[int, typer.Option(min=1, help="Number of chip SKUs.")] = 10,
    periods: Annotated[int, typer.Option(min=1, help="Number of quarters.")] = 60,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same files).")] = 0,
    force: Annotated[bool, typer.Option(help="Write into an existing folder.")] = False,
) -> None:
    """Write a valid synthetic scenario (MODEL.md format) of the given size."""
    from chipalloc.data.generate import Size, write_generated

    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise fail("error", f"{out} exists and is not empty; use --force")
    if out.exists() and not out.is_dir():
        raise fail("error", f"{out} is a file, not a folder")
    write_generated(out, Size(sites, chips, periods, seed))
    console.print(
        f"Wrote a synthetic scenario ({sites} sites, {chips} chips, {periods} quarters, "
        f"seed {seed}) to [bold]{out}[/]; run: chipalloc solve {out}"
    )
