"""The report of a MIP (MODEL.md 7.5): gap, bound, proof, what its shadow prices are, and
the tables of its discrete decisions; an LP's report shows none of it."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from builders import chip, periods, power, site, supply, write_scenario
from typer.testing import CliRunner

from chipalloc.model.words import money
from chipalloc.solve.cli.app import app
from chipalloc.solve.report import mip
from chipalloc.solve.report.html import build_page
from chipalloc.solve.report.panels import amount

runner = CliRunner()
MIP_LABELS = {"Problem", "MIP gap", "Best bound", "Proved optimal", "Shadow prices, reduced costs"}


def everything(tmp_path):
    """test_mip's scenario with every section 7 feature: racks of 8 X, a project at A
    (fixed cost 100 USD, at least 2 MW), campus east (A and B), a cluster of 1,200 PFLOPS of
    X and two fabrics."""
    return write_scenario(
        tmp_path / "all",
        periods=periods(2, 1500.0),
        chips=[chip(lifetime_periods=2, units_per_rack=8), chip(chip="Y", lifetime_periods=2)],
        chip_supply=supply("X", 2, 10_000.0, 1.0) + supply("Y", 2, 10_000.0, 2.0),
        sites=[
            site(
                build_cost_usd_per_mw=1000.0,
                max_build_mw=20.0,
                build_lifetime_periods=1,
                build_fixed_cost_usd=100.0,
                min_build_mw=2.0,
                campus="east",
            ),
            site(site="B", operator="msft", lease_usd_per_kw_month=1.0, campus="east"),
            site(site="C", operator="msft", lease_usd_per_kw_month=3.0),
        ],
        site_power=power("A", 2, 0.5) + power("B", 2, 0.5) + power("C", 2, 10.0),
        clusters=[{"cluster": "train", "pflops": 1200.0, "chips": "X"}],
        fabrics=[
            {"fabric": "ib", "vendor": "nv", "usd_per_accelerator": 0.5, "chips": "X"},
            {"fabric": "eth", "vendor": "ar", "usd_per_accelerator": 0.2, "chips": ""},
        ],
    )


def cells(table_html: str) -> list[list[str]]:
    """The text of each row of an HTML table (the header row first)."""
    rows = re.findall(r"<tr>(.*?)</tr>", table_html)
    return [re.findall(r"<t[hd]>(.*?)</t[hd]>", r) for r in rows]


@pytest.fixture(scope="module")
def mip_folder(tmp_path_factory):
    """``chipalloc solve --report --mip-gap 0.005`` of the scenario above."""
    root = tmp_path_factory.mktemp("mip-report")
    out = root / "out"
    args = ["solve", str(everything(root)), "--out", str(out), "--mip-gap", "0.005"]
    result = runner.invoke(app, [*args, "--report", "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_the_summary_shows_the_gap_bound_and_proof(mip_folder):
    s = json.loads((mip_folder / "summary.json").read_text())
    page = build_page(mip_folder)
    rows = dict(page.summary)
    assert rows["Problem"].startswith("MIP")
    assert rows["MIP gap"] == f"proved {mip.gap(s['mip_gap'])}, asked for 0.5% (relative)"
    assert rows["Best bound"] == f"{money(s['mip_bound'])}: no plan has a lower objective"
    assert rows["Proved optimal"] == "yes: within the gap asked for"
    labels = [label for label, _ in page.summary]
    after = labels[labels.index("Binding limits") + 1]
    assert after == "Shadow prices, reduced costs" and rows[after] == mip.FIXED_LP
    (heatmap,) = [c for c in page.charts if c.name == "power_shadow_price"]
    assert heatmap.caption.endswith(f"ranging are {mip.FIXED_LP}.")


def test_the_discrete_tables_are_shown_as_in_their_csv(mip_folder):
    """racks, builds, clusters, fabrics: each file's rows, in MODEL.md 7.5's order, in
    report.html (written by solve --report) and on the page."""
    html = (mip_folder / "report.html").read_text()
    tables = build_page(mip_folder).tables_html
    assert len(tables) == 4
    for table, (name, (heading, columns)) in zip(tables, mip.TABLES.items(), strict=True):
        assert f"<h2>{heading} ({name}.csv" in table and table in html
        frame = pd.read_csv(mip_folder / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(frame.columns) == list(columns)
        header, *rows = cells(table)
        assert header == list(columns.values())
        assert [r[0] for r in rows] == frame[frame.columns[0]].tolist()
    clusters = pd.read_csv(mip_folder / "clusters.csv", dtype={"period": str})
    shown = cells(tables[2])[1:]
    assert shown == [
        [r.cluster, r.campus, r.period, amount(r.pflops_needed, ""), amount(r.pflops_available, "")]
        for r in clusters.itertuples()
    ]
    assert {r[3] for r in shown} == {"1,200"}


def test_an_lp_report_has_no_mip_section(solve_case):
    run = solve_case(
        periods=periods(1, 100.0),
        chips=[chip(lifetime_periods=1)],
        chip_supply=supply("X", 1, 1000.0, 10.0),
        sites=[site()],
        site_power=power("A", 1, 10.0),
    )
    page = build_page(run.folder)
    assert not MIP_LABELS & {label for label, _ in page.summary}
    assert page.tables_html == []
    assert not [c for c in page.charts if "A MIP" in c.caption]


def test_a_plan_stopped_at_its_limit_says_it_is_not_proved():
    rows = dict(
        mip.summary_rows(
            {
                "problem": "mip",
                "sense": "max",
                "mip_gap": 0.0234,
                "mip_gap_requested": 0.0,
                "mip_bound": 12_345.6,
                "proved_optimal": False,
            }
        )
    )
    assert rows["MIP gap"] == "proved 2.34%, asked for 0% (relative)"
    assert rows["Best bound"] == "12,346 PFLOPS-years: no plan delivers more"
    assert rows["Proved optimal"].startswith("no: HiGHS stopped at its limit")
    assert mip.summary_rows({"problem": "lp"}) == mip.duals_rows({}) == []


def test_a_mip_sweep_page_says_what_gap_and_duals_it_shows(tmp_path):
    """X (10 USD) in racks of 72 and Y unit by unit against demand 100: at 20 USD a Y, one
    rack and 28 Y (1,280 USD) beat two racks (1,440), so in the LP with the racks fixed the
    demand row binds at Y's price and the sweep draws a shadow price panel; at 30 USD
    (720 + 840 = 1,560) two racks win."""
    folder = write_scenario(
        tmp_path / "mixed",
        periods=periods(1, 100.0),
        chips=[chip(lifetime_periods=1, units_per_rack=72), chip(chip="Y", lifetime_periods=1)],
        chip_supply=supply("X", 1, 1000.0, 10.0) + supply("Y", 1, 1000.0, 20.0),
        sites=[site()],
        site_power=power("A", 1, 10.0),
    )
    out = tmp_path / "sweep"
    edit = "{table: chip_supply, where: {chip: Y}, column: unit_cost_usd, set: [20, 30]}"
    args = ["sweep", str(folder), "--edit", edit, "--mip-gap", "0.005", "--workers", "1"]
    result = runner.invoke(app, [*args, "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sweep.csv")
    assert table["objective"].tolist() == pytest.approx([1280.0, 1440.0])
    page = build_page(out)
    problem = dict(page.summary)["Problem"]
    assert problem.startswith("MIP: every run asked to be proved within 0.5%")
    assert f"largest gap proved {mip.gap(table['mip_gap'].max())}" in problem
    (chart,) = page.charts
    assert any(p.title.startswith("shadow price: demand") for p in chart.panels)
    assert chart.caption.endswith(f"ranging are {mip.FIXED_LP}.")
