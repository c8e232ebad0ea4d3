"""Scenario data: schema, loading, validation and overrides (MODEL.md sections 2 and 5)."""

from .load import BASE_DIR, build_scenario, load_scenario
from .overrides import apply_variant, load_overrides
from .problems import Problem, ScenarioError
from .scenario import Scenario

__all__ = [
    "BASE_DIR",
    "Problem",
    "Scenario",
    "ScenarioError",
    "apply_variant",
    "build_scenario",
    "load_overrides",
    "load_scenario",
]
