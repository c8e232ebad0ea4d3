"""The scenario format of MODEL.md section 2 as pydantic row models.

Each CSV row is validated by one model; pydantic reports every bad cell at once,
with its row position and field, which ``load`` maps to file, row and column.
Empty cells become ``None``: required columns then fail with "a value is required".
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


def _blank_to_none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return None if value == "" else value
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _whole(value: float) -> int:
    if not float(value).is_integer():
        raise ValueError(f"must be a whole number, got {value:g}")
    return int(value)


def _id(value: Any) -> Any:
    """Strip an identifier; a blank one is missing ("a value is required")."""
    return (value.strip() or None) if isinstance(value, str) else value


CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""A control character: code point below 32, or DEL (127)."""


def _printable(value: str | None) -> str | None:
    if value is not None and CONTROL.search(value):
        raise ValueError("contains a control character (a damaged file?)")
    return value


def _decimal(value: Any) -> Any:
    """MODEL.md numbers are decimal literals: no ``1_000``, no ``true`` for 1."""
    if isinstance(value, bool):
        raise ValueError("should be a number, not true/false")
    if isinstance(value, str) and "_" in value:
        raise ValueError(f"should be a decimal number such as 1000 or 1e3, got {value!r}")
    return value


MAGNITUDES: dict[str, tuple[float, str]] = {
    "usd": (1e15, "USD"),
    "unit_cost": (1e9, "USD per accelerator"),
    "build_cost": (1e12, "USD per MW"),
    "lease": (1e8, "USD per kW-month"),
    "energy": (1e8, "USD per MWh"),
    "penalty": (1e15, "USD per PFLOPS-year"),
    "demand": (1e12, "PFLOPS"),
    "perf": (1e6, "PFLOPS per accelerator"),
    "power_kw": (1e4, "kW per accelerator"),
    "mw": (1e8, "MW"),
    "units": (1e12, "accelerators"),
    "pue": (10.0, "(facility / IT power)"),
    "years": (100.0, "years"),
}
"""Largest value chipalloc supports per column kind (docs/validation.md, "Supported
magnitudes"): inside these HiGHS solves the scaled LP reliably; beyond them it may fail."""

MAX_MIN_SPEND_USD = 1e21
"""An operator_min_spend_usd above this is modelled as this: it is infeasible either way
(no realistic scenario can pay that much lease), and HiGHS takes 1e20 model units as
infinite and solves slowly near it."""


def _blank_to(default: Any) -> BeforeValidator:
    """An empty cell of an optional column takes the column's default."""

    def fill(value: Any) -> Any:
        value = _blank_to_none(value)
        return default if value is None else value

    return BeforeValidator(fill)


def _within(kind: str) -> AfterValidator:
    limit, unit = MAGNITUDES[kind]

    def check(value: float | None) -> float | None:
        if value is not None and abs(value) > limit:
            raise ValueError(
                f"{value:g} is beyond the range chipalloc supports (at most {limit:g} {unit}; "
                "see 'Supported magnitudes' in docs/validation.md)"
            )
        return value

    return AfterValidator(check)


Blank = BeforeValidator(_blank_to_none)
Decimal = BeforeValidator(_decimal)
Finite = Field(allow_inf_nan=False)
Printable = AfterValidator(_printable)
Ident = Annotated[str, BeforeValidator(_id), Field(min_length=1), Printable]
OptIdent = Annotated[str | None, Blank, Printable]
NonNeg = Annotated[float, Blank, Decimal, Finite, Field(ge=0)]
Positive = Annotated[float, Blank, Decimal, Finite, Field(gt=0)]
OptNonNeg = Annotated[Annotated[float, Decimal, Finite, Field(ge=0)] | None, Blank]
Count = Annotated[float, Blank, Decimal, Finite, Field(ge=1), AfterValidator(_whole)]
CountFrom0 = Annotated[float, Blank, Decimal, Finite, Field(ge=0), AfterValidator(_whole)]
OptCount = Annotated[
    Annotated[float, Decimal, Finite, Field(ge=1), AfterValidator(_whole)] | None, Blank
]
Cooling = Annotated[Literal["air", "liquid"], Blank]
Contract = Literal["as_used", "take_or_pay"]
ShareBound = Annotated[float, Decimal, Finite, Field(ge=0, le=1)]
PolicyKind = Literal[
    "operator_max_share", "operator_min_share", "vendor_max_share", "operator_min_spend_usd"
]


class Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class PeriodRow(Row):
    period: Ident
    years: Annotated[Positive, _within("years")]
    demand_pflops: Annotated[NonNeg, _within("demand")]
    capex_budget_usd: Annotated[OptNonNeg, _within("usd")] = None


class ChipRow(Row):
    chip: Ident
    vendor: Ident
    perf_pflops: Annotated[Positive, _within("perf")]
    power_kw: Annotated[Positive, _within("power_kw")]
    lifetime_periods: Count
    cooling: Cooling
    operators: OptIdent = None
    units_per_rack: OptCount = None


class ChipSupplyRow(Row):
    chip: Ident
    period: Ident
    max_units: Annotated[NonNeg, _within("units")]
    unit_cost_usd: Annotated[NonNeg, _within("unit_cost")]


class SiteRow(Row):
    site: Ident
    operator: Ident
    pue: Annotated[float, Blank, Decimal, Finite, Field(ge=1), _within("pue")]
    cooling: Cooling
    lease_usd_per_kw_month: Annotated[NonNeg, _within("lease")]
    build_cost_usd_per_mw: Annotated[NonNeg, _within("build_cost")]
    build_lead_periods: CountFrom0
    build_lifetime_periods: Count
    max_build_mw: Annotated[NonNeg, _within("mw")]
    contract: Annotated[Contract, _blank_to("as_used")] = "as_used"
    min_share: Annotated[ShareBound, _blank_to(0.0)] = 0.0
    max_share: Annotated[ShareBound, _blank_to(1.0)] = 1.0
    build_fixed_cost_usd: Annotated[OptNonNeg, _within("usd")] = None
    min_build_mw: Annotated[OptNonNeg, _within("mw")] = None
    campus: OptIdent = None


class SitePowerRow(Row):
    site: Ident
    period: Ident
    power_mw: Annotated[NonNeg, _within("mw")]
    energy_usd_per_mwh: Annotated[NonNeg, _within("energy")]


class InitialFleetRow(Row):
    chip: Ident
    site: Ident
    units: Annotated[NonNeg, _within("units")]
    remaining_periods: Count


class PolicyRow(Row):
    kind: Annotated[PolicyKind, Blank]
    name: Ident
    value: Annotated[float, Blank, Decimal, Finite]
    from_period: OptIdent = None


class ClusterRow(Row):
    """clusters.csv (MODEL.md 7.3): a training cluster that must run on one campus."""

    cluster: Ident
    pflops: Annotated[Positive, _within("demand")]
    from_period: OptIdent = None
    to_period: OptIdent = None
    chips: OptIdent = None
    operators: OptIdent = None


class FabricRow(Row):
    """fabrics.csv (MODEL.md 7.4): a network fabric, one per site for the whole horizon."""

    fabric: Ident
    vendor: Ident
    usd_per_accelerator: Annotated[NonNeg, _within("unit_cost")]
    chips: OptIdent = None


class Settings(BaseModel):
    """scenario.yaml. Unknown keys are ignored (with a warning from ``load``)."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    name: str | None = None
    description: str = ""
    objective: Literal["min_cost", "max_compute"] = "min_cost"
    discount_rate: Annotated[float, Decimal, Finite, Field(ge=0)] = 0.08
    unmet_penalty_usd_per_pflops_year: Annotated[
        float, Decimal, Finite, Field(gt=0), _within("penalty")
    ] = 1.0e9
    load_factor: Annotated[float, Decimal, Finite, Field(gt=0, le=1)] = 1.0
    total_budget_usd: Annotated[float, Decimal, Finite, Field(gt=0), _within("usd")] | None = None


class TableSpec(BaseModel):
    """A scenario table: its file, row model, key columns and whether it must exist."""

    name: str
    row: type[Row]
    keys: tuple[str, ...]
    required: bool

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return list(self.row.model_fields)

    @property
    def text_columns(self) -> list[str]:
        """Optional text columns: an empty cell is kept as ``""``."""
        return [
            c
            for c, f in self.row.model_fields.items()
            if not f.is_required() and f.annotation in (str | None, OptIdent)
        ]


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in [
        TableSpec(name="periods", row=PeriodRow, keys=("period",), required=True),
        TableSpec(name="chips", row=ChipRow, keys=("chip",), required=True),
        TableSpec(name="chip_supply", row=ChipSupplyRow, keys=("chip", "period"), required=True),
        TableSpec(name="sites", row=SiteRow, keys=("site",), required=True),
        TableSpec(name="site_power", row=SitePowerRow, keys=("site", "period"), required=True),
        TableSpec(name="initial_fleet", row=InitialFleetRow, keys=("chip", "site"), required=False),
        TableSpec(name="policies", row=PolicyRow, keys=(), required=False),
        TableSpec(name="clusters", row=ClusterRow, keys=("cluster",), required=False),
        TableSpec(name="fabrics", row=FabricRow, keys=("fabric",), required=False),
    ]
}

SHARE_KINDS = ("operator_max_share", "operator_min_share", "vendor_max_share")
