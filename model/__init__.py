"""The Pyomo formulation of MODEL.md section 4: one module per constraint family."""

from .build import build_model
from .costs import COST_KINDS, build_share, capex_share
from .families import (
    FAMILIES,
    PLANNER_FAMILIES,
    VARIABLES,
    capacity_family,
    family_of,
    index_of,
)
from .rows import FixedRow
from .spec import FamilySpec, VariableSpec
from .units import PFLOPS, UNITS, USD

__all__ = [
    "COST_KINDS",
    "FAMILIES",
    "PLANNER_FAMILIES",
    "VARIABLES",
    "PFLOPS",
    "UNITS",
    "USD",
    "FamilySpec",
    "VariableSpec",
    "FixedRow",
    "build_model",
    "build_share",
    "capacity_family",
    "capex_share",
    "family_of",
    "index_of",
]
