"""The default scenario as files: data/base/, and with its discrete features (MODEL.md section 7).

data/base/ is the default scenario, an LP. data/base/discrete/ holds only what section 7 adds
to it: clusters.csv and fabrics.csv, the discrete columns of chips.csv and sites.csv with the
table's key (chip, site), the variants that use them, their provenance rows and SOURCES.md.
``discrete_default`` joins the two into the files of one scenario folder, named
``base-discrete``; ``write_files`` writes such files into a new folder (``chipalloc init``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from .load import BASE_DIR
from .schema import TABLES

DISCRETE_DIR = BASE_DIR / "discrete"
"""The discrete features of the default scenario (its facts only, not a scenario folder)."""
DISCRETE_NAME = "base-discrete"
PROVENANCE = "provenance.csv"
KEYS = {spec.file: list(spec.keys) for spec in TABLES.values()}
"""A table's file -> its key columns: a discrete file of a base table joins on them."""


def _files(folder: Path) -> dict[str, bytes]:
    """The regular files of ``folder`` by name (its subfolders are not part of it)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def base_files() -> dict[str, bytes]:
    """The files of the default scenario, data/base/ (without data/base/discrete/)."""
    return _files(BASE_DIR)


def discrete_default() -> dict[str, bytes]:
    """The files of the default scenario with its discrete features, by name.

    data/base's files, where chips.csv and sites.csv gain the discrete columns (joined on
    the key; every base row and cell kept as it is), clusters.csv and fabrics.csv are added,
    provenance.csv gains the discrete rows, variants.yaml and SOURCES.md continue with the
    discrete ones, and scenario.yaml is named ``base-discrete``.
    """
    files = base_files()
    for name, data in _files(DISCRETE_DIR).items():
        if name not in files:
            files[name] = data
        elif name == PROVENANCE:
            files[name] = _csv(pd.concat([_frame(files[name]), _frame(data)], ignore_index=True))
        elif name in KEYS:
            files[name] = _csv(_join(_frame(files[name]), _frame(data), KEYS[name]))
        else:
            files[name] = files[name] + b"\n" + data
    files["scenario.yaml"] = _named(files["scenario.yaml"], DISCRETE_NAME)
    return files


def write_discrete_default(folder: str | Path, force: bool = False) -> Path:
    """Write the default scenario with its discrete features into ``folder`` (``write_files``)."""
    return write_files(Path(folder), discrete_default(), force)


def write_files(folder: Path, files: dict[str, bytes], force: bool = False) -> Path:
    """Write ``files`` into ``folder``, a new or empty folder (or, with ``force``, any folder:
    its files of the same names are replaced, the others kept).

    A file at ``folder`` is refused, and never replaced, and so is a non-empty folder without
    ``force`` (FileExistsError, nothing written). The files are written to a temporary folder
    first, then that folder is renamed into place, or in an existing folder each file is
    moved over its namesake, so an interrupted write leaves no half-written file.
    """
    if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
        raise FileExistsError(f"{folder} is a file, not a folder; nothing was written")
    if folder.exists() and any(folder.iterdir()) and not force:
        raise FileExistsError(f"{folder} exists and is not empty; use --force")
    fresh = not folder.exists()
    parent = folder.parent if fresh else folder
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if fresh:
            staging.rename(folder)
        else:
            for name in files:
                os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _frame(data: bytes) -> pd.DataFrame:
    """A CSV's cells as the text they are (no number parsing, empty cells stay "")."""
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _join(base: pd.DataFrame, extra: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``base`` with the columns of ``extra`` by key: base's rows in base's order, a row
    ``extra`` does not list left empty. A key twice or a column in both is an error."""
    joined = base.merge(extra, on=keys, how="left", validate="one_to_one", suffixes=(None, None))
    added = [c for c in extra.columns if c not in keys]
    joined[added] = joined[added].fillna("")
    return joined


def _named(data: bytes, name: str) -> bytes:
    """scenario.yaml with its ``name:`` line set to ``name`` (comments and layout kept)."""
    text = re.sub(r"^name:.*$", f"name: {name}", data.decode("utf-8"), count=1, flags=re.M)
    return text.encode("utf-8")
