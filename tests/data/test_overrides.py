"""Overrides (MODEL.md section 5): each operation, selection rules and error messages."""

from __future__ import annotations

import pytest
from builders import chip, periods, power, site, supply, write_scenario

from chipalloc.data import ScenarioError, apply_variant, load_scenario
from chipalloc.data.overrides import apply_edits


@pytest.fixture
def scenario(tmp_path):
    folder = write_scenario(
        tmp_path / "s",
        periods=periods(4, [10.0, 20.0, 30.0, 40.0], budget=[100.0, None, None, None]),
        chips=[chip(chip="X"), chip(chip="Y", vendor="amd")],
        chip_supply=supply("X", 4, 100.0, 20.0) + supply("Y", 4, 50.0, 30.0, start=2),
        sites=[site(site="A"), site(site="B", operator="lessor")],
        site_power=power("A", 4, [1.0, 2.0, 3.0, 4.0], 50.0) + power("B", 2, 5.0, 60.0),
    )
    return load_scenario(folder)


def column(sc, table, col, **where):
    frame = sc.tables[table]
    for k, v in where.items():
        frame = frame[frame[k] == v]
    return list(frame.sort_values(list(frame.columns[:2]))[col])


def test_scale_add_set_with_numeric_where(scenario):
    sc = apply_edits(
        scenario,
        [
            {
                "table": "chip_supply",
                "where": {"chip": "X"},
                "column": "unit_cost_usd",
                "scale": 1.5,
            },
            {"table": "site_power", "where": {"power_mw": 2}, "column": "power_mw", "add": 0.5},
            {
                "table": "site_power",
                "where": {"site": "B"},
                "column": "energy_usd_per_mwh",
                "set": 40,
            },
        ],
    )
    assert column(sc, "chip_supply", "unit_cost_usd", chip="X") == [30.0] * 4
    assert column(sc, "chip_supply", "unit_cost_usd", chip="Y") == [30.0] * 2
    assert column(sc, "site_power", "power_mw", site="A") == [1.0, 2.5, 3.0, 4.0]
    assert column(sc, "site_power", "energy_usd_per_mwh", site="B") == [40.0, 40.0]


def test_set_null_removes_a_budget_and_null_matches_empty(scenario):
    sc = apply_edits(
        scenario,
        [
            {
                "table": "periods",
                "where": {"capex_budget_usd": None},
                "column": "demand_pflops",
                "set": 0,
            },
            {"table": "periods", "column": "capex_budget_usd", "set": None},
        ],
    )
    assert list(sc.periods["demand_pflops"]) == [10.0, 0.0, 0.0, 0.0]
    assert sc.periods["capex_budget_usd"].isna().all()


def test_shift_moves_values_creates_rows_and_zeroes_the_rest(scenario):
    """Shift A's power by 2: P2, P3 get 1, 2; P0, P1 (selected, receive nothing) get 0; the
    values of P2 and P3 fall off the horizon."""
    sc = apply_edits(
        scenario,
        [{"table": "site_power", "where": {"site": "A"}, "column": "power_mw", "shift": 2}],
    )
    assert column(sc, "site_power", "power_mw", site="A") == [0.0, 0.0, 1.0, 2.0]
    assert column(sc, "site_power", "power_mw", site="B") == [5.0, 5.0]


def test_shift_of_a_price_creates_rows_without_capacity(scenario):
    """B has rows for P0, P1 only: moving its price 2 periods creates P2, P3 with 0 MW."""
    sc = apply_edits(
        scenario,
        [
            {
                "table": "site_power",
                "where": {"site": "B"},
                "column": "energy_usd_per_mwh",
                "shift": 2,
            }
        ],
    )
    b = sc.site_power[sc.site_power["site"] == "B"].set_index("period")
    assert b.loc[["P2", "P3"], "power_mw"].tolist() == [0.0, 0.0]
    assert b.loc[["P2", "P3"], "energy_usd_per_mwh"].tolist() == [60.0, 60.0]
    assert b.loc[["P0", "P1"], "energy_usd_per_mwh"].tolist() == [0.0, 0.0]


def test_shift_earlier_of_supply(scenario):
    """Y's supply one period earlier: P1 gets 50 units (new row, price copied), P3 gets 0."""
    sc = apply_edits(
        scenario,
        [{"table": "chip_supply", "where": {"chip": "Y"}, "column": "max_units", "shift": -1}],
    )
    y = sc.chip_supply[sc.chip_supply["chip"] == "Y"].set_index("period")
    assert y["max_units"].to_dict() == {"P1": 50.0, "P2": 50.0, "P3": 0.0}
    assert y.loc["P1", "unit_cost_usd"] == 30.0


def test_scenario_keys_scale_and_add_from_defaults(scenario):
    sc = apply_edits(
        scenario,
        [
            {"table": "scenario", "column": "discount_rate", "add": 0.02},
            {"table": "scenario", "column": "load_factor", "scale": 0.5},
        ],
    )
    assert sc.settings.discount_rate == pytest.approx(0.10)
    assert sc.settings.load_factor == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            {"table": "chip_supply", "where": {"chip": "Z"}, "column": "max_units", "scale": 2},
            "selects no row",
        ),
        ({"table": "chipz", "column": "max_units", "scale": 2}, "unknown table 'chipz'"),
        ({"table": "chips", "column": "speed", "scale": 2}, "unknown column 'speed'"),
        ({"table": "chips", "column": "perf_pflops", "scale": 2, "add": 1}, "exactly one of"),
        ({"table": "sites", "column": "pue", "shift": 1}, "shift applies only to"),
        ({"table": "scenario", "column": "discount_rate", "shift": 1}, "do not apply to table"),
        ({"table": "sites", "column": "pue", "set": 0.5}, "greater than or equal to 1"),
        ({"table": "chips", "column": "perf_pflops", "scale": "twice"}, "expected a number"),
    ],
)
def test_bad_edits_name_variant_and_edit(scenario, edit, message):
    overrides = {"what_if": [{"table": "periods", "column": "demand_pflops", "scale": 1.0}, edit]}
    with pytest.raises(ScenarioError) as err:
        apply_variant(scenario, overrides, "what_if")
    text = str(err.value)
    assert "variant 'what_if', edit 2" in text
    assert message in text


def test_variant_renames_the_scenario(scenario):
    sc = apply_variant(
        scenario, {"late": [{"table": "site_power", "column": "power_mw", "shift": 1}]}, "late"
    )
    assert sc.name == "s-late"
    with pytest.raises(ScenarioError, match="unknown variant 'early'"):
        apply_variant(scenario, {"late": []}, "early")
