"""Every number in data/base/ must have a provenance entry (data/base/provenance.csv).

The same holds for the discrete features in data/base/discrete/ (its own provenance.csv,
only the rows of its own numbers) and for the discrete default scenario written from the two
(``chipalloc init --discrete``: data/base's rows followed by the discrete ones).

provenance.csv columns: file, column, match, kind, source, note.
- file: a CSV file of the folder (e.g. ``chips.csv``) or ``scenario.yaml``;
- column: a column of that file (or a scenario.yaml key);
- match: ``*`` (all rows) or ``col=value`` filters joined by ``;`` (all must hold);
- kind: ``source``, ``derived`` or ``assumption``.

Plain pandas + yaml: this test does not import chipalloc, except to write the discrete
default (``chipalloc.data.write_discrete_default``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

BASE = Path(__file__).parents[2] / "data" / "base"
PROVENANCE = "provenance.csv"
SCENARIO = "scenario.yaml"
KINDS = {"source", "derived", "assumption"}
PROV_COLUMNS = ["file", "column", "match", "kind", "source", "note"]
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def is_number(value: object) -> bool:
    """True for numbers and for strings that are decimal literals (MODEL.md section 2)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(NUMBER.match(value.strip()))


def same(cell: str, wanted: str) -> bool:
    """Cell equality as MODEL.md's `where`: numbers compare as numbers, the rest as strings."""
    if is_number(cell) and is_number(wanted):
        return float(cell) == float(wanted)
    return cell.strip() == wanted.strip()


def read_table(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


@pytest.fixture(params=["base", "discrete", "discrete default"])
def folder(request, tmp_path_factory) -> Path:
    """data/base, data/base/discrete, and the discrete default scenario written from them."""
    if request.param == "base":
        return BASE
    if request.param == "discrete":
        return BASE / "discrete"
    from chipalloc.data import write_discrete_default

    return write_discrete_default(tmp_path_factory.mktemp("provenance") / "base-discrete")


def data_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.name: read_table(p) for p in sorted(folder.glob("*.csv")) if p.name != PROVENANCE}


def scenario_settings(folder: Path) -> dict:
    path = folder / SCENARIO
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


def provenance(folder: Path) -> pd.DataFrame:
    return read_table(folder / PROVENANCE)


def parse_match(match: str) -> list[tuple[str, str]] | None:
    """``*`` -> [] (all rows); ``a=1;b=x`` -> [("a", "1"), ("b", "x")]; None if malformed."""
    match = match.strip()
    if match == "*":
        return []
    filters = []
    for part in match.split(";"):
        if "=" not in part:
            return None
        col, value = part.split("=", 1)
        if not col.strip():
            return None
        filters.append((col.strip(), value.strip()))
    return filters


def selected(frame: pd.DataFrame, filters: list[tuple[str, str]]) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for col, value in filters:
        mask &= frame[col].map(lambda cell, v=value: same(cell, v))
    return mask


def row_label(frame: pd.DataFrame, i: int) -> str:
    keys = [
        c
        for c in ("kind", "name", "chip", "site", "period", "cluster", "fabric")
        if c in frame.columns
    ]
    ident = ", ".join(f"{k}={frame.at[i, k]}" for k in keys)
    return f"row {i + 2}" + (f" ({ident})" if ident else "")


def test_provenance_file_has_the_right_columns(folder):
    assert (folder / PROVENANCE).exists(), f"{folder / PROVENANCE} is missing"
    assert list(provenance(folder).columns) == PROV_COLUMNS


def test_every_provenance_row_is_valid(folder):
    tables = data_tables(folder)
    settings = scenario_settings(folder)
    errors = []
    for i, row in provenance(folder).iterrows():
        where = f"provenance.csv row {i + 2} ({row['file']}, {row['column']}, {row['match']})"
        if row["kind"] not in KINDS:
            errors.append(f"{where}: kind {row['kind']!r} is not one of {sorted(KINDS)}")
        if row["kind"] in ("source", "derived") and not row["source"]:
            errors.append(f"{where}: kind {row['kind']} needs a source")
        if not row["note"]:
            errors.append(f"{where}: note is empty (give the reasoning)")
        filters = parse_match(row["match"])
        if filters is None:
            errors.append(f"{where}: match must be '*' or 'col=value[;col=value]'")
            continue
        if row["file"] == SCENARIO:
            if row["column"] not in settings:
                errors.append(f"{where}: scenario.yaml has no key {row['column']!r}")
            if filters:
                errors.append(f"{where}: scenario.yaml entries must use match '*'")
            continue
        if row["file"] not in tables:
            errors.append(f"{where}: no such CSV file in {folder}")
            continue
        frame = tables[row["file"]]
        if row["column"] not in frame.columns:
            errors.append(f"{where}: {row['file']} has no column {row['column']!r}")
        unknown = [c for c, _ in filters if c not in frame.columns]
        if unknown:
            errors.append(f"{where}: match names unknown column(s) {unknown}")
            continue
        if not selected(frame, filters).any():
            errors.append(f"{where}: match selects no row")
    assert not errors, "invalid provenance entries:\n" + "\n".join(errors)


def test_every_number_has_provenance(folder):
    prov = provenance(folder)
    uncovered = []
    for name, frame in data_tables(folder).items():
        entries = prov[prov["file"] == name]
        for col in frame.columns:
            numeric = frame[col].map(is_number)
            if not numeric.any():
                continue
            covered = pd.Series(False, index=frame.index)
            for _, entry in entries[entries["column"] == col].iterrows():
                filters = parse_match(entry["match"])
                if filters is None or any(c not in frame.columns for c, _ in filters):
                    continue
                covered |= selected(frame, filters)
            for i in frame.index[numeric & ~covered]:
                uncovered.append(f"({name}, {row_label(frame, i)}, {col})")
    keys = set(prov.loc[prov["file"] == SCENARIO, "column"])
    for key, value in scenario_settings(folder).items():
        if is_number(value) and key not in keys:
            uncovered.append(f"({SCENARIO}, key, {key})")
    assert not uncovered, (
        f"{len(uncovered)} numeric cell(s) in {folder} have no provenance.csv entry:\n"
        + "\n".join(uncovered)
    )


@pytest.mark.parametrize(
    "name", ["periods.csv", "chips.csv", "chip_supply.csv", "sites.csv", "site_power.csv"]
)
def test_required_tables_exist(name):
    assert (BASE / name).exists(), f"data/base/{name} is missing"
