"""Write a results folder safely: into a temporary sibling folder, then renamed into place.

An interrupted run (Ctrl-C, kill) leaves any earlier results untouched; a finished run
replaces them whole. Text cells that a spreadsheet would read as a formula are escaped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
"""Prefixed to a text cell a spreadsheet would read as a formula, and to one already
starting with it, so the escaping is reversible: ``unescape_cell`` drops exactly one."""


def safe_cell(value: Any) -> Any:
    """A text cell starting with = + - @ (or tab, CR) gets a leading ' so no formula runs.

    A cell already starting with ' gets one too, so ``=x`` and ``'=x`` stay distinct
    (``'=x`` and ``''=x``) and ``unescape_cell`` gives back the original.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, ESCAPE)):
        return ESCAPE + value
    return value


def unescape_cell(value: Any) -> Any:
    """The inverse of ``safe_cell``: one leading ' removed from a text cell."""
    if isinstance(value, str) and value.startswith(ESCAPE):
        return value[len(ESCAPE) :]
    return value


def safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``safe_cell`` applied to every text column (a column's distinct values are checked
    first: names repeat, so most columns need no change)."""
    out = frame
    for column in frame.columns:
        text = frame[column]
        if text.dtype != object and not pd.api.types.is_string_dtype(text):
            continue
        if any(safe_cell(v) is not v for v in pd.unique(text)):
            out = out.copy() if out is frame else out
            out[column] = text.map(safe_cell)
    return out


class CheckFailed(Exception):
    """The written results break a rule of the model: they are not put in place."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems[:5]))


def write_folder(
    target: Path,
    tables: dict[str, pd.DataFrame],
    documents: dict[str, Any],
    force: bool,
    verify: Callable[[Path], list[str]] | None = None,
) -> None:
    """Write ``<name>.csv`` for each table and ``<name>.json`` for each document, atomically.

    ``verify`` reads the staged folder; any problem it returns aborts the write.
    """
    target = Path(target)
    restore_interrupted(target)
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists (use --force to replace it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, frame in tables.items():
            safe_text(frame).to_csv(staging / f"{name}.csv", index=False, lineterminator="\n")
        for name, doc in documents.items():
            text = json.dumps(doc, indent=2, sort_keys=False, default=_json_default)
            (staging / f"{name}.json").write_text(text + "\n")
        problems = verify(staging) if verify else []
        if problems:
            raise CheckFailed(problems)
        _replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def restore_interrupted(target: Path) -> None:
    """Put back results a killed run had set aside but not yet replaced.

    ``_replace`` renames the old folder to ``.<name>.old-<pid>`` and then the new one into
    place; a kill between the two renames leaves no ``target``. The newest such backup
    is renamed back, so earlier results are never lost.
    """
    backups = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if backups and not target.exists():
        backups[-1].rename(target)


def _replace(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``; an old ``target`` is set aside first, then removed."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def file_hashes(folder: str | Path) -> dict[str, str]:
    """sha256 of every file directly in a scenario folder, by name."""
    folder = Path(folder)
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def package_version(name: str) -> str:
    """Installed version of a distribution, or ``unknown``."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"
