"""Read a scenario folder (CSV files + scenario.yaml) into a validated ``Scenario``.

Reading collects every problem it finds (unreadable file, bad encoding, missing or
duplicated column, bad cell) before halting, so a planner fixes them in one pass.
"""

from __future__ import annotations

import csv
import difflib
import io
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from .problems import Problem, ScenarioError
from .scenario import Scenario
from .schema import TABLES, Settings, TableSpec
from .validate import check_scenario

BASE_DIR = Path(__file__).parent / "base"
"""The default scenario shipped with the package."""


def load_scenario(folder: str | Path) -> Scenario:
    """Load and validate the scenario in ``folder``; raise ``ScenarioError`` with every problem."""
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
    settings = read_yaml(folder / "scenario.yaml", problems)
    if problems:
        raise ScenarioError(problems)
    settings.setdefault("name", folder.resolve().name)
    return build_scenario(raw, settings, source=str(folder))


def read_csv(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """A CSV as a frame of stripped strings ("" for empty cells), or None with a problem."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        problems.append(Problem(name, f"is not UTF-8 text (bad byte at offset {err.start})"))
        return None
    if not text.strip():
        problems.append(Problem(name, "is empty (a header row is required)"))
        return None
    header = next(csv.reader(io.StringIO(text)), [])
    header = [h.strip() for h in header]
    dups = sorted({h for h in header if header.count(h) > 1})
    for h in dups:
        problems.append(Problem(name, "column appears more than once", row=1, column=h))
    if "" in header:
        problems.append(Problem(name, "a header cell is empty", row=1))
    if dups or "" in header:
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except (pd.errors.ParserError, ValueError) as err:
        problems.append(Problem(name, f"is not a readable CSV ({str(err).strip()})"))
        return None
    frame.columns = header
    return frame.apply(lambda col: col.str.strip())


def read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any]:
    """scenario.yaml as a mapping (safe loading only); an absent file is an empty mapping."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        problems.append(Problem(path.name, f"is not UTF-8 text (bad byte at offset {err.start})"))
        return {}
    except yaml.YAMLError as err:
        problems.append(Problem(path.name, f"is not valid YAML ({err})".replace("\n", " ")))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(path.name, "must be a mapping of key: value"))
        return {}
    return data


def build_scenario(raw: dict[str, pd.DataFrame], settings: dict[str, Any], source: str) -> Scenario:
    """Validate raw tables and settings (cells as text or typed) into a ``Scenario``."""
    problems: list[Problem] = []
    warnings: list[str] = []
    typed = {name: validate_table(TABLES[name], frame, problems) for name, frame in raw.items()}
    parsed = validate_settings(settings, problems, warnings)
    if problems:
        raise ScenarioError(problems)
    scenario = Scenario(settings=parsed, tables=typed, source=source, warnings=warnings)
    problems.extend(check_scenario(scenario))
    if problems:
        raise ScenarioError(problems)
    return scenario


def validate_settings(
    data: dict[str, Any], problems: list[Problem], warnings: list[str]
) -> Settings:
    """scenario.yaml through ``Settings``; unknown keys warn with the closest valid key."""
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
    records = frame[present].to_dict("records")
    adapter = _ADAPTERS.setdefault(spec.row, TypeAdapter(list[spec.row]))
    bad: set[int] = set()
    try:
        rows: list[BaseModel] = adapter.validate_python(records)
    except ValidationError as err:
        for e in err.errors():
            pos, column = e["loc"][0], str(e["loc"][1]) if len(e["loc"]) > 1 else None
            bad.add(int(pos))
            row = int(frame.index[int(pos)]) + 2
            problems.append(Problem(spec.file, _message(e), row=row, column=column))
        keep = [i for i in range(len(records)) if i not in bad]
        rows = adapter.validate_python([records[i] for i in keep])
        frame = frame.iloc[keep]
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
    return f"{text} (got {value!r})"
