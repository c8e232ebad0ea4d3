"""``chipalloc init FOLDER``: copy the default scenario as a starting point."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from chipalloc.solve.cli.common import (
    console,
    fail,
)


def init(
    folder: Annotated[Path, typer.Argument(help="New folder for a copy of the base scenario.")],
    force: Annotated[bool, typer.Option(help="Write into an existing folder.")] = False,
) -> None:
    """Copy the default scenario into FOLDER as a starting point."""
    from chipalloc.data import BASE_DIR

    if folder.exists() and any(folder.iterdir()) and not force:
        raise fail("error", f"{folder} exists and is not empty; use --force")
    shutil.copytree(
        BASE_DIR, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    console.print(
        f"Copied the base scenario to [bold]{folder}[/]; edit its CSV files, then "
        f"run: chipalloc solve {folder}"
    )
