"""Scenario data: schema, loading, validation and overrides (MODEL.md sections 2 and 5)."""

from .defaults import DISCRETE_DIR, discrete_default, write_discrete_default
from .load import BASE_DIR, build_scenario, load_scenario
from .overrides import apply_variant, load_overrides
from .problems import Problem, ScenarioError
from .scenario import Scenario

__all__ = [
    "BASE_DIR",
    "DISCRETE_DIR",
    "Problem",
    "Scenario",
    "ScenarioError",
    "apply_variant",
    "build_scenario",
    "discrete_default",
    "load_overrides",
    "load_scenario",
    "write_discrete_default",
]
