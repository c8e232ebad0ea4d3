"""report.html and PNG charts: numbers against hand-solved cases, charts, a real browser.

The browser test opens report.html in headless Chromium (Debian's ``chromium``, which
.ci/run installs) through Playwright's Python package; it is skipped only when no
Chromium is installed. PNGs are drawn by matplotlib and need no browser: they are tested
with PATH holding no Chromium and kaleido never imported.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from builders import chip, periods, power, site, supply, write_scenario
from PIL import Image
from plotly.offline import get_plotlyjs
from typer.testing import CliRunner

from chipalloc.solve.cli.app import app
from chipalloc.solve.report.charts import solve_charts
from chipalloc.solve.report.data import ReportError, load_solve
from chipalloc.solve.report.html import build_page, write_report
from chipalloc.solve.report.pages import sweep as sweep_pages
from chipalloc.solve.report.pages.summary import solve_summary
from chipalloc.solve.report.palette import KNOWN, SPARE, Palette

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
QUARTERS = [f"{y}Q{q}" for y in (2026, 2027) for q in (1, 2, 3, 4)]
DEMAND = [6000, 7000, 9000, 11000, 14000, 17000, 20000, 24000]
DRAWN = (  # plot divs whose svg holds drawn data: traces, or the image of a heatmap
    "[...document.querySelectorAll('.js-plotly-plot')].filter(d => "
    "d.querySelector('svg.main-svg') && d.querySelector('.trace, image')).length"
)


def quarterly_case(folder: Path) -> Path:
    """Eight quarters, three operators, three vendors, a site that builds, a 2026Q1 shortfall.

    2026Q1: GB200 alone is on sale (2,000 units x 2.5 PFLOPS = 5,000 PFLOPS < 6,000), so
    1,000 PFLOPS are unmet there and nowhere else.
    """
    chips = [
        {
            "chip": "GB200",
            "vendor": "nvidia",
            "perf_pflops": 2.5,
            "power_kw": 1.8,
            "lifetime_periods": 16,
            "cooling": "liquid",
            "operators": "",
        },
        {
            "chip": "MI355X",
            "vendor": "amd",
            "perf_pflops": 2.3,
            "power_kw": 1.6,
            "lifetime_periods": 16,
            "cooling": "liquid",
            "operators": "",
        },
        {
            "chip": "Maia",
            "vendor": "microsoft",
            "perf_pflops": 1.0,
            "power_kw": 0.8,
            "lifetime_periods": 16,
            "cooling": "air",
            "operators": "microsoft",
        },
    ]
    offer = []
    for i, p in enumerate(QUARTERS):
        offer.append({"chip": "GB200", "period": p, "max_units": 2000, "unit_cost_usd": 40000})
        if i >= 2:
            offer.append({"chip": "MI355X", "period": p, "max_units": 1500, "unit_cost_usd": 3e4})
        if i >= 1:
            offer.append({"chip": "Maia", "period": p, "max_units": 3000, "unit_cost_usd": 15000})
    sites = [
        site(site="fairwater-wi", operator="microsoft", pue=1.2, lease_usd_per_kw_month=150.0),
        site(site="abilene-tx", operator="oracle", pue=1.3, lease_usd_per_kw_month=130.0),
        site(
            site="own-nm",
            operator="proprietary",
            pue=1.15,
            lease_usd_per_kw_month=20.0,
            build_cost_usd_per_mw=9.0e6,
            build_lead_periods=2,
            max_build_mw=12.0,
        ),
    ]
    mw = {"fairwater-wi": [4, 5, 6, 7, 8, 9, 10, 10], "abilene-tx": [2, 3, 4, 5, 6, 6, 6, 6]}
    mw["own-nm"] = [1] * 8
    prices = {"fairwater-wi": 70.0, "abilene-tx": 55.0, "own-nm": 45.0}
    grid = [
        {"site": s, "period": p, "power_mw": m[i], "energy_usd_per_mwh": prices[s]}
        for s, m in mw.items()
        for i, p in enumerate(QUARTERS)
    ]
    return write_scenario(
        folder,
        settings={"discount_rate": 0.08},
        periods=[
            {"period": p, "years": 0.25, "demand_pflops": d}
            for p, d in zip(QUARTERS, DEMAND, strict=True)
        ],
        chips=chips,
        chip_supply=offer,
        sites=sites,
        site_power=grid,
        policies=[
            {"kind": "vendor_max_share", "name": "nvidia", "value": 0.7, "from_period": "2027Q1"}
        ],
    )


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """The quarterly case solved by ``chipalloc solve --report`` (report and PNGs written)."""
    root = tmp_path_factory.mktemp("report")
    scenario = quarterly_case(root / "quarterly")
    out = root / "out"
    result = runner.invoke(app, ["solve", str(scenario), "--out", str(out), "--report", "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file()
    return out


@pytest.fixture(scope="module")
def studies(solved) -> dict[str, Path]:
    """compare, sweep and tornado folders of the quarterly case, written by their commands."""
    scenario, root = solved.parent / "quarterly", solved.parent
    gb200 = "{table: chip_supply, where: {chip: GB200}, column: unit_cost_usd, scale: %s}"
    (root / "variants.yaml").write_text(
        f"gb200_pricier: [{gb200 % 1.3}]\n"
        "no_build: [{table: sites, where: {site: own-nm}, column: max_build_mw, set: 0}]\n"
    )
    (root / "tornado.yaml").write_text(
        f"gb200 price: {gb200 % '[0.8, 1.2]'}\n"
        "energy price: {table: site_power, column: energy_usd_per_mwh, scale: [0.5, 1.5]}\n"
    )
    commands = {
        "compare": ["compare", "--overrides", str(root / "variants.yaml")],
        "sweep": ["sweep", "--edit", gb200 % "[0.6, 1.0, 1.4]"],
        "tornado": ["tornado", "--spec", str(root / "tornado.yaml")],
    }
    folders = {}
    for kind, args in commands.items():
        out = root / kind
        command = [args[0], str(scenario), *args[1:], "--out", str(out), "--workers", "1", "-q"]
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        assert write_report(out, png=False).kind == kind
        folders[kind] = out
    return folders


@pytest.fixture
def two_sites(solve_case):
    """A holds 5 MW, B (oracle) leases at 10 USD/kW-month; 8,000 PFLOPS in P0 and P1.

    Chip X (1 PFLOPS, 1 kW, free) serves one period, so each period is bought anew.

    Cheapest: 5,000 units at A and 3,000 at B in both periods. Share of compute in the last
    year (P1): microsoft 5,000 / 8,000 = 62.5 %, oracle 37.5 %; peak facility power 8 MW;
    A's power row binds in both periods.
    """
    run = solve_case(
        {"discount_rate": 0.0},
        periods=periods(2, 8000.0),
        chips=[chip(lifetime_periods=1)],
        chip_supply=supply("X", 2, 1e6, 0.0),
        sites=[
            site(site="A", operator="microsoft"),
            site(site="B", operator="oracle", lease_usd_per_kw_month=10.0),
        ],
        site_power=power("A", 2, 5.0) + power("B", 2, 100.0),
    )
    return run.folder


def test_summary_in_planner_words(two_sites):
    rows = dict(solve_summary(load_solve(two_sites)))
    assert rows["Share by operator in P1"] == "microsoft 62%, oracle 38%"
    assert rows["Share by vendor in P1"] == "nv 100%"
    assert rows["Peak facility power"].startswith("8.0 MW in P0")
    assert rows["Binding limits"] == ["site power full: A (2 periods from P0)"]
    assert rows["Shortfall"] == "none: demand is met in every period"
    # lease at B: 3,000 kW x 12 months x 10 USD x 2 years = 720,000 USD
    assert rows["Total cost"] == "$720,000 discounted"
    assert rows["Objective"] == "least discounted cost: $720,000"


def test_max_compute_report_speaks_of_compute(solve_case):
    """Budget 3,000 USD; X costs 1,000 USD, of which a = min(4, 2) / 4 = 0.5 is charged
    inside the 2-year horizon: 6 units x 1 PFLOPS x 2 years = 12 PFLOPS-years.

    One more MW is worth nothing (power is not the limit), so no site is drawn in the
    shadow price heatmap and its unit is PFLOPS-years per MW.
    """
    run = solve_case(
        {"objective": "max_compute", "total_budget_usd": 3000.0, "discount_rate": 0.0},
        periods=periods(2, 0.0),
        chips=[chip()],
        chip_supply=supply("X", 2, 1e6, 1000.0),
        sites=[site()],
        site_power=power("A", 2, 100.0),
    )
    page = build_page(run.folder)
    rows = dict(page.summary)
    assert rows["Objective"] == "most compute for the budget: 12 PFLOPS-years"
    assert rows["Shortfall"].startswith("not applicable")
    assert rows["Binding limits"] == ["total budget spent"]
    charts = {c.name: c.figure for c in page.charts}
    demand = [t for t in charts["compute_by_operator"].data if t.type == "scatter"]
    assert [t.name for t in demand] == ["demand (not a constraint)"]
    heatmap = charts["power_shadow_price"].data[0]
    assert len(heatmap.y) == 0 and "PFLOPS-years per MW" in heatmap.colorbar.title.text


def test_periods_csv_carries_demand_compute_and_shortfall(solved):
    table = pd.read_csv(solved / "periods.csv", dtype={"period": str})
    assert list(table["period"]) == QUARTERS
    assert list(table["demand_pflops"]) == DEMAND
    assert table["unmet_pflops"].tolist() == pytest.approx([1000.0] + [0.0] * 7, abs=1e-6)
    plan = pd.read_csv(solved / "plan.csv", dtype={"period": str})
    compute = plan.groupby("period")["compute_pflops"].sum().reindex(QUARTERS)
    assert table["compute_pflops"].tolist() == pytest.approx(compute.tolist())
    assert (table["compute_pflops"] + table["unmet_pflops"]).tolist() == pytest.approx(DEMAND)


def test_charts_follow_the_plan(solved):
    data = load_solve(solved)
    charts = {c.name: c.figure for c in solve_charts(data)}
    assert list(charts) == [
        "compute_by_operator",
        "compute_by_vendor",
        "site_power",
        "purchases",
        "costs",
        "power_shadow_price",
    ]
    operator = charts["compute_by_operator"]
    operators = ("microsoft", "oracle", "proprietary")
    stacked = sum(pd.Series(t.y, index=t.x) for t in operator.data if t.name in operators)
    assert stacked.tolist() == pytest.approx(data.periods["compute_pflops"].tolist())
    # quarters read as quarters: a categorical axis in period order, units on the axes
    axis = operator.layout.xaxis
    assert axis.type == "category" and list(axis.categoryarray) == QUARTERS
    assert "PFLOPS" in operator.layout.yaxis.title.text
    assert "units" in charts["purchases"].layout.yaxis.title.text
    assert "MW" in charts["site_power"].layout.yaxis.title.text
    # the shortfall quarter (index 0) and only it is shaded
    assert [(s.x0, s.x1) for s in operator.layout.shapes] == [(-0.5, 0.5)]
    # discounted cost bars add up to summary.json's total cost (USD million or billion)
    scale = 1e9 if "billion" in charts["costs"].layout.yaxis.title.text else 1e6
    total = sum(sum(t.y) for t in charts["costs"].data) * scale
    assert total == pytest.approx(data.summary["total_cost_usd"], rel=1e-9)
    # every build start is marked, with its MW
    started = [t for t in charts["site_power"].data if t.name == "build started"]
    marked = sum(sum(t.customdata) for t in started)
    assert started and marked == pytest.approx(data.sites["build_started_mw"].sum())


def test_colours_are_stable_per_name(solved):
    charts = {c.name: c.figure for c in solve_charts(load_solve(solved))}
    by_name = {}
    for name in ("compute_by_operator", "compute_by_vendor", "site_power"):
        for trace in charts[name].data:
            if trace.type == "bar" and isinstance(trace.marker.color, str):
                by_name.setdefault(trace.name, set()).add(trace.marker.color)
    assert by_name["microsoft"] == {KNOWN["microsoft"]}
    assert by_name["nvidia"] == {KNOWN["nvidia"]}
    unknown = ["zeta", "alpha", "GB300", "site-7"]
    first, second = Palette(unknown), Palette(reversed(unknown))
    assert [first.colour(n) for n in unknown] == [second.colour(n) for n in unknown]
    assert [first.colour(n) for n in unknown] == [Palette([n]).colour(n) for n in unknown]
    assert all(first.colour(n) in SPARE for n in unknown)


def test_report_html_is_self_contained(solved):
    text = (solved / "report.html").read_text()
    assert text.count(get_plotlyjs()) == 1  # plotly.js inline, once
    page = text.replace(get_plotlyjs(), "")
    assert not re.search(r"<(script|link|img)[^>]*(src|href)=", page)
    assert "http" not in page
    assert "Plotly.newPlot" in text and text.count('<section class="chart"') == 6
    assert text.index('id="summary"') < text.index('<section class="chart"')


def test_png_charts_are_drawn(solved):
    pngs = sorted((solved / "charts").glob("*.png"))
    assert [p.stem for p in pngs] == sorted(
        [
            "compute_by_operator",
            "compute_by_vendor",
            "site_power",
            "purchases",
            "costs",
            "power_shadow_price",
        ]
    )
    for path in pngs:
        assert_not_blank(path, min_width=1000)


NO_BROWSER = """
import sys
from pathlib import Path
from chipalloc.solve.report.html import write_report
for folder in sys.argv[1:]:
    report = write_report(Path(folder))
    assert not report.warnings, report.warnings
    print(*(p for p in report.pngs), sep="\\n")
assert not [m for m in sys.modules if m.startswith(("kaleido", "choreographer"))]
"""


def test_pngs_need_no_browser(solved, studies, tmp_path):
    """Every chart of every kind of report is a PNG on a machine with no browser."""
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {"PATH": str(empty), "HOME": str(tmp_path), "BROWSER_PATH": "/nonexistent/chrome"}
    folders = [solved, *studies.values()]
    run = subprocess.run(
        [sys.executable, "-c", NO_BROWSER, *map(str, folders)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    pngs = [Path(line) for line in run.stdout.split()]
    names = {"compare", "compare_change", "sweep", "tornado", "site_power", "costs"}
    assert names <= {p.stem for p in pngs} and len(pngs) == 6 + 2 + 1 + 1
    for path in pngs:
        assert_not_blank(path, min_width=1000)


def test_a_png_that_cannot_be_drawn_is_named_with_why(studies, monkeypatch):
    def broken(chart, path):
        raise RuntimeError("no room on the disk")

    monkeypatch.setattr("chipalloc.solve.report.figure.Chart.png", broken)
    report = write_report(studies["tornado"])
    assert report.pngs == []
    (warning,) = report.warnings
    assert "tornado.png (RuntimeError: no room on the disk)" in warning
    assert "camera button" in warning and warning in report.html.read_text()


def test_cli_pngs_and_the_report_share_one_definition(studies, monkeypatch, tmp_path):
    """sweep.png of ``chipalloc sweep`` and the report's sweep chart are one Chart, built by
    pages.sweep.sweep_chart; its series are sweep.csv's values (tornado likewise)."""
    built: dict[str, list] = {"sweep": [], "tornado": []}
    for kind in built:
        original = getattr(sweep_pages, f"{kind}_chart")

        def spy(*args, _original=original, _kind=kind):
            built[_kind].append(_original(*args))
            return built[_kind][-1]

        monkeypatch.setattr(sweep_pages, f"{kind}_chart", spy)
    scenario = studies["sweep"].parent / "quarterly"
    edit = "{table: chip_supply, where: {chip: GB200}, column: unit_cost_usd, scale: [0.8, 1.2]}"
    out = tmp_path / "sweep"
    command = ["sweep", str(scenario), "--edit", edit, "--out", str(out), "--workers", "1", "-q"]
    assert runner.invoke(app, command).exit_code == 0
    (cli,) = built["sweep"]
    assert_not_blank(out / "sweep.png", min_width=1000)
    (report,) = build_page(out).charts
    assert report.figure.to_dict() == cli.figure.to_dict()
    table = pd.read_csv(out / "sweep.csv")
    objective = cli.panels[0].series[0]
    assert objective.x == table["value_1"].tolist()
    assert objective.y == pytest.approx(table["objective"].tolist(), rel=1e-9)
    write_report(out)
    same = Image.open(out / "charts" / "sweep.png").tobytes()
    assert same == Image.open(out / "sweep.png").tobytes()

    spec = studies["tornado"].parent / "tornado.yaml"
    out = tmp_path / "tornado"
    command = ["tornado", str(scenario), "--spec", str(spec), "--out", str(out), "-q"]
    assert runner.invoke(app, [*command, "--workers", "1"]).exit_code == 0
    (cli,) = built["tornado"]
    assert_not_blank(out / "tornado.png", min_width=1000)
    table = pd.read_csv(out / "tornado.csv").iloc[::-1]  # drawn bottom to top
    low = cli.panels[0].series[0]
    assert low.y == pytest.approx(table["low_objective"].tolist(), rel=1e-12)
    assert build_page(out).charts[0].figure.to_dict() == cli.figure.to_dict()


def test_tornado_case_with_no_plan_is_failed_not_zero(tmp_path):
    """fairwater_timing's low case is infeasible: no $0 bar, no swing, ranked last; the
    largest swing is the optimal parameter's."""
    folder = tmp_path / "tornado"
    folder.mkdir()
    base = 134.75e9
    pd.DataFrame(
        {
            "parameter": ["fairwater_timing", "gb200_price"],
            "low_objective": [None, 130e9],
            "high_objective": [134.9e9, 140e9],
            "base_objective": [base, base],
            "low_delta": [None, 130e9 - base],
            "high_delta": [134.9e9 - base, 140e9 - base],
            "swing": [None, 10e9],
            "low_status": ["infeasible", "optimal"],
            "high_status": ["optimal", "optimal"],
            "low_message": ["power at fairwater-atl in 2026Q1", ""],
            "high_message": ["", ""],
        }
    ).to_csv(folder / "tornado.csv", index=False)
    (folder / "tornado.json").write_text(json.dumps({"objective_unit": "USD"}))
    report = write_report(folder)
    rows = dict(build_page(folder).summary)
    assert rows["Largest swing"] == "gb200_price: $10.00B"
    assert rows["Not solved"] == ["fairwater_timing (low case infeasible)"]
    text = report.html.read_text().replace(get_plotlyjs(), "")
    assert "$0" not in text and "<td>fairwater_timing</td><td>infeasible</td>" in text
    (chart,) = build_page(folder).charts
    labels = chart.panels[0].categories
    assert labels == ["gb200_price", "fairwater_timing (low case infeasible)"]  # top first
    low = dict(zip(chart.figure.data[0].y, chart.figure.data[0].x, strict=True))
    assert pd.isna(low["fairwater_timing (low case infeasible)"])
    (cross,) = [t for t in chart.figure.data if t.name == "case with no optimal plan"]
    assert list(cross.y) == ["fairwater_timing (low case infeasible)"] and list(cross.x) == [base]
    assert_not_blank(folder / "charts" / "tornado.png", min_width=1000)


def test_compare_names_a_variant_with_no_plan(tmp_path):
    folder = tmp_path / "compare"
    folder.mkdir()
    pd.DataFrame(
        {
            "variant": ["base", "tight"],
            "status": ["optimal", "infeasible"],
            "objective": [10.0, None],
            "total_cost_usd": [10.0, None],
        }
    ).to_csv(folder / "compare.csv", index=False)
    page = build_page(folder)
    assert page.charts[0].panels[0].categories == ["base", "tight (infeasible)"]
    assert [t.name for t in page.charts[1].figure.data] == ["tight (infeasible)"]
    assert write_report(folder).warnings == []


def assert_not_blank(path: Path, min_width: int) -> None:
    """A real picture: wide enough, many colours, not almost all white."""
    image = Image.open(path).convert("RGB")
    assert image.width >= min_width and image.height >= 300, path.name
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50, path.name
    white = sum(n for n, rgb in colours if min(rgb) > 245)
    assert white < 0.97 * image.width * image.height, path.name


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(solved, studies, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    pages = {solved: 6, studies["compare"]: 2, studies["sweep"]: 1, studies["tornado"]: 1}
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(dir=tmp_path),
            executable_path=CHROMIUM,
            headless=True,
            args=flags,
            viewport={"width": 1200, "height": 900},
            offline=True,
        )
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        for folder, charts in pages.items():
            page.goto((folder / "report.html").as_uri())
            with contextlib.suppress(sync_api.TimeoutError):  # the asserts below tell
                page.wait_for_function(f"{DRAWN} >= {charts}", timeout=20_000)
            assert page.evaluate(DRAWN) == charts, folder
            assert page.locator(".js-plotly-plot").count() == charts, folder
            if folder == solved:
                page.screenshot(path=str(solved / "screenshot.png"), full_page=True)
                assert_not_blank(solved / "screenshot.png", min_width=1100)
        browser.close()
    assert errors == []


def test_compare_page_puts_variants_beside_the_base(studies):
    table = pd.read_csv(studies["compare"] / "compare.csv")
    page = build_page(studies["compare"])
    assert [c.name for c in page.charts] == ["compare", "compare_change"]
    assert dict(page.summary)["Base"] == "base"
    change = {t.name: dict(zip(t.y, t.x, strict=True)) for t in page.charts[1].figure.data}
    pricier = table.set_index("variant").loc["gb200_pricier"]
    assert change["gb200_pricier"]["objective"] == pytest.approx(pricier["objective_delta_pct"])
    stacked = [t for t in page.charts[0].figure.data if t.name in ("microsoft", "oracle")]
    assert {t.marker.color for t in stacked} == {KNOWN["microsoft"], KNOWN["oracle"]}


def test_sweep_page_draws_outputs_against_the_swept_value(studies):
    meta = json.loads((studies["sweep"] / "sweep.json").read_text())
    (chart,) = build_page(studies["sweep"]).charts
    objective = chart.figure.data[0]
    assert list(objective.x) == [0.6, 1.0, 1.4]
    assert chart.figure.layout.xaxis.title.text == meta["axes"][0]["title"]
    table = pd.read_csv(studies["sweep"] / "sweep.csv")
    assert list(objective.y) == pytest.approx(table["objective"].tolist(), rel=1e-9)


def test_sweep_page_leaves_out_failed_points(tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    pd.DataFrame(
        {
            "point": [1, 2, 3],
            "value_1": [1.0, 2.0, 3.0],
            "status": ["optimal", "infeasible", "optimal"],
            "message": ["", "power at A in P0", ""],
            "objective": [10.0, None, 30.0],
        }
    ).to_csv(sweep / "sweep.csv", index=False)
    page = build_page(sweep)
    assert list(page.charts[0].figure.data[0].x) == [1.0, 3.0]
    assert dict(page.summary)["Not solved"] == ["value_1 = 2.0: power at A in P0"]
    (failed,) = [t for t in page.charts[0].figure.data if t.name == "no optimal plan"]
    assert list(failed.x) == [2.0] and failed.marker.symbol == "x"


def test_tornado_page_puts_the_widest_swing_on_top(studies):
    table = pd.read_csv(studies["tornado"] / "tornado.csv")
    page = build_page(studies["tornado"])
    low = page.charts[0].figure.data[0]
    assert list(low.y)[::-1] == list(table["parameter"])  # tornado.csv is sorted by swing
    assert dict(page.summary)["Largest swing"].startswith(table["parameter"][0])
    assert page.charts[0].figure.layout.xaxis.title.text == "objective (USD)"


def test_report_command_and_bad_folders(solved, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(solved, copy)
    (copy / "periods.csv").unlink()  # a folder from before periods.csv: no demand line
    result = runner.invoke(app, ["report", str(copy), "--no-png"])
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output
    result = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no such results folder" in result.output
    plan = pd.read_csv(copy / "plan.csv", dtype=str)
    plan.loc[3, "it_mw"] = "lots"
    plan.to_csv(copy / "plan.csv", index=False)
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 2
    assert "plan.csv row 5 column it_mw: 'lots' is not a number" in result.output
    (copy / "summary.json").write_text(json.dumps([1]))
    with pytest.raises(ReportError, match="summary.json"):
        write_report(copy, png=False)
