"""Write a results folder safely: into a temporary sibling folder, then renamed into place.

An interrupted run (Ctrl-C, kill) leaves any earlier results untouched; a finished run
replaces them whole. Only a folder chipalloc wrote (``manifest.json`` with a ``"chipalloc"``
key) is ever replaced, never a file or a folder holding the inputs (``check_target``).
Text cells that a spreadsheet would read as a formula are escaped.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable
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


MARKER = "manifest.json"
"""Every results folder chipalloc writes holds ``manifest.json`` with a ``"chipalloc"`` key:
the mark that lets ``--force`` replace it (and a backup of it be restored)."""


class RefusedTarget(Exception):
    """The output path may not be written or replaced; the message says what and why."""


class PartialBackupWarning(UserWarning):
    """A backup a killed run was deleting is left alone, never restored."""


def is_ours(folder: Path) -> bool:
    """True if ``folder`` is a folder whose ``manifest.json`` has a ``"chipalloc"`` key.

    Only a regular file of at most 16 MB is read (a FIFO or device there never blocks).
    """
    marker = Path(folder) / MARKER
    try:
        if not marker.is_file() or marker.stat().st_size > 16 * 2**20:
            return False
        doc = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and "chipalloc" in doc


def check_target(target: Path, force: bool, protect: Iterable[Path] = ()) -> None:
    """Refuse an output path before anything is written; raise ``RefusedTarget`` or
    ``FileExistsError``.

    The rules: an existing path is replaced only with ``force``, and only if it is a folder
    chipalloc wrote (``is_ours``); never a file, and never a folder that is or contains one
    of ``protect`` (the scenario folder, the overrides or spec file).
    """
    target = Path(target)
    resolved = target.resolve()
    for path in protect:
        inside = Path(path).resolve()
        if inside == resolved or resolved in inside.parents:
            raise RefusedTarget(f"refusing to write {target}: it is or contains the input {path}")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise RefusedTarget(f"refusing to write {target}: {parent} is a file, not a folder")
            break
    if not (target.exists() or target.is_symlink()):
        return
    if not force:
        raise FileExistsError(f"{target} exists; use --force to replace it")
    if not target.is_dir() or target.is_symlink():
        raise RefusedTarget(f"refusing --force: {target} is not a folder")
    if not is_ours(target):
        raise RefusedTarget(
            f"refusing --force: {target} was not written by chipalloc (no {MARKER})"
        )


def write_folder(
    target: Path,
    tables: dict[str, pd.DataFrame],
    documents: dict[str, Any],
    force: bool,
    verify: Callable[[Path], list[str]] | None = None,
    protect: Iterable[Path] = (),
    files: dict[str, bytes] | None = None,
) -> None:
    """Write ``<name>.csv`` for each table and ``<name>.json`` for each document, atomically.

    ``files`` maps ``subfolder/name`` to bytes written as they are (the results folders of
    ``chipalloc alternatives``); each part of the path must be a plain name.

    ``manifest.json`` is always written and always carries a ``"chipalloc"`` key (the
    version), so the folder can later be told apart from one chipalloc did not write.
    ``check_target`` decides whether ``target`` may be written or replaced. ``verify`` reads
    the staged folder; any problem it returns aborts the write.
    """
    target = Path(target)
    restore_interrupted(target)
    check_target(target, force, protect)
    manifest = documents.get("manifest")
    manifest = dict(manifest) if isinstance(manifest, dict) else {}
    manifest.setdefault("chipalloc", package_version("chipalloc"))
    documents = {**documents, "manifest": manifest}
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, frame in tables.items():
            safe_text(frame).to_csv(staging / f"{name}.csv", index=False, lineterminator="\n")
        for name, doc in documents.items():
            text = json.dumps(doc, indent=2, sort_keys=False, default=_json_default)
            (staging / f"{name}.json").write_text(text + "\n")
        for name, data in (files or {}).items():
            parts = name.split("/")
            if any(not p or p in (".", "..") or "\\" in p for p in parts):
                raise ValueError(f"not a plain relative path: {name!r}")
            path = staging.joinpath(*parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        problems = verify(staging) if verify else []
        if problems:
            raise CheckFailed(problems)
        _replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def restore_interrupted(target: Path) -> None:
    """Put back results a killed run had set aside but not yet replaced.

    ``_replace`` renames the old folder to ``.<name>.old-<pid>-<n>`` and then the new one into
    place; a kill between the two renames leaves no ``target``. A backup is whole by
    construction (one atomic rename of a whole folder); before it is deleted it is renamed
    to ``.<name>.partial-...``, so a kill during the deletion can never leave a partial
    folder under the backup name. The newest backup that is ours (``is_ours``) is renamed
    back; partial ones, and backups without our manifest, are left alone with a
    ``PartialBackupWarning``, never restored.
    """
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return
    for partial in sorted(parent.glob(f".{glob.escape(target.name)}.partial-*")):
        warnings.warn(
            f"{partial} is a backup a killed run was deleting; it is incomplete and was "
            "not restored (remove it when you no longer need it)",
            PartialBackupWarning,
            stacklevel=2,
        )
    if target.exists() or target.is_symlink():
        return
    backups = [
        p
        for p in parent.glob(f".{glob.escape(target.name)}.old-*")
        if p.is_dir() and not p.is_symlink()
    ]
    whole = sorted((p for p in backups if is_ours(p)), key=lambda p: p.stat().st_mtime)
    for backup in backups:
        if backup not in whole:
            warnings.warn(
                f"{backup} is not a whole results folder of chipalloc (no {MARKER}); it was "
                "not restored",
                PartialBackupWarning,
                stacklevel=2,
            )
    if whole:
        whole[-1].rename(target)


def _aside(target: Path, kind: str) -> Path:
    """A free sibling name ``.<name>.<kind>-<pid>-<n>``."""
    n = 0
    while True:
        path = target.with_name(f".{target.name}.{kind}-{os.getpid()}-{n}")
        if not (path.exists() or path.is_symlink()):
            return path
        n += 1


def _replace(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``; an old ``target`` is set aside first, then removed.

    The old folder is renamed to a backup name (whole, restorable), the new one renamed into
    place, then the backup renamed to a ``partial`` name before it is deleted.
    """
    old = None
    if target.exists():
        old = _aside(target, "old")
        target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        doomed = _aside(target, "partial")
        old.rename(doomed)
        shutil.rmtree(doomed, ignore_errors=True)


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


SLUG_LENGTH = 64


def slug(name: Any) -> str:
    """A safe folder name from a scenario name; empty if nothing safe is left.

    Only letters, digits and ``-_.`` are kept (any run of other characters, path separators
    included, becomes one ``-``); leading dots and dashes are dropped (no ``.``, ``..`` or
    hidden folder); at most 64 characters.
    """
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name))
    text = text.lstrip(".-")[:SLUG_LENGTH].rstrip("-")
    return text
