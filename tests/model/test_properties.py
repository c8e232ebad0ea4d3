"""Property-based tests (hypothesis).

- A random valid small scenario always ends in a plan the checker accepts (or, when its
  numbers cannot all hold, in a diagnosis naming at least one conflicting constraint).
- A random corruption of a valid scenario (a cell, a header, a row, the encoding, the
  YAML) always exits 2 with a message naming the damaged file, never a traceback.
"""

from __future__ import annotations

import shutil
import string
import tempfile
from pathlib import Path

from builders import FIXTURES, write_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chipalloc.data import load_scenario
from chipalloc.data.schema import TABLES
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.cli.app import app
from chipalloc.solve.explain.iis import explain_infeasible
from chipalloc.solve.pipeline import solve, write
from chipalloc.solve.results.checker import check_results

FIXTURE = FIXTURES / "broken" / "negative_value"
runner = CliRunner()
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- random valid scenarios ---------------------------------------------------------------------
OPERATORS = ("microsoft", "oracle", "own")
VENDORS = ("nvidia", "amd", "microsoft")


@st.composite
def scenarios(draw) -> dict:
    """Tables and settings of a valid scenario with 1-4 periods, 1-3 chips and 1-3 sites."""
    n = draw(st.integers(1, 4))
    years = draw(st.sampled_from([0.25, 0.5, 1.0]))
    labels = [f"2026Q{i + 1}" for i in range(n)]
    money = st.floats(0, 5e4, allow_nan=False)
    periods = [
        {"period": p, "years": years, "demand_pflops": draw(st.floats(0, 5000))} for p in labels
    ]
    chips = [
        {
            "chip": f"C{i}",
            "vendor": draw(st.sampled_from(VENDORS)),
            "perf_pflops": draw(st.floats(0.5, 5)),
            "power_kw": draw(st.floats(0.5, 3)),
            "lifetime_periods": draw(st.integers(1, 6)),
            "cooling": draw(st.sampled_from(["air", "liquid"])),
            "operators": draw(st.sampled_from(["", "microsoft;oracle", "own"])),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    sites = [
        {
            "site": f"S{j}",
            "operator": draw(st.sampled_from(OPERATORS)),
            "pue": draw(st.floats(1, 1.5)),
            "cooling": draw(st.sampled_from(["air", "liquid"])),
            "lease_usd_per_kw_month": draw(st.floats(0, 200)),
            "build_cost_usd_per_mw": draw(st.floats(0, 1e7)),
            "build_lead_periods": draw(st.integers(0, 2)),
            "build_lifetime_periods": draw(st.integers(1, 10)),
            "max_build_mw": draw(st.sampled_from([0.0, 5.0, 20.0])),
        }
        for j in range(draw(st.integers(1, 3)))
    ]
    supply = [
        {
            "chip": c["chip"],
            "period": p,
            "max_units": draw(st.floats(0, 5000)),
            "unit_cost_usd": draw(money),
        }
        for c in chips
        for p in labels
        if draw(st.booleans())
    ]
    power = [
        {
            "site": s["site"],
            "period": p,
            "power_mw": draw(st.floats(0, 20)),
            "energy_usd_per_mwh": draw(st.floats(0, 100)),
        }
        for s in sites
        for p in labels
    ]
    fleet = []
    if draw(st.booleans()):
        c, s = draw(st.sampled_from(chips)), draw(st.sampled_from(sites))
        compatible = (c["cooling"] == "air" or s["cooling"] == "liquid") and (
            not c["operators"] or s["operator"] in c["operators"].split(";")
        )
        if compatible:
            fleet.append(
                {
                    "chip": c["chip"],
                    "site": s["site"],
                    "units": draw(st.floats(0, 2000)),
                    "remaining_periods": draw(st.integers(1, n + 1)),
                }
            )
    policies = draw(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "kind": st.sampled_from(["operator_max_share", "operator_min_share"]),
                        "name": st.sampled_from(OPERATORS),
                        "value": st.floats(0, 1),
                        "from_period": st.sampled_from(["", *labels]),
                    }
                ),
                st.fixed_dictionaries(
                    {
                        "kind": st.just("vendor_max_share"),
                        "name": st.sampled_from(VENDORS),
                        "value": st.floats(0, 1),
                        "from_period": st.just(""),
                    }
                ),
                st.fixed_dictionaries(
                    {
                        "kind": st.just("operator_min_spend_usd"),
                        "name": st.sampled_from(OPERATORS),
                        "value": st.floats(0, 1e5),
                        "from_period": st.sampled_from(["", *labels]),
                    }
                ),
            ),
            max_size=2,
        )
    )
    settings_ = {"discount_rate": draw(st.floats(0, 0.15)), "load_factor": draw(st.floats(0.5, 1))}
    if draw(st.booleans()):
        settings_ |= {"objective": "max_compute", "total_budget_usd": draw(st.floats(1e5, 1e9))}
    return {
        "settings": settings_,
        "periods": periods,
        "chips": chips,
        "chip_supply": supply,
        "sites": sites,
        "site_power": power,
        "initial_fleet": fleet,
        "policies": policies,
    }


@SETTINGS
@given(scenarios())
def test_random_valid_scenarios_solve_to_a_checked_plan(tables):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_scenario(Path(tmp) / "random", **tables)
        sc = load_scenario(folder)
        run = solve(sc, SolveOptions())
        assert run.outcome.status in ("optimal", "infeasible"), run.outcome
        if run.outcome.status == "infeasible":
            diagnosis = explain_infeasible(run.solver, run.outcome.fixed_conflicts)
            assert diagnosis.conflicts and all(c.text for c in diagnosis.conflicts)
            return
        out = Path(tmp) / "out"
        write(run, out, SolveOptions(), force=False)
        assert check_results(sc, out) == []


# -- random corruptions ----------------------------------------------------------------------
def base(tmp: Path) -> Path:
    """The fixtures' valid scenario (the negative_value fixture with its cell restored)."""
    folder = tmp / "scenario"
    shutil.copytree(FIXTURE, folder)
    path = folder / "chip_supply.csv"
    path.write_text(path.read_text().replace("MI355X,2026Q2,-5", "MI355X,2026Q2,1000"))
    return folder


CELLS = {
    "periods.csv": ["period", "years", "demand_pflops"],
    "chips.csv": ["chip", "perf_pflops", "power_kw", "lifetime_periods", "cooling"],
    "chip_supply.csv": ["chip", "period", "max_units", "unit_cost_usd"],
    "sites.csv": ["site", "pue", "cooling", "lease_usd_per_kw_month", "build_lead_periods"],
    "site_power.csv": ["site", "period", "power_mw", "energy_usd_per_mwh"],
    "initial_fleet.csv": ["chip", "site", "units", "remaining_periods"],
    "policies.csv": ["kind", "value", "from_period"],
}
"""Columns where any text of letters is an error: a number, a key others refer to, an enum."""
KEYED = [
    "periods.csv",
    "chips.csv",
    "chip_supply.csv",
    "sites.csv",
    "site_power.csv",
    "initial_fleet.csv",
]
WORDS = st.text(string.ascii_letters, min_size=1, max_size=8)


def rows(path: Path) -> list[str]:
    return path.read_text().splitlines()


def corrupt_cell(folder: Path, data) -> None:
    file = data.draw(st.sampled_from(sorted(CELLS)))
    lines = rows(folder / file)
    header = lines[0].split(",")
    column = header.index(data.draw(st.sampled_from(CELLS[file])))
    i = data.draw(st.integers(1, len(lines) - 1))
    cells = lines[i].split(",")
    cells[column] = "zz" + data.draw(WORDS)
    lines[i] = ",".join(cells)
    (folder / file).write_text("\n".join(lines) + "\n")


def corrupt_header(folder: Path, data) -> None:
    """Rename a required column (optional ones may be absent) or repeat its neighbour."""
    file = data.draw(st.sampled_from(sorted(CELLS)))
    lines = rows(folder / file)
    header = lines[0].split(",")
    spec = TABLES[file.removesuffix(".csv")]
    required = [c for c, f in spec.row.model_fields.items() if f.is_required()]
    column = header.index(data.draw(st.sampled_from(required)))
    header[column] = data.draw(st.sampled_from(["x_" + header[column], header[column - 1]]))
    lines[0] = ",".join(header)
    (folder / file).write_text("\n".join(lines) + "\n")


def corrupt_row(folder: Path, data) -> None:
    file = data.draw(st.sampled_from(KEYED))
    lines = rows(folder / file)
    i = data.draw(st.integers(1, len(lines) - 1))
    if data.draw(st.booleans()):
        lines.insert(data.draw(st.integers(1, len(lines))), lines[i])  # duplicate key
    else:
        lines[i] += ",spare,cells"  # more cells than the header
    (folder / file).write_text("\n".join(lines) + "\n")


def corrupt_encoding(folder: Path, data) -> None:
    file = data.draw(st.sampled_from([*sorted(CELLS), "scenario.yaml"]))
    raw = (folder / file).read_bytes()
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(raw)))
        raw = raw[:at] + data.draw(st.sampled_from([b"\xff", b"\xc3(", b"\xe2\x82"])) + raw[at:]
    else:
        raw = raw.decode().encode(data.draw(st.sampled_from(["utf-16", "utf-32"])))
    (folder / file).write_bytes(raw)


def corrupt_yaml(folder: Path, data) -> None:
    text = data.draw(
        st.sampled_from(
            [
                "- a\n- b\n",
                "just text\n",
                "a: [1\n",
                "discount_rate: -1\n",
                "objective: max_compute\n",
                "load_factor: {a: 1}\n",
                "42\n",
            ]
        )
    )
    (folder / "scenario.yaml").write_text(text)


def damaged_file(before: dict[str, bytes], folder: Path) -> str:
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    [name] = [n for n in before if before[n] != after.get(n)]
    return name


@SETTINGS
@given(
    st.sampled_from([corrupt_cell, corrupt_header, corrupt_row, corrupt_encoding, corrupt_yaml]),
    st.data(),
)
def test_random_corruptions_exit_2_naming_the_file(corrupt, data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = base(Path(tmp))
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        corrupt(folder, data)
        file = damaged_file(before, folder)
        result = runner.invoke(app, ["validate", str(folder)])
        assert result.exit_code == 2, (file, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
        assert file in " ".join(result.output.split()), (file, result.output)
