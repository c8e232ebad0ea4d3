"""Scenario variants (MODEL.md section 5): named lists of edits applied to the loaded tables.

An edit is ``{table, where?, column, <op>}`` with exactly one op of ``scale``, ``add``,
``set`` or ``shift``. The scenario is re-validated after every edit, and any problem is
reported with the variant's name and the edit's position (counting from 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .load import build_scenario
from .problems import Problem, ScenarioError
from .scenario import Scenario
from .schema import TABLES, Settings
from .yaml_keys import safe_load_noting_duplicates

OPERATIONS = ("scale", "add", "set", "shift")
PERIOD_TABLES = ("periods", "chip_supply", "site_power")
_CAPACITY = {"chip_supply": "max_units", "site_power": "power_mw"}


def load_overrides(
    path: str | Path, warnings: list[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Read an overrides YAML (safe loading): variant name -> list of edits.

    A key given twice (a variant, an edit's field) warns into ``warnings``.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data, duplicates = safe_load_noting_duplicates(text, path.name)
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), "overrides file not found")]) from None
    except OSError as err:
        raise ScenarioError([Problem(str(path), f"cannot be read ({err.strerror})")]) from None
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        msg = f"is not valid UTF-8 YAML ({err})".replace("\n", " ")
        raise ScenarioError([Problem(path.name, msg)]) from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ScenarioError([Problem(path.name, "must map each variant name to a list of edits")])
    if warnings is not None:
        warnings.extend(duplicates)
    return {str(k): v for k, v in data.items()}


def apply_variant(
    scenario: Scenario, overrides: dict[str, list[dict[str, Any]]], variant: str
) -> Scenario:
    """The scenario with ``variant``'s edits applied in order, validated after each."""
    if variant not in overrides:
        known = ", ".join(sorted(overrides)) or "none"
        raise ScenarioError([Problem("overrides", f"unknown variant '{variant}' (known: {known})")])
    return apply_edits(
        scenario,
        overrides[variant],
        label=f"variant '{variant}'",
        rename=f"{scenario.name}-{variant}",
    )


def apply_edits(
    scenario: Scenario, edits: list[dict[str, Any]], label: str = "edits", rename: str | None = None
) -> Scenario:
    """Apply a list of edits to a scenario (see module docstring)."""
    base = scenario.tables  # validated already: tables no edit touches are not checked again
    tables = dict(base)  # _apply copies a table before editing it
    settings = scenario.settings.model_dump()
    for number, edit in enumerate(edits, start=1):
        context = f"{label}, edit {number} ({_describe(edit)})"
        try:
            _apply(edit, tables, settings, scenario.period_labels)
            scenario = build_scenario(tables, settings, source=scenario.source, checked=base)
        except ScenarioError as err:
            raise ScenarioError(err.problems, context=context) from None
        except EditError as err:
            raise ScenarioError([Problem("overrides", str(err))], context=context) from None
    if rename and settings.get("name") == scenario.settings.name:
        settings["name"] = rename
        scenario = build_scenario(tables, settings, source=scenario.source, checked=base)
    return scenario


class EditError(ValueError):
    """An edit that cannot be applied as written."""


def _describe(edit: Any) -> str:
    if not isinstance(edit, dict):
        return repr(edit)
    return ", ".join(f"{k}: {v}" for k, v in edit.items())


def _apply(edit: Any, tables: dict[str, pd.DataFrame], settings: dict, labels: list[str]) -> None:
    if not isinstance(edit, dict):
        raise EditError("an edit must be a mapping with table, column and one operation")
    unknown = set(edit) - {"table", "where", "column", *OPERATIONS}
    if unknown:
        raise EditError(f"unknown field(s) {sorted(unknown)}")
    ops = [op for op in OPERATIONS if op in edit]
    if len(ops) != 1:
        raise EditError("exactly one of scale, add, set, shift is required")
    op, arg = ops[0], edit[ops[0]]
    table, column, where = edit.get("table"), edit.get("column"), edit.get("where") or {}
    if not isinstance(where, dict):
        raise EditError("'where' must be a mapping of column: value")
    if table == "scenario":
        _apply_setting(settings, column, op, arg, where)
        return
    if table not in TABLES:
        raise EditError(f"unknown table '{table}' (known: scenario, {', '.join(TABLES)})")
    frame = tables[table] = tables[table].copy()
    for name in [column, *where]:
        if name not in frame.columns:
            raise EditError(f"unknown column '{name}' in table '{table}'")
    mask = _select(frame, where)
    if not mask.any():
        raise EditError(f"'where' selects no row of table '{table}'")
    if op == "shift":
        if table not in PERIOD_TABLES:
            raise EditError(f"shift applies only to {', '.join(PERIOD_TABLES)}")
        tables[table] = _shift(frame, mask, table, column, _integer(arg), labels)
    elif op == "set":
        frame[column] = frame[column].astype(object)
        frame.loc[mask, column] = np.nan if arg is None else arg
        tables[table] = frame.infer_objects()
    else:
        values = pd.to_numeric(frame.loc[mask, column], errors="coerce")
        frame.loc[mask, column] = values * _number(arg) if op == "scale" else values + _number(arg)


def _apply_setting(settings: dict, key: Any, op: str, arg: Any, where: dict) -> None:
    if key not in Settings.model_fields:
        raise EditError(f"unknown scenario key '{key}'")
    if where or op == "shift":
        raise EditError("'where' and 'shift' do not apply to table 'scenario'")
    if op == "set":
        settings[key] = arg
        return
    current = settings.get(key)
    if current is None:
        current = Settings.model_fields[key].default
    if current is None:
        raise EditError(f"scenario key '{key}' has no value to {op}")
    settings[key] = current * _number(arg) if op == "scale" else current + _number(arg)


def _select(frame: pd.DataFrame, where: dict) -> pd.Series:
    """Rows where every ``column: value`` holds; numbers compare as numbers, null = empty."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        cells = frame[column]
        if value is None:
            mask &= cells.isna() | (cells.astype(str).str.strip() == "")
        elif _is_number(value) and not isinstance(value, bool):
            mask &= pd.to_numeric(cells, errors="coerce") == float(value)
        else:
            mask &= cells.astype(str) == str(value)
    return mask


def _shift(
    frame: pd.DataFrame, mask: pd.Series, table: str, column: str, n: int, labels: list[str]
) -> pd.DataFrame:
    """Move each selected row's ``column`` value n periods later (earlier if n < 0)."""
    pos = {p: i for i, p in enumerate(labels)}
    others = [k for k in TABLES[table].keys if k != "period"]
    index = {
        tuple(r): lbl for lbl, r in zip(frame.index, frame[others + ["period"]].values, strict=True)
    }
    moved: dict[Any, Any] = {}
    new_rows = []
    next_label = (max(frame.index) + 1) if len(frame) else 0
    for label in frame.index[mask]:
        target_pos = pos[frame.at[label, "period"]] + n
        if not 0 <= target_pos < len(labels):
            continue
        key = tuple(frame.loc[label, others]) + (labels[target_pos],)
        if key not in index:
            row = frame.loc[label].copy()
            row["period"] = labels[target_pos]
            if table in _CAPACITY and column != _CAPACITY[table]:
                row[_CAPACITY[table]] = 0.0
            row.name = next_label
            index[key] = next_label
            next_label += 1
            new_rows.append(row)
        moved[index[key]] = frame.at[label, column]
    out = pd.concat([frame, pd.DataFrame(new_rows)]) if new_rows else frame.copy()
    out.loc[out.index.isin(frame.index[mask]), column] = 0.0
    for label, value in moved.items():
        out.at[label, column] = value
    return out


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _number(value: Any) -> float:
    if isinstance(value, bool) or not _is_number(value):
        raise EditError(f"expected a number, got {value!r}")
    return float(value)


def _integer(value: Any) -> int:
    number = _number(value)
    if not number.is_integer():
        raise EditError(f"shift takes a whole number of periods, got {value!r}")
    return int(number)
