"""Scenario variants (MODEL.md section 5): named lists of edits applied to the loaded tables.

An edit is ``{table, where?, column, <op>}`` with exactly one op of ``scale``, ``add``,
``set`` or ``shift``. The scenario is re-validated after every edit, and any problem is
reported with the variant's name and the edit's position (counting from 1).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal, get_origin

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    model_validator,
)

from . import limits
from .load import build_scenario
from .problems import Problem, ScenarioError
from .scenario import Scenario
from .schema import TABLES, Settings

OPERATIONS = ("scale", "add", "set", "shift")
PERIOD_TABLES = ("periods", "chip_supply", "site_power")
_CAPACITY = {"chip_supply": "max_units", "site_power": "power_mw"}


def load_overrides(
    path: str | Path, warnings: list[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Read an overrides YAML (safe loading, no aliases, size cap): variant -> list of edits.

    A key given twice (a variant, an edit's field) warns into ``warnings``.
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioError([Problem(str(path), "overrides file not found")])
    try:
        data = limits.load_yaml_file(path, warnings=warnings)
    except limits.InputError as err:
        message = str(err)
        if message.startswith(("is not valid YAML", "is not UTF-8")):
            message = "is not valid UTF-8 YAML (" + message.split("(", 1)[-1]
        raise ScenarioError([Problem(path.name, message)]) from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ScenarioError([Problem(path.name, "must map each variant name to a list of edits")])
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
        except (TypeError, ValueError, KeyError, IndexError) as err:  # a case no check foresaw
            message = f"cannot be applied ({type(err).__name__}: {limits.excerpt(str(err), 200)})"
            raise ScenarioError([Problem("overrides", message)], context=context) from None
    if rename and settings.get("name") == scenario.settings.name:
        # the name is checked by no rule: the validated tables are kept as they are
        scenario = replace(
            scenario,
            settings=scenario.settings.model_copy(update={"name": rename}),
            warnings=list(scenario.warnings),
        )
    return scenario


class EditError(ValueError):
    """An edit that cannot be applied as written."""


def _describe(edit: Any) -> str:
    if not isinstance(edit, dict):
        return limits.quoted(edit)
    parts = [f"{limits.excerpt(k)}: {_short(v)}" for k, v in list(edit.items())[:8]]
    return limits.excerpt(", ".join(parts), 200)


def _short(value: Any) -> str:
    return limits.excerpt(value if isinstance(value, str) else limits._short_repr(value))


def _apply(raw: Any, tables: dict[str, pd.DataFrame], settings: dict, labels: list[str]) -> None:
    edit = parse_edit(raw)
    op, arg = edit.operation
    table, column, where = edit.table, edit.column, edit.where or {}
    if table == "scenario":
        _apply_setting(settings, column, op, arg, where)
        return
    if table not in TABLES:
        raise EditError(f"unknown table '{table}' (known: scenario, {', '.join(TABLES)})")
    spec = TABLES[table]
    frame = tables[table] = tables[table].copy()
    for name in [column, *where]:
        if name not in frame.columns:
            raise EditError(f"unknown column '{name}' in table '{table}'")
    if op == "shift":
        if table not in PERIOD_TABLES:
            raise EditError(
                f"shift applies only to tables keyed by period: {', '.join(PERIOD_TABLES)}"
            )
        if column in spec.keys:
            raise EditError(f"shift cannot move key column '{column}' of table '{table}'")
    if op in ("scale", "add", "shift") and column in _text_columns(table):
        raise EditError(f"{op} needs a numeric column; '{column}' of table '{table}' is text")
    mask = _select(frame, where)
    if not mask.any():
        raise EditError(f"'where' selects no row of table '{table}'")
    if op != "set":
        _check_numeric(frame, mask, table, column, op)
    # Cells are stored as objects from here on: a value that no longer fits the column's
    # dtype (16 * 1.01 in an int column) is then reported by the row model, not by pandas.
    frame[column] = frame[column].astype(object)
    if op == "shift":
        tables[table] = _shift(frame, mask, table, column, int(arg), labels)
    elif op == "set":
        frame.loc[mask, column] = np.nan if arg is None else arg
        tables[table] = frame.infer_objects()
    else:
        values = pd.to_numeric(frame.loc[mask, column], errors="coerce").astype(float)
        result = values * float(arg) if op == "scale" else values + float(arg)
        frame.loc[mask, column] = result.astype(object).where(result.notna(), np.nan)
        tables[table] = frame.infer_objects()


def _apply_setting(settings: dict, key: str, op: str, arg: Any, where: dict) -> None:
    if key not in Settings.model_fields:
        raise EditError(f"unknown scenario key '{limits.excerpt(key)}'")
    if where or op == "shift":
        raise EditError("'where' and 'shift' do not apply to table 'scenario'")
    if op == "set":
        settings[key] = arg
        return
    if key in ("name", "description", "objective"):
        raise EditError(f"{op} needs a numeric key; scenario key '{key}' is text")
    current = settings.get(key)
    if current is None:
        current = Settings.model_fields[key].default
    if current is None:
        raise EditError(f"scenario key '{key}' has no value to {op}")
    settings[key] = current * float(arg) if op == "scale" else current + float(arg)


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
    keys = dict(zip(frame.index, map(tuple, frame[others + ["period"]].values), strict=True))
    index = {key: lbl for lbl, key in keys.items()}
    value = dict(zip(frame.index, frame[column].tolist(), strict=True))
    moved: dict[Any, Any] = {}
    new_rows = []
    next_label = (max(frame.index) + 1) if len(frame) else 0
    for label in frame.index[mask]:
        *rest, period = keys[label]
        target_pos = pos[period] + n
        if not 0 <= target_pos < len(labels):
            continue
        key = (*rest, labels[target_pos])
        if key not in index:
            row = frame.loc[label].copy()
            row["period"] = labels[target_pos]
            if table in _CAPACITY and column != _CAPACITY[table]:
                row[_CAPACITY[table]] = 0.0
            row.name = next_label
            index[key] = next_label
            next_label += 1
            new_rows.append(row)
        moved[index[key]] = value[label]
    out = pd.concat([frame, pd.DataFrame(new_rows)]) if new_rows else frame.copy()
    out.loc[out.index.isin(frame.index[mask]), column] = 0.0
    for label, cell in moved.items():
        out.at[label, column] = cell
    return out


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _text_columns(table: str) -> set[str]:
    """Columns of a table that section 2 defines as text (identifiers, choices)."""
    fields = TABLES[table].row.model_fields
    return {
        c
        for c, f in fields.items()
        if f.annotation in (str, str | None) or get_origin(f.annotation) is Literal
    }


def _check_numeric(frame: pd.DataFrame, mask: pd.Series, table: str, column: str, op: str) -> None:
    """Every selected, non-empty cell of ``column`` is a number (extra columns may be text)."""
    cells = frame.loc[mask, column]
    blank = cells.isna() | (cells.astype(str).str.strip() == "")
    numbers = pd.to_numeric(cells.where(~blank, np.nan), errors="coerce")
    bad = cells[numbers.isna() & ~blank]
    if len(bad):
        label = bad.index[0]
        raise EditError(
            f"{op} needs numbers; table '{table}', row {int(label) + 2}, column '{column}' "
            f"holds {limits.quoted(bad.iloc[0])}"
        )


# --- the shape of an edit, checked before it is applied ---------------------------------


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("should be a number, not true/false")
    return value


def _scalar(value: Any) -> Any:
    """A cell value: text, a finite number, true/false or null (YAML dates become text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("should be a finite number")
        return value
    raise ValueError("should be a single value (text, a number, true/false or null)")


Number = Annotated[float, BeforeValidator(_no_bool), Field(allow_inf_nan=False)]
Whole = Annotated[int, BeforeValidator(_no_bool)]
Scalar = Annotated[Any, BeforeValidator(_scalar)]


class Edit(BaseModel):
    """One edit of MODEL.md section 5: table, where, column and exactly one operation.

    ``scale``/``add`` take a finite number, ``shift`` a whole number of periods, ``set`` a
    scalar (a string, a finite number, true/false) or null (an empty cell).
    """

    model_config = ConfigDict(extra="forbid")

    table: StrictStr
    where: dict[StrictStr, Scalar] | None = None
    column: StrictStr
    scale: Number = None  # type: ignore[assignment] (None = absent; an explicit null fails)
    add: Number = None  # type: ignore[assignment]
    set: Scalar = None
    shift: Whole = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _one_operation(self) -> Edit:
        given = [op for op in OPERATIONS if op in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(f"needs exactly one of {', '.join(OPERATIONS)}, got {len(given)}")
        return self

    @property
    def operation(self) -> tuple[str, Any]:
        op = next(op for op in OPERATIONS if op in self.model_fields_set)
        return op, getattr(self, op)


def parse_edit(raw: Any) -> Edit:
    """``raw`` as an ``Edit``, or ``EditError`` naming every bad field."""
    if not isinstance(raw, dict):
        got = limits.quoted(raw)
        raise EditError(
            f"an edit must be a mapping with table, column and one operation, got {got}"
        )
    try:
        return Edit.model_validate(raw)
    except ValidationError as err:
        messages = dict.fromkeys(_edit_message(e) for e in err.errors(include_url=False))
        raise EditError("; ".join(messages)) from None


_PLAIN = {
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "finite_number": "expected a finite number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "string_type": "expected text (a name)",
    "dict_type": "expected a mapping of column: value",
}


def _edit_message(error: dict[str, Any]) -> str:
    loc = ".".join(str(x) for x in error["loc"])
    msg = str(error["msg"]).replace("Input should be", "should be").replace("Value error, ", "")
    if error["type"] == "extra_forbidden":
        known = ", ".join(["table", "where", "column", *OPERATIONS])
        return f"unknown field '{limits.excerpt(loc)}' (fields: {known})"
    if error["type"] == "missing":
        return f"'{loc}' is required"
    msg = _PLAIN.get(error["type"], msg)
    if not loc:  # the edit as a whole (the number of operations)
        return msg
    return f"'{limits.excerpt(loc)}' {msg} (got {limits.quoted(error.get('input'))})"
