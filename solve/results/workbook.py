"""results.xlsx: every results table of a solve as one sheet of an Excel workbook.

One sheet per table (plan, sites, costs, duals, reduced_costs, periods) and ``summary`` as
key/value rows; the header row is frozen and names each column's unit
(``buy_units [accelerators]``, from ``units.UNITS``); numbers are stored as numbers; every
text cell goes through ``write.safe_cell``, so ``=x`` is stored as the text ``'=x`` and no
formula can run. Written with openpyxl.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from chipalloc.solve.results.units import header
from chipalloc.solve.results.write import safe_cell

SHEETS = ("plan", "sites", "costs", "duals", "reduced_costs", "periods")
"""Sheet order; further tables of a results folder follow in name order."""
MAX_WIDTH = 40


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, int | float):
        return value
    return safe_cell(str(value))


def _flat(summary: dict[str, Any]) -> list[tuple[str, Any]]:
    rows = []
    for key, value in summary.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, default=str)
        rows.append((str(key), value))
    return rows


def write_workbook(path: str | Path, tables: dict[str, pd.DataFrame], summary: dict) -> Path:
    """Write ``tables`` and ``summary`` to ``path`` (atomically: a temporary file renamed)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    book = Workbook()
    book.remove(book.active)
    names = [n for n in SHEETS if n in tables] + sorted(n for n in tables if n not in SHEETS)
    bold = Font(bold=True)
    for name in names:
        frame = tables[name]
        sheet = book.create_sheet(name[:31])
        sheet.append([safe_cell(header(name, str(c))) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_cell(v) for v in row])
        _finish(sheet, bold, [header(name, str(c)) for c in frame.columns])
    sheet = book.create_sheet("summary")
    sheet.append(["key", "value"])
    for key, value in _flat(summary):
        sheet.append([safe_cell(key), _cell(value)])
    _finish(sheet, bold, ["key", "value"])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(prefix=".results-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        book.save(staged)
        os.replace(staged, path)
    finally:
        if os.path.exists(staged):
            os.unlink(staged)
    return path


def _finish(sheet, bold, headers: list[str]) -> None:
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "A2"
    for i, text in enumerate(headers, start=1):
        sheet.cell(row=1, column=i).font = bold
        sheet.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, len(text) + 2)


def export_folder(folder: Path, out: Path | None = None) -> Path:
    """results.xlsx from a results folder written by ``chipalloc solve`` (its CSV files)."""
    from chipalloc.solve.results.write import unescape_cell

    if not (folder / "summary.json").is_file():
        raise FileNotFoundError(f"{folder} is not a solve results folder (no summary.json)")
    summary = json.loads((folder / "summary.json").read_text())
    tables = {}
    for csv in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(csv, keep_default_na=False, na_values=[""])
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].map(unescape_cell)
        tables[csv.stem] = frame
    return write_workbook(out or folder / "results.xlsx", tables, summary)
