"""Every constraint family the model builds has a spec in the registry (``FAMILIES``).

Built in both fleet forms and both objectives, for the shipped scenario and its variants,
the small test cases and a generated scenario: a row family without a spec would be
missing from explanations, duals and reports.
"""

from __future__ import annotations

import pyomo.core as pyo
import pytest
from builders import chip, periods, power, site, supply, write_scenario

from chipalloc.data import BASE_DIR, apply_variant, build_scenario, load_overrides, load_scenario
from chipalloc.data.generate import Size, generate
from chipalloc.data.overrides import apply_edits
from chipalloc.model import FAMILIES, VARIABLES, build_model, family_of, index_of

MAX_COMPUTE = [
    {"table": "scenario", "column": "total_budget_usd", "set": 5e9},
    {"table": "scenario", "column": "objective", "set": "max_compute"},
]


def small(tmp_path):
    """One site, one chip, every policy kind, a capex budget and a build allowance."""
    return load_scenario(
        write_scenario(
            tmp_path / "small",
            periods=periods(3, 10.0, budget=[1e6, None, 1e6]),
            chips=[chip()],
            chip_supply=supply("X", 3, 1000.0, 10.0),
            sites=[site(max_build_mw=5.0), site(site="B", operator="ms")],
            site_power=power("A", 3, 1.0) + power("B", 3, 1.0),
            initial_fleet=[{"chip": "X", "site": "A", "units": 100, "remaining_periods": 2}],
            policies=[
                {"kind": "operator_min_share", "name": "own", "value": 0.1, "from_period": "P1"},
                {"kind": "operator_max_share", "name": "own", "value": 0.9, "from_period": ""},
                {"kind": "vendor_max_share", "name": "nv", "value": 1.0, "from_period": ""},
                {"kind": "operator_min_spend_usd", "name": "own", "value": 0.0},
            ],
        )
    )


def generated():
    tables = generate(Size(6, 3, 8))
    settings = tables.pop("scenario")
    return build_scenario(tables, settings, "generated")


def scenarios(tmp_path):
    base = load_scenario(BASE_DIR)
    overrides = load_overrides(BASE_DIR / "variants.yaml")
    out = {"base": base, "small": small(tmp_path), "generated": generated()}
    out.update({f"base/{name}": apply_variant(base, overrides, name) for name in overrides})
    return out


@pytest.mark.parametrize("fleet_form", ["window", "recursion"])
@pytest.mark.parametrize("objective", ["min_cost", "max_compute"])
def test_every_row_family_has_a_spec(tmp_path, fleet_form, objective):
    seen = set()
    for name, sc in scenarios(tmp_path).items():
        if objective == "max_compute":
            sc = apply_edits(sc, MAX_COMPUTE)
        m = build_model(sc, fleet_form=fleet_form)
        for component in m.component_objects(pyo.Constraint, active=True):
            assert component.local_name in FAMILIES, f"{name}: no spec for {component.name}"
            spec = FAMILIES[component.local_name]
            for con in component.values():
                assert family_of(con) is spec
                assert len(index_of(con)) == len(spec.index), f"{name}: {con.name}"
            seen.add(component.local_name)
        for component in m.component_objects(pyo.Var, active=True):
            assert component.local_name in VARIABLES, f"{name}: no spec for {component.name}"
    expected = {"power", "supply", "build_total", "period_budget", "operator_min_spend"}
    expected |= {"operator_max_share", "operator_min_share", "vendor_max_share"}
    expected |= {"demand"} if objective == "min_cost" else {"total_budget"}
    expected |= {"fleet_balance"} if fleet_form == "recursion" else set()
    assert expected <= seen


def test_specs_are_complete():
    """Every planner family can be worded; ranks are distinct; internal ones rank last."""
    ranks = [f.rank for f in FAMILIES.values()]
    assert len(set(ranks)) == len(ranks)
    for spec in FAMILIES.values():
        if spec.internal:
            assert spec.rank > max(f.rank for f in FAMILIES.values() if not f.internal)
        else:
            assert spec.conflict is not None, spec.name
        if spec.shortfall:
            assert spec.limit is not None, spec.name
