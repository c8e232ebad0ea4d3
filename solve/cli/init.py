"""``chipalloc init FOLDER``: copy the default scenario as a starting point."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from chipalloc.solve.cli.common import DebugOpt, console, fail, guard, printable


def init(
    folder: Annotated[Path, typer.Argument(help="New folder for a copy of the base scenario.")],
    force: Annotated[bool, typer.Option(help="Write into an existing folder.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Copy the default scenario into FOLDER as a starting point.

    FOLDER must be a folder (or not exist): a file there is refused, exit 1, and never
    replaced; a non-empty folder needs --force (its files of the same name are overwritten).
    """
    guard(debug, lambda: _init(folder, force))


def rename_copy(path: Path, name: str) -> None:
    """The copy's ``name`` becomes the folder's name (its own ``results/<name>``), and its
    description points to the sources of the base scenario, which the copy does not hold.

    Line by line, so the file's comments and layout stay as the base has them.
    """
    from chipalloc.solve.results.write import slug

    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    safe = slug(name) or "my-plan"
    out = []
    for line in lines:
        if line.startswith("name:"):
            line = f"name: {safe}\n"
        line = line.replace("DATA_SOURCES.md", "data/base/SOURCES.md in the chipalloc repository")
        out.append(line)
    path.write_text("".join(out), encoding="utf-8")


def _init(folder: Path, force: bool) -> None:
    from chipalloc.data import BASE_DIR

    if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
        raise fail("error", printable(f"{folder} is a file, not a folder; nothing was written"))
    if folder.exists() and any(folder.iterdir()) and not force:
        raise fail("error", printable(f"{folder} exists and is not empty; use --force"))
    shutil.copytree(
        BASE_DIR, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    rename_copy(folder / "scenario.yaml", folder.resolve().name)
    shown = printable(folder)
    console.print(
        f"Copied the base scenario to [bold]{shown}[/]; edit its CSV files, then "
        f"run: chipalloc solve {shown}"
    )
