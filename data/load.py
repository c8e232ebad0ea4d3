"""Read a scenario folder (CSV files + scenario.yaml) into a validated ``Scenario``.

Reading collects every problem it finds (unreadable file, bad encoding, missing or
duplicated column, bad cell) before halting, so a planner fixes them in one pass.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, TypeAdapter, ValidationError

from . import limits
from .problems import Problem, ScenarioError, more_like_this
from .scenario import Scenario
from .schema import TABLES, Settings, TableSpec
from .validate import check_scenario

BASE_DIR = Path(__file__).parent / "base"
"""The default scenario shipped with the package."""


def load_scenario(folder: str | Path) -> Scenario:
    """Load and validate the scenario in ``folder``; raise ``ScenarioError`` with every problem.

    A file that cannot be read does not hide the cell problems of the others; only the
    cross-table rules wait until every file has been read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), "is not a scenario folder (no such directory)")])
    problems: list[Problem] = []
    raw: dict[str, pd.DataFrame] = {}
    for spec in TABLES.values():
        path = folder / spec.file
        if not path.exists():
            if spec.required:
                problems.append(Problem(spec.file, "required file is missing"))
            raw[spec.name] = pd.DataFrame(columns=spec.columns, dtype=object)
            continue
        frame = read_csv(path, problems)
        if frame is not None:
            raw[spec.name] = frame
    yaml_warnings: list[str] = []
    settings = read_yaml(folder / "scenario.yaml", problems, yaml_warnings)
    if problems:
        for name, frame in raw.items():
            validate_table(TABLES[name], frame, problems)
        validate_settings(settings, problems, [])
        raise ScenarioError(problems)
    settings.setdefault("name", folder.resolve().name)
    scenario = build_scenario(raw, settings, source=str(folder))
    scenario.warnings[:0] = yaml_warnings
    return scenario


def read_csv(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """A CSV as a frame of stripped strings ("" for empty cells), or None with a problem.

    The frame index is the spreadsheet row minus 2 (header = row 1), blank rows included,
    so every later message names the row a spreadsheet shows. Rows shorter than the header
    are padded with empty cells; extra cells are an error unless they are empty.
    """
    name = path.name
    text = read_text(path, problems, limits.MAX_CSV_BYTES)
    if text is None:
        return None
    if not text.strip():
        problems.append(Problem(name, "is empty (a header row is required)"))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    index: list[int] = []
    ragged: list[tuple[int, int]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):  # noqa: B007 (used after the loop)
            stripped = [c.strip() for c in cells]
            if header is None:
                header, width = stripped, len(stripped)
                continue
            if not any(stripped):
                continue
            if len(stripped) > width:
                if any(stripped[width:]):
                    ragged.append((number, len(cells)))
                del stripped[width:]
            elif len(stripped) < width:
                stripped.extend([""] * (width - len(stripped)))
            rows.append(stripped)
            index.append(number - 2)
    except csv.Error as err:
        problems.append(Problem(name, f"is not a readable CSV ({err})", row=number + 1))
        return None
    assert header is not None  # the text is not blank
    keep = [i for i, h in enumerate(header) if h or any(r[i] for r in rows)]
    if not _header_ok(name, [header[i] for i in keep], keep, problems):
        return None
    for number, cells in ragged[: limits.MAX_PROBLEMS_PER_COLUMN]:
        problems.append(Problem(name, f"has {cells} cells but the header has {width}", number))
    if len(ragged) > limits.MAX_PROBLEMS_PER_COLUMN:
        problems.append(more_like_this(name, None, len(ragged) - limits.MAX_PROBLEMS_PER_COLUMN))
    if ragged:
        return None
    frame = pd.DataFrame(rows, columns=range(width), index=index, dtype=object)
    if len(keep) < width:
        frame = frame[keep]
    frame.columns = [header[i] for i in keep]
    return frame


def _letter(i: int) -> str:
    """Spreadsheet column letter of 0-based column ``i``: A, B, ..., Z, AA, ..."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _header_ok(name: str, header: list[str], at: list[int], problems: list[Problem]) -> bool:
    """No empty or repeated column names; one name holding ; or tabs means the wrong separator.

    Columns with neither a name nor any value (e.g. trailing commas) were dropped before.
    """
    before = len(problems)
    if len(header) == 1:
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if sep in header[0]:
                problems.append(
                    Problem(name, f"columns are separated by {label}; use commas", row=1)
                )
                return False
    counts = Counter(header)
    for h in sorted(h for h, n in counts.items() if h and n > 1):
        problems.append(Problem(name, "column appears more than once", row=1, column=h))
    for h, i in zip(header, at, strict=True):
        if not h:
            problems.append(
                Problem(name, f"column {_letter(i)} has values but no name in the header", 1)
            )
    return len(problems) == before


def read_text(path: Path, problems: list[Problem], limit: int) -> str | None:
    """A regular file's text (UTF-8, with or without BOM) of at most ``limit`` bytes.

    None with a problem if it is not a regular file, is too large or is not UTF-8.
    """
    try:
        data = limits.read_bytes(path, limit)
    except limits.InputError as err:
        problems.append(Problem(path.name, str(err)))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
        hint = "it is UTF-16" if utf16 else f"bad byte at offset {err.start}"
        problems.append(Problem(path.name, f"is not UTF-8 text ({hint}); save it as 'CSV UTF-8'"))
        return None


def read_yaml(
    path: Path, problems: list[Problem], warnings: list[str] | None = None
) -> dict[str, Any]:
    """scenario.yaml as a mapping (safe loading only); an absent file is an empty mapping.

    A key left empty (``key:``, i.e. null) counts as absent and takes its default. A key
    given twice takes the last value, with a warning added to ``warnings``.
    """
    if not path.exists():
        return {}
    text = read_text(path, problems, limits.MAX_YAML_BYTES)
    if text is None:
        return {}
    try:
        data = limits.parse_yaml(text, path.name, warnings)
    except limits.InputError as err:
        problems.append(Problem(path.name, str(err)))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(path.name, "must be a mapping of key: value"))
        return {}
    return {str(key): value for key, value in data.items() if value is not None}


def build_scenario(
    raw: dict[str, pd.DataFrame],
    settings: dict[str, Any],
    source: str,
    checked: dict[str, pd.DataFrame] | None = None,
) -> Scenario:
    """Validate raw tables and settings (cells as text or typed) into a ``Scenario``.

    A table that is the very frame ``checked`` holds under its name (a validated table an
    override left alone) is taken as it is, and the cross-table rules that read only such
    tables are not run again (``check_scenario``'s ``unchanged``).
    """
    problems: list[Problem] = []
    warnings: list[str] = []
    checked = checked or {}
    raw = {
        **raw,
        **{
            spec.name: pd.DataFrame(columns=spec.columns, dtype=object)
            for spec in TABLES.values()
            if not spec.required and spec.name not in raw
        },
    }
    unchanged = frozenset(name for name, frame in raw.items() if checked.get(name) is frame)
    typed = {
        name: frame if name in unchanged else validate_table(TABLES[name], frame, problems)
        for name, frame in raw.items()
    }
    parsed = validate_settings(settings, problems, warnings)
    if problems:
        raise ScenarioError(problems)
    scenario = Scenario(settings=parsed, tables=typed, source=source, warnings=warnings)
    problems.extend(check_scenario(scenario, unchanged))
    if problems:
        raise ScenarioError(problems)
    return scenario


def validate_settings(
    data: dict[str, Any], problems: list[Problem], warnings: list[str]
) -> Settings:
    """scenario.yaml through ``Settings``; unknown keys warn with the closest valid key.

    A null value counts as absent (the key takes its default).
    """
    data = {key: value for key, value in data.items() if value is not None}
    known = list(Settings.model_fields)
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            warnings.append(f"scenario.yaml: unknown key '{key}' is ignored{hint}")
    try:
        return Settings.model_validate(data)
    except ValidationError as err:
        for e in err.errors():
            key = ".".join(str(x) for x in e["loc"])
            problems.append(Problem("scenario.yaml", _message(e), column=key))
        return Settings()


_ADAPTERS: dict[type, TypeAdapter] = {}
_CHUNK = 5000
"""Rows validated at a time, so checking can stop early (``limits.MAX_BAD_ROWS``)."""


def validate_table(spec: TableSpec, frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Check every cell of one table against its row model; return the typed frame.

    Columns the file adds beyond MODEL.md are kept as they are (overrides may edit them).
    Rows with a bad cell are reported and left out of the typed frame.
    """
    required = [c for c, f in spec.row.model_fields.items() if f.is_required()]
    missing = [c for c in required if c not in frame.columns]
    for column in missing:
        problems.append(Problem(spec.file, "required column is missing", row=1, column=column))
    if missing:
        return pd.DataFrame(columns=spec.columns)
    present = [c for c in spec.columns if c in frame.columns]
    records = [dict(zip(present, t, strict=True)) for t in frame[present].itertuples(False, None)]
    adapter = _ADAPTERS.setdefault(spec.row, TypeAdapter(list[spec.row]))
    bad: list[int] = []
    shown: Counter = Counter()  # messages are built for the problems listed only
    rows: list[BaseModel] = []
    for start in range(0, len(records), _CHUNK):
        chunk = records[start : start + _CHUNK]
        try:
            rows += adapter.validate_python(chunk)
            continue
        except ValidationError as err:
            errors = err.errors(include_url=False, include_context=False)
        failed = set()
        for e in errors:
            pos, column = e["loc"][0], str(e["loc"][1]) if len(e["loc"]) > 1 else None
            failed.add(start + int(pos))
            shown[column] += 1
            if shown[column] <= limits.MAX_PROBLEMS_PER_COLUMN:
                row = int(frame.index[start + int(pos)]) + 2
                problems.append(Problem(spec.file, _message(e), row=row, column=column))
        rows += adapter.validate_python([r for i, r in enumerate(chunk) if start + i not in failed])
        bad += sorted(failed)
        if len(bad) >= limits.MAX_BAD_ROWS and start + _CHUNK < len(records):
            last = int(frame.index[bad[-1]]) + 2
            rest = len(records) - start - _CHUNK
            problems.append(
                Problem(
                    spec.file,
                    f"checking stopped after {len(bad):,} rows with problems (at row {last:,}); "
                    f"the {rest:,} rows after them were not checked",
                )
            )
            frame = frame.iloc[: start + _CHUNK]
            break
    for column, n in shown.items():
        if n > limits.MAX_PROBLEMS_PER_COLUMN:
            problems.append(more_like_this(spec.file, column, n - limits.MAX_PROBLEMS_PER_COLUMN))
    if bad:
        drop = set(bad)
        frame = frame.iloc[[i for i in range(len(frame)) if i not in drop]]
    typed = pd.DataFrame([r.model_dump() for r in rows], columns=spec.columns, index=frame.index)
    for column in spec.text_columns:
        typed[column] = typed[column].astype(object).where(typed[column].notna(), "")
    extras = [c for c in frame.columns if c not in spec.columns]
    return pd.concat([typed, frame[extras]], axis=1) if extras else typed


def _message(error: dict[str, Any]) -> str:
    """A planner-readable message for one pydantic error."""
    value = error.get("input")
    if error["type"] == "missing" or value is None:
        return "a value is required"
    text = str(error["msg"]).replace("Input should be", "should be").replace("Value error, ", "")
    return f"{text} (got {limits.quoted(value)})"
