"""Golden LP tests: the rows of every constraint family, as text, against a checked-in file.

Each family's rows are written by ``golden_lp`` (one line per row, terms sorted by variable
name, constants folded into the bound) and compared with ``golden/<family>.lp``; a change
to a family fails with a unified diff of the rows. After an intended change, regenerate the
files and review the diff in git::

    CHIPALLOC_UPDATE_GOLDEN=1 pytest tests/model/test_golden.py

Golden files are in model units (``chipalloc.model.units``): buy and fleet in thousands of
accelerators, build and power in MW, compute and demand in thousands of PFLOPS, costs and
budgets in USD million.

The tiny scenario (``TABLES``), three periods of 0.25, 0.25 and 0.5 years, discount rate 8 %
(d = 1, 1.08^-0.25 = 0.980944, 1.08^-0.5 = 0.962250), load factor 0.9:

- chip X: vendor nv, 2.5 PFLOPS, 1.2 kW, lifetime 2, air; 2,000 units a period at
  30,000 USD in every period;
- chip Y: vendor amd, 1.5 PFLOPS, 0.8 kW, lifetime 3, liquid; 1,000 units a period at
  20,000 USD from 2026Q2 (no buy[Y,*,2026Q1]);
- site A: operator own, liquid, PUE 1.25, lease 5 USD/kW-month, 2 MW at 60 USD/MWh, may
  build 20 MW at 8e6 USD/MW, lead 1, build lifetime 4 (build only in 2026Q1, 2026Q2);
- site B: operator msft, air (hosts X only), PUE 1.1, lease 150 USD/kW-month, 3 MW at
  80 USD/MWh, 500 X units already in service in 2026Q1 (remaining_periods 1);
- capex budgets 50e6 USD in 2026Q1 and 40e6 USD in 2026Q3 (none in 2026Q2); demand 3,000,
  5,000 and 6,000 PFLOPS; unmet penalty 2e5 USD per PFLOPS-year;
- policies: msft max share 0.6; own min share 0.2 from 2026Q2; nv max share 0.8, and 0.7
  from 2026Q2 (the tighter one binds); msft min spend 1e6 USD from 2026Q2.

``core`` is that scenario (min_cost, window fleet form), ``recursion`` the same in the
recursion fleet form (for fleet_balance), ``max_compute`` the same with objective
max_compute and total_budget_usd 2e8 (for total_budget). ``contracts`` (MODEL.md section 9)
is ``core`` with site B on a take_or_pay contract, min_share 0.25 and max_share 0.75: its
power, minimum spend and objective rows follow the v1 ones in their golden files.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pyomo.core as pyo
import pytest
from builders import chip, site, write_scenario
from golden_lp import constraint_names, family_lines, objective_lines

from chipalloc.data import load_scenario
from chipalloc.model import build_model

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CHIPALLOC_UPDATE_GOLDEN") == "1"
PERIODS = ["2026Q1", "2026Q2", "2026Q3"]

TABLES = {
    "periods": [
        {"period": "2026Q1", "years": 0.25, "demand_pflops": 3000.0, "capex_budget_usd": 50e6},
        {"period": "2026Q2", "years": 0.25, "demand_pflops": 5000.0, "capex_budget_usd": ""},
        {"period": "2026Q3", "years": 0.5, "demand_pflops": 6000.0, "capex_budget_usd": 40e6},
    ],
    "chips": [
        chip(chip="X", vendor="nv", perf_pflops=2.5, power_kw=1.2, lifetime_periods=2),
        chip(
            chip="Y",
            vendor="amd",
            perf_pflops=1.5,
            power_kw=0.8,
            lifetime_periods=3,
            cooling="liquid",
        ),
    ],
    "chip_supply": [
        {"chip": "X", "period": p, "max_units": 2000.0, "unit_cost_usd": 30000.0} for p in PERIODS
    ]
    + [
        {"chip": "Y", "period": p, "max_units": 1000.0, "unit_cost_usd": 20000.0}
        for p in PERIODS[1:]
    ],
    "sites": [
        site(
            site="A",
            operator="own",
            pue=1.25,
            lease_usd_per_kw_month=5.0,
            build_cost_usd_per_mw=8e6,
            build_lead_periods=1,
            build_lifetime_periods=4,
            max_build_mw=20.0,
        ),
        site(site="B", operator="msft", pue=1.1, cooling="air", lease_usd_per_kw_month=150.0),
    ],
    "site_power": [
        {"site": "A", "period": p, "power_mw": 2.0, "energy_usd_per_mwh": 60.0} for p in PERIODS
    ]
    + [{"site": "B", "period": p, "power_mw": 3.0, "energy_usd_per_mwh": 80.0} for p in PERIODS],
    "initial_fleet": [{"chip": "X", "site": "B", "units": 500.0, "remaining_periods": 1}],
    "policies": [
        {"kind": "operator_max_share", "name": "msft", "value": 0.6, "from_period": ""},
        {"kind": "operator_min_share", "name": "own", "value": 0.2, "from_period": "2026Q2"},
        {"kind": "vendor_max_share", "name": "nv", "value": 0.8, "from_period": ""},
        {"kind": "vendor_max_share", "name": "nv", "value": 0.7, "from_period": "2026Q2"},
        {"kind": "operator_min_spend_usd", "name": "msft", "value": 1e6, "from_period": "2026Q2"},
    ],
}
CONTRACT = {"contract": "take_or_pay", "min_share": 0.25, "max_share": 0.75}
CONTRACT_TABLES = {
    **TABLES,
    "sites": [TABLES["sites"][0], {**TABLES["sites"][1], **CONTRACT}],
}
"""``TABLES`` with site B take_or_pay (A keeps the default columns: as_used, 0, 1)."""
SETTINGS = {"discount_rate": 0.08, "load_factor": 0.9, "unmet_penalty_usd_per_pflops_year": 2e5}

DISCRETE = {
    **TABLES,
    "chips": [
        {**TABLES["chips"][0], "units_per_rack": 72},
        {**TABLES["chips"][1], "units_per_rack": ""},
    ],
    "sites": [
        {**TABLES["sites"][0], "build_fixed_cost_usd": 5e6, "min_build_mw": 4.0, "campus": "east"},
        {**TABLES["sites"][1], "build_fixed_cost_usd": "", "min_build_mw": "", "campus": ""},
    ],
    "clusters": [
        {
            "cluster": "train",
            "pflops": 2000.0,
            "from_period": "2026Q2",
            "to_period": "",
            "chips": "X",
            "operators": "",
        },
        {
            "cluster": "tune",
            "pflops": 1500.0,
            "from_period": "",
            "to_period": "2026Q2",
            "chips": "",
            "operators": "own",
        },
    ],
    "fabrics": [
        {"fabric": "ib", "vendor": "nv", "usd_per_accelerator": 3000.0, "chips": "X"},
        {"fabric": "eth", "vendor": "arista", "usd_per_accelerator": 1000.0, "chips": ""},
    ],
}
"""``TABLES`` with every section 7 feature: X in racks of 72; A a project (fixed cost 5e6 USD,
at least 4 MW) on campus east, B its own campus; cluster train (2,000 PFLOPS of X from
2026Q2), cluster tune (1,500 PFLOPS to 2026Q2, own sites only); fabrics ib (X only, 3,000 USD
per accelerator) and eth (every chip, 1,000 USD)."""

SCENARIOS: dict[str, tuple[dict, str, dict]] = {
    "core": (SETTINGS, "window", TABLES),
    "recursion": (SETTINGS, "recursion", TABLES),
    "max_compute": (
        {**SETTINGS, "objective": "max_compute", "total_budget_usd": 2e8},
        "window",
        TABLES,
    ),
    "contracts": (SETTINGS, "window", CONTRACT_TABLES),
    "discrete": (SETTINGS, "window", DISCRETE),
}
"""Scenario name -> (scenario.yaml settings, fleet form, tables)."""

GOLDEN: dict[str, tuple[str, ...]] = {
    "power": ("core", "contracts"),
    "supply": ("core",),
    "build_total": ("core",),
    "demand": ("core",),
    "period_budget": ("core",),
    "operator_max_share": ("core",),
    "operator_min_share": ("core",),
    "vendor_max_share": ("core",),
    "operator_min_spend": ("core", "contracts"),
    "total_budget": ("max_compute",),
    "fleet_balance": ("recursion",),
    "contract_min_share": ("contracts",),
    "contract_max_share": ("contracts",),
    "objective": ("core", "max_compute", "contracts"),
    "rack": ("discrete",),
    "one_project": ("discrete",),
    "project_start": ("discrete",),
    "min_build": ("discrete",),
    "cluster_assign": ("discrete",),
    "cluster_compute": ("discrete",),
    "campus_one_cluster": ("discrete",),
    "one_fabric": ("discrete",),
    "fabric_split": ("discrete",),
    "fabric_capacity": ("discrete",),
    "discrete_costs": ("discrete",),
}
"""Golden file stem -> the scenarios whose rows it holds (``objective``: the objectives)."""

UNITS_NOTE = (
    "# model units (chipalloc.model.units): buy, fleet in thousands of accelerators; build,"
    " power in MW;\n# compute, demand, unmet in thousands of PFLOPS; costs, budgets in USD"
    " million.\n# Regenerate: CHIPALLOC_UPDATE_GOLDEN=1 pytest tests/model/test_golden.py\n"
)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, pyo.ConcreteModel]:
    """Every scenario of ``SCENARIOS``, built once for the module."""
    root = tmp_path_factory.mktemp("golden")
    out = {}
    for name, (settings, form, tables) in SCENARIOS.items():
        folder = write_scenario(root / name, settings=settings, **tables)
        out[name] = build_model(load_scenario(folder), fleet_form=form)
    return out


def golden_text(stem: str, models: dict[str, pyo.ConcreteModel]) -> str:
    """The text of ``golden/<stem>.lp`` as the model builds it now."""
    parts = []
    for name in GOLDEN[stem]:
        m = models[name]
        if stem == "objective":
            lines = objective_lines(m)
        elif stem == "discrete_costs":
            lines = objective_lines(m) + period_budget_lines(m)
        else:
            lines = family_lines(m, stem)
        what = "objective" if stem == "objective" else f"{stem} rows"
        parts.append(f"# {what} of scenario {name} ({m.fleet_form} fleet form)\n")
        parts.append("".join(f"{line}\n" for line in lines))
    return UNITS_NOTE + "".join(parts)


def check(stem: str, models: dict[str, pyo.ConcreteModel]) -> None:
    """Compare with ``golden/<stem>.lp`` (or rewrite it when CHIPALLOC_UPDATE_GOLDEN=1)."""
    path = GOLDEN_DIR / f"{stem}.lp"
    built = golden_text(stem, models)
    if UPDATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(built)
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: run CHIPALLOC_UPDATE_GOLDEN=1 pytest {__file__}")
    expected = path.read_text()
    if built != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            built.splitlines(keepends=True),
            fromfile=f"golden/{stem}.lp",
            tofile=f"{stem} as built",
        )
        pytest.fail(
            f"the {stem} rows differ from golden/{stem}.lp (if intended, regenerate with"
            f" CHIPALLOC_UPDATE_GOLDEN=1):\n{''.join(diff)}",
            pytrace=False,
        )


def test_power(models):
    """pue[s] * it_mw[s,p] - built_mw[s,p] <= power_mw[s,p] - initial load.

    A: 1.25 x 1.2 kW = 1.5 MW per thousand X, 1.25 x 0.8 = 1 per thousand Y; -1 build[A,q]
    from q + 1 (lead 1); X bought in q serves q and q + 1 (L = 2), so 2026Q3 sees X of 2026Q2
    and 2026Q3 only, Y of 2026Q2 and 2026Q3 (L = 3); bound 2 MW.
    B: 1.1 x 1.2 = 1.32 per thousand X; in 2026Q1 the 500 initial X use 0.5 x 1.32 = 0.66 MW,
    bound 3 - 0.66 = 2.34. No Y at B (liquid chip at an air site).
    contracts: B's 3 MW become -3 share[B] on the left, bound 0 (-0.66 in 2026Q1); A unchanged.
    """
    check("power", models)


def test_supply(models):
    """sum over s of buy[k,s,p] <= max_units: 2,000 units = 2, 1,000 units = 1 (thousands).

    X can go to A and B, Y to A only; no row for Y in 2026Q1 (no chip_supply row).
    """
    check("supply", models)


def test_build_total(models):
    """build[A,2026Q1] + build[A,2026Q2] <= 20 MW (no build in 2026Q3: 2 + lead 1 > N - 1)."""
    check("build_total", models)


def test_demand(models):
    """compute[p] + unmet[p] >= demand, in thousands of PFLOPS.

    2.5 per thousand X, 1.5 per thousand Y. 2026Q1: 3,000 PFLOPS = 3, less the 500 initial X
    (0.5 x 2.5 = 1.25): 1.75. 2026Q2: 5; 2026Q3: 6, with buy[X,*,2026Q1] retired (L = 2)
    and buy[Y,A,2026Q2] still in service (L = 3).
    """
    check("demand", models)


def test_period_budget(models):
    """Nominal purchases and builds, no horizon share a_k,p and no discount.

    unit cost 30,000 USD x 1,000 / 1e6 = 30 per thousand X, 20 per thousand Y; 8e6 / 1e6 = 8
    per MW built; bounds 50e6 / 1e6 = 50 and 40. 2026Q3: X still 30 (its a = 0.5 is a cost
    share only), no build term (no build in 2026Q3). No row in 2026Q2 (no budget).
    """
    check("period_budget", models)


def test_operator_max_share(models):
    """C_msft[p] - 0.6 compute[p] <= 0 in every period.

    X at B: 2.5 x (1 - 0.6) = 1; X at A: -0.6 x 2.5 = -1.5; Y at A: -0.6 x 1.5 = -0.9.
    2026Q1: the initial 0.5 X at B add 0.5 x 1 = 0.5, bound -0.5.
    """
    check("operator_max_share", models)


def test_operator_min_share(models):
    """C_own[p] - 0.2 compute[p] >= 0 from 2026Q2: X at A 2.5 x 0.8 = 2, Y at A 1.5 x 0.8 = 1.2,
    X at B -0.2 x 2.5 = -0.5."""
    check("operator_min_share", models)


def test_vendor_max_share(models):
    """C_nv[p] - v compute[p] <= 0, v = 0.8 in 2026Q1 and the tighter 0.7 from 2026Q2.

    2026Q1: X 2.5 x 0.2 = 0.5 (Y not yet buyable), initial X 0.5 x 0.5 = 0.25, bound -0.25.
    From 2026Q2: X 2.5 x 0.3 = 0.75, Y -0.7 x 1.5 = -1.05.
    """
    check("vendor_max_share", models)


def test_operator_min_spend(models):
    """Nominal lease paid to msft from 2026Q2 >= 1e6 USD = 1.

    12 x y x 150e-6 x 1000 x it_mw, it_mw = 1.2 per thousand X: 0.54 in 2026Q2 (y = 0.25),
    1.08 in 2026Q3 (y = 0.5). buy[X,B,2026Q1] serves 2026Q1-Q2: 0.54; of 2026Q2 serves Q2-Q3:
    1.62; of 2026Q3: 1.08. The initial X serve 2026Q1 only, before from_period.
    contracts: the lease is on B's contracted IT kW, 1000 x share x 3 MW / 1.1, whatever runs:
    12 x 150e-6 x 3000 / 1.1 x (0.25 + 0.5) = 3.681818 share[B].
    """
    check("operator_min_spend", models)


def test_total_budget(models):
    """total_cost <= 2e8 USD = 200, less the initial fleet's discounted cost 0.3740688.

    buy[X,A,2026Q1]: capex 30 x a (a = min(2, 3) / 2 = 1) = 30; energy per period of service
    1000 x 1.25 x 8.76 x 0.25 x 0.9 x 60e-6 x 1.2 = 0.17739, lease 1000 x 12 x 0.25 x 5e-6
    x 1.2 = 0.018, together 0.19539 in 2026Q1 and 0.19539 x 0.980944 = 0.191666 in 2026Q2:
    30.387057. buy[X,A,2026Q3]: 30 x a (min(2, 1) / 2 = 0.5) x 0.962250 + 0.19539 x 2
    (y = 0.5) x 0.962250 = 14.809785. build[A,2026Q1]: 8 x b, b = min(4, 3 - 0 - 1) / 4
    = 0.5: 4; build[A,2026Q2]: 8 x 0.25 x 0.980944 = 1.961887.
    Initial 0.5 X at B in 2026Q1: energy 1000 x 1.1 x 8.76 x 0.25 x 0.9 x 80e-6 x 0.6
    = 0.1040688, lease 1000 x 12 x 0.25 x 150e-6 x 0.6 = 0.27.
    """
    check("total_budget", models)


def test_fleet_balance(models):
    """fleet[k,s,p] - fleet[k,s,p-1] - buy[k,s,p] + buy[k,s,p-L_k] = change of initial units.

    X (L = 2): buy of 2026Q1 leaves in 2026Q3. Initial X at B: +0.5 in 2026Q1, -0.5 in 2026Q2.
    Y at A in 2026Q1 has no buy: fleet[Y,A,2026Q1] = 0.
    """
    check("fleet_balance", models)


def test_objective(models):
    """min_cost: total_cost (as in test_total_budget, initial fleet as the constant) plus
    d_p x 2e5 x 1000 / 1e6 x y_p per unmet: 50, 49.047183, 96.225045.

    max_compute: y_p x 2.5 per thousand X in service (0.625 a quarter, 1.25 in 2026Q3),
    1.5 per thousand Y; the constant is the initial X: 0.5 x 0.625 = 0.3125.

    contracts: B's buys lose their lease (buy[X,B,2026Q1]: 31.482018 - 0.54 x (1 + 0.980944)
    = 30.412309), so does the initial fleet's constant (0.3740688 - 0.27 = 0.1040688), and
    share[B] costs 12 x 150e-6 x 3000 / 1.1 x (0.25 + 0.25 x 0.980944 + 0.5 x 0.962250)
    = 4.793046.
    """
    check("objective", models)


def test_contract_min_share(models):
    """share[B] >= min_share 0.25 (a fraction of B's offered 3 MW in every period)."""
    check("contract_min_share", models)


def test_contract_max_share(models):
    """share[B] <= max_share 0.75."""
    check("contract_max_share", models)


def period_budget_lines(m: pyo.ConcreteModel) -> list[str]:
    """The period_budget rows (with the section 7 spend)."""
    return family_lines(m, "period_budget")


def test_rack(models):
    """buy[X,s,p] - 72 / 1000 racks[X,s,p] = 0 for X at A and B in every period (Y has no rack
    rule)."""
    check("rack", models)


def test_one_project(models):
    """start[A,2026Q1] + start[A,2026Q2] <= 1 (A builds in 2026Q1 and 2026Q2 only)."""
    check("one_project", models)


def test_project_start(models):
    """build[A,q] - 20 x (start[A,p] for p <= q) <= 0: max_build_mw 20."""
    check("project_start", models)


def test_min_build(models):
    """build[A,2026Q1] + build[A,2026Q2] - 4 start[A,2026Q1] - 4 start[A,2026Q2] >= 0."""
    check("min_build", models)


def test_cluster_assign(models):
    """train: host[train,east] + host[train,B] = 1; tune (own only): host[tune,east] = 1."""
    check("cluster_assign", models)


def test_cluster_compute(models):
    """2 host[train,g] - 2.5 fleet[X,s,p] <= 0 for g = east (A), B, p = 2026Q2, 2026Q3;
    1.5 host[tune,east] - 2.5 X - 1.5 Y at A <= 0 in 2026Q1 and 2026Q2 (thousands of PFLOPS;
    in 2026Q1 no Y is on sale, so only X counts)."""
    check("cluster_compute", models)


def test_campus_one_cluster(models):
    """host[train,east] + host[tune,east] <= 1 in 2026Q2, the one period both windows share."""
    check("campus_one_cluster", models)


def test_one_fabric(models):
    """use[s,ib] + use[s,eth] <= 1 at A and B."""
    check("one_fabric", models)


def test_fabric_split(models):
    """buy[k,s,p] - buyf[k,s,p,ib] (X only) - buyf[k,s,p,eth] = 0."""
    check("fabric_split", models)


def test_fabric_capacity(models):
    """buyf[k,s,p,f] - max_units[k,p] use[s,f] <= 0: 2 for X, 1 for Y (thousands)."""
    check("fabric_capacity", models)


def test_discrete_costs(models):
    """The objective gains d_p x (5 x b start[A,p]) with b = 0.5 in 2026Q1, 0.25 in 2026Q2
    (as for the MW cost: 2.5 and 1.25 x 0.980944 = 1.22618), and d_p x a_k,p x 3 (ib) or 1
    (eth) per thousand units on a fabric; period_budget gains 5 start[A,2026Q1] and 3 / 1 per
    thousand units, without the shares."""
    check("discrete_costs", models)


def test_every_family_has_a_golden_file(models):
    """Every constraint the scenarios build is checked above, and every golden file is used."""
    for name, m in models.items():
        missing = [c for c in constraint_names(m) if c not in GOLDEN]
        assert not missing, f"scenario {name} builds {missing} with no golden file: add it"
        assert m.fixed_rows == [], f"{name} has rows with no variable, not in the LP text"
    for stem in GOLDEN:
        assert f"test_{stem}" in globals(), f"no test_{stem}"
        if stem not in ("objective", "discrete_costs"):
            for name in GOLDEN[stem]:
                assert stem in constraint_names(models[name]), f"{name} builds no {stem}"
    if not UPDATE:
        files = {p.stem for p in GOLDEN_DIR.glob("*.lp")}
        assert files == set(GOLDEN), f"stale or missing golden files: {files ^ set(GOLDEN)}"
