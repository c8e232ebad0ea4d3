"""The Pyomo formulation of MODEL.md section 4: one module per constraint family."""

from .build import build_model
from .costs import COST_KINDS, build_share, capex_share
from .families import FAMILIES, Family
from .rows import FixedRow
from .units import PFLOPS, UNITS, USD

__all__ = [
    "COST_KINDS",
    "FAMILIES",
    "PFLOPS",
    "UNITS",
    "USD",
    "Family",
    "FixedRow",
    "build_model",
    "build_share",
    "capex_share",
]
