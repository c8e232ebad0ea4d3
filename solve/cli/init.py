"""``chipalloc init FOLDER [--discrete]``: copy the default scenario as a starting point."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chipalloc.solve.cli.common import DebugOpt, console, fail, guard, printable


def init(
    folder: Annotated[Path, typer.Argument(help="New folder for a copy of the base scenario.")],
    discrete: Annotated[
        bool,
        typer.Option(
            "--discrete",
            help="The default scenario with its discrete features (campuses, training "
            "clusters, fabrics, one-project builds: a MIP, docs/discrete.md).",
        ),
    ] = False,
    force: Annotated[bool, typer.Option(help="Write into an existing folder.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Copy the default scenario into FOLDER as a starting point.

    With --discrete, the default scenario with its discrete features (MODEL.md section 7).
    FOLDER must be a folder (or not exist): a file there is refused, exit 1, and never
    replaced; a non-empty folder needs --force (its files of the same name are overwritten).
    """
    guard(debug, lambda: _init(folder, discrete, force))


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


def _init(folder: Path, discrete: bool, force: bool) -> None:
    from chipalloc.data.defaults import base_files, discrete_default, write_files

    try:
        write_files(folder, discrete_default() if discrete else base_files(), force)
    except FileExistsError as refused:
        raise fail("error", printable(refused)) from None
    rename_copy(folder / "scenario.yaml", folder.resolve().name)
    shown = printable(folder)
    what = "base scenario with its discrete features" if discrete else "base scenario"
    console.print(
        f"Copied the {what} to [bold]{shown}[/]; edit its CSV files, then "
        f"run: chipalloc solve {shown}"
    )
