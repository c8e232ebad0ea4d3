"""The Python API of chipalloc, for notebooks and scripts; the CLI is a thin layer over it.

    import chipalloc
    result = chipalloc.solve()                 # the embedded base scenario
    result.plan                                # plan.csv as a DataFrame
    result.write("results/base")               # the same folder `chipalloc solve` writes

``load`` reads a scenario (a folder, or the embedded base) and applies a variant and edits;
``solve`` solves one and returns a ``Result`` holding every results table as a DataFrame;
``sweep``, ``tornado``, ``compare``, ``pareto`` and ``alternatives`` run studies over one
scenario and return their tables (``sweep.csv``, ``tornado.csv``, ``compare.csv``,
``pareto.csv``, ``alternatives.csv``). Each function here is what one
``chipalloc`` command calls. A study added later (hedge) is one
function in this module and one name in ``STUDIES`` (``chipalloc.<name>`` then works).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

import chipalloc.solve.pipeline as pipeline
from chipalloc.data import BASE_DIR, Scenario, load_overrides
from chipalloc.data.overrides import apply_edits
from chipalloc.solve.backend.options import SolveOptions, parse_highs_options
from chipalloc.solve.results.units import objective_unit

Edits = list[dict[str, Any]]
ScenarioLike = Scenario | str | Path | None

PUBLIC = (
    "load",
    "solve",
    "Result",
    "NoPlan",
    "sweep",
    "tornado",
    "compare",
    "pareto",
    "alternatives",
    "export",
)
"""The names ``import chipalloc`` exposes (lazily, so ``import chipalloc`` stays fast)."""
STUDIES: tuple[str, ...] = ("sweep", "tornado", "compare", "pareto", "alternatives")
"""Study functions of this module; hedge joins here when added."""


class NoPlan(RuntimeError):
    """A results table was asked of a solve that found no optimal plan (see ``status``)."""


def load(
    path: str | Path | None = None,
    variant: str | None = None,
    overrides: str | Path | None = None,
    edits: Edits | None = None,
) -> Scenario:
    """The scenario at ``path`` (default: the embedded base scenario), validated.

    ``variant`` names a variant of ``overrides`` (default: the scenario's ``variants.yaml``);
    ``edits`` is a list of edits in the variant language (docs/scenario-format.md), e.g.
    ``[{"table": "chip_supply", "where": {"chip": "GB200"}, "column": "max_units",
    "scale": 0.7}]``, applied after the variant. Raises ``chipalloc.data.ScenarioError``
    naming every problem (file, row, column).
    """
    scenario = pipeline.load(path, overrides, variant)
    if edits:
        scenario = apply_edits(scenario, list(edits), label="edits")
    return scenario


def _scenario(scenario: ScenarioLike, variant: str | None, edits: Edits | None) -> Scenario:
    if isinstance(scenario, Scenario):
        if variant is not None:
            edits_of = load_overrides(Path(scenario.source) / "variants.yaml")
            from chipalloc.data import apply_variant

            scenario = apply_variant(scenario, edits_of, variant)
        return apply_edits(scenario, list(edits), label="edits") if edits else scenario
    return load(scenario, variant=variant, edits=edits)


@dataclass
class Result:
    """One solve: its status, objective and every results table as a pandas DataFrame.

    The tables are those of a results folder (docs/scenario-format.md, units in
    docs/api.md): ``plan`` (plan.csv: fractional accelerators, an LP), ``sites``, ``costs``,
    ``duals``, ``reduced_costs``, ``periods``; ``summary`` is summary.json as a dict. They
    exist when the solve has a plan (``has_plan``: optimal, or a MIP's incumbent at its time
    limit); otherwise reading one raises ``NoPlan``.
    """

    scenario: Scenario
    run: pipeline.Run
    options: SolveOptions = field(default_factory=SolveOptions)
    _tables: dict[str, pd.DataFrame] | None = field(default=None, repr=False)

    @property
    def status(self) -> str:
        """optimal, infeasible, time_limit, unbounded or error (MODEL.md's words)."""
        return self.run.outcome.status

    @property
    def ok(self) -> bool:
        """True when the solve found an optimal plan."""
        return self.status == "optimal"

    @property
    def has_plan(self) -> bool:
        """True when there is a plan to read: optimal, or a MIP stopped at its time limit with
        an incumbent (status ``time_limit``, not proved optimal)."""
        return self.run.outcome.has_plan

    @property
    def objective(self) -> float | None:
        """The objective in ``objective_unit`` (None without a plan)."""
        return self.run.outcome.objective if self.has_plan else None

    @property
    def objective_unit(self) -> str:
        """USD (discounted) for min_cost, PFLOPS-years for max_compute."""
        return objective_unit(self.scenario)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every results table by name (the CSV files of the results folder)."""
        if not self.has_plan:
            raise NoPlan(f"the solve of {self.scenario.name} is {self.status}: no plan")
        if self._tables is None:
            self._tables = pipeline.tables_of(self.run)
        return self._tables

    plan = property(lambda self: self.tables()["plan"], doc="plan.csv")
    sites = property(lambda self: self.tables()["sites"], doc="sites.csv")
    costs = property(lambda self: self.tables()["costs"], doc="costs.csv")
    duals = property(lambda self: self.tables()["duals"], doc="duals.csv")
    reduced_costs = property(lambda self: self.tables()["reduced_costs"], doc="reduced_costs.csv")
    periods = property(lambda self: self.tables()["periods"], doc="periods.csv")

    @property
    def summary(self) -> dict[str, Any]:
        """summary.json as a dict (objective, costs, shortfall, solver facts, warnings)."""
        if not self.has_plan:
            raise NoPlan(f"the solve of {self.scenario.name} is {self.status}: no plan")
        return pipeline.summary_of(self.run)

    def chip_mix(self) -> pd.DataFrame:
        """Accelerators in service per site and chip in the last period (plan.csv fleet_units)."""
        from chipalloc.solve.results.mix import chip_mix

        return chip_mix(self.plan)

    def write(
        self,
        folder: str | Path,
        force: bool = False,
        xlsx: bool = False,
        extra: dict[str, Any] | None = None,
        protect: Iterable[Path] = (),
    ) -> Path:
        """Write the results folder (checked by the plan checker, put in place atomically).

        ``force`` replaces only a folder chipalloc wrote; ``xlsx`` also writes results.xlsx.
        """
        self.tables()
        folder = Path(folder)
        pipeline.write(self.run, folder, self.options, force, extra=extra, protect=protect)
        if xlsx:
            self.to_excel(folder / "results.xlsx")
        return folder

    def to_excel(self, path: str | Path) -> Path:
        """An Excel workbook of every results table (one sheet each, units in the headers)."""
        from chipalloc.solve.results.workbook import write_workbook

        return write_workbook(path, self.tables(), self.summary)

    def __repr__(self) -> str:
        if not self.has_plan:
            return f"<Result {self.scenario.name}: {self.status}>"
        return f"<Result {self.scenario.name}: {self.status}, objective {self.objective:,.6g} " + (
            f"{self.objective_unit}>"
        )


def solve(
    scenario: ScenarioLike = None,
    variant: str | None = None,
    edits: Edits | None = None,
    *,
    time_limit: float | None = None,
    threads: int | None = None,
    method: str = "choose",
    solver_log: str | Path | None = None,
    highs_options: dict[str, Any] | list[str] | None = None,
    mip_gap: float = 1e-4,
    options: SolveOptions | None = None,
    progress: Callable[[], AbstractContextManager[Any]] | None = None,
    timings: dict[str, float] | None = None,
) -> Result:
    """Solve a scenario (a loaded ``Scenario``, a folder, or None: the embedded base).

    ``variant`` and ``edits`` are applied first (as in ``load``). Solver options:
    ``time_limit`` (seconds), ``threads``, ``method`` (choose, simplex, ipm, ipm-nox,
    pdlp), ``solver_log`` (a file for HiGHS's log), ``highs_options`` (any HiGHS option,
    a dict or ``NAME=VALUE`` texts), ``mip_gap`` (the relative gap a MIP must be proved
    within, MODEL.md 7.5), or a ready ``options``. ``progress`` is a context
    manager factory wrapped around the solver run (the CLI's spinner). A failed solve is
    a ``Result`` too: check ``result.status``.
    """
    timings = {} if timings is None else timings
    with pipeline.timed(timings, "load"):
        sc = _scenario(scenario, variant, edits)
    if options is None:
        if isinstance(highs_options, list):
            highs_options = parse_highs_options(highs_options)
        options = SolveOptions(
            time_limit=time_limit,
            threads=threads,
            method=method,
            solver_log=Path(solver_log) if solver_log else None,
            highs_options=dict(highs_options or {}),
            mip_gap=mip_gap,
        )
    run = pipeline.solve(sc, options, timings, progress=progress or nullcontext)
    return Result(sc, run, options)


def _runs(table: pd.DataFrame, rows: list[dict[str, Any]], seconds: float) -> pd.DataFrame:
    table.attrs["runs"] = rows
    table.attrs["seconds"] = round(seconds, 3)
    return table


def _with_gap(options: SolveOptions | None, mip_gap: float | None) -> SolveOptions:
    """``options`` (default ``SolveOptions()``) with the relative gap ``mip_gap`` every MIP
    point of a study is proved within; None keeps the options' own (default 1e-4)."""
    options = options or SolveOptions()
    return options if mip_gap is None else replace(options, mip_gap=mip_gap)


def sweep(
    scenario: ScenarioLike = None,
    edits: Edits | dict[str, Any] | None = None,
    *,
    variant: str | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    mip_gap: float | None = None,
    options: SolveOptions | None = None,
) -> pd.DataFrame:
    """sweep.csv: the scenario over a range of one edit (a line) or a grid of two.

    Each swept edit holds a list of values or ``"start:stop:count"`` in its operation,
    e.g. ``{"table": "chip_supply", "where": {"chip": "GB200"}, "column": "unit_cost_usd",
    "scale": "0.8:1.2:5"}``. One row per point: value_1[, value_2], status, message,
    objective (in ``objective_unit``), costs, compute, slopes. ``workers`` (default 1, None:
    every core) and ``scheduler`` (a Dask address) run points in parallel. The rows of every
    run are in ``table.attrs["runs"]``, the wall time in ``table.attrs["seconds"]``. On a MIP
    scenario (MODEL.md section 7) each point is proved within ``mip_gap`` (default: the
    ``options``' gap, 1e-4) and its row holds ``problem`` and the gap proved, ``mip_gap``.
    """
    from chipalloc.solve.whatif.parallel import run_cases
    from chipalloc.solve.whatif.study import SpecError
    from chipalloc.solve.whatif.sweep import parse_axis, sweep_cases

    sc = _scenario(scenario, variant, None)
    raw = [edits] if isinstance(edits, dict) else list(edits or [])
    if not raw:
        raise SpecError("a sweep needs one or two swept edits")
    axes = [parse_axis(a) for a in raw]
    start = time.perf_counter()
    rows = run_cases(
        sc, sweep_cases(axes), _with_gap(options, mip_gap), workers=workers,
        scheduler=scheduler, title="sweep", progress=progress,
    )  # fmt: skip
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("objective") if "objective" in table else len(table.columns),
                 "objective_unit", objective_unit(sc))  # fmt: skip
    table = _runs(table, rows, time.perf_counter() - start)
    table.attrs["axes"] = axes
    return table


def tornado(
    scenario: ScenarioLike = None,
    spec: dict[str, Any] | str | Path | None = None,
    *,
    variant: str | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    mip_gap: float | None = None,
    options: SolveOptions | None = None,
) -> pd.DataFrame:
    """tornado.csv: the low and high case of each uncertain parameter, widest swing first.

    ``spec`` maps each parameter name to ``{low: edit(s), high: edit(s)}`` or to a swept edit
    with two values (a dict, or a YAML file). Objectives are in the ``objective_unit`` column.
    A MIP's cases are proved within ``mip_gap`` (as in ``sweep``); their proved gaps are
    ``low_mip_gap``, ``high_mip_gap`` and ``base_mip_gap``.
    """
    from chipalloc.solve.whatif.parallel import run_cases
    from chipalloc.solve.whatif.tornado import parse_tornado, tornado_cases, tornado_table

    if isinstance(spec, str | Path):
        from chipalloc.data import limits

        spec = limits.load_yaml_file(Path(spec))
    sc = _scenario(scenario, variant, None)
    parameters = parse_tornado(spec)
    start = time.perf_counter()
    rows = run_cases(
        sc, tornado_cases(parameters), _with_gap(options, mip_gap), workers=workers,
        scheduler=scheduler, title="tornado", progress=progress,
    )  # fmt: skip
    table = tornado_table(rows)
    table.insert(table.columns.get_loc("swing") + 1, "objective_unit", objective_unit(sc))
    return _runs(table, rows, time.perf_counter() - start)


def compare(
    scenario: ScenarioLike = None,
    variants: Iterable[str] | None = None,
    overrides: str | Path | dict[str, Edits] | None = None,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    mip_gap: float | None = None,
    options: SolveOptions | None = None,
) -> pd.DataFrame:
    """compare.csv: the base and each variant (default: every variant), with deltas.

    ``overrides`` is a variants file or a dict of variant -> edits (default: the scenario's
    variants.yaml). One row per run, base first; ``<metric>_delta`` = variant - base. A MIP's
    runs are proved within ``mip_gap`` (as in ``sweep``), each row with its ``mip_gap``.
    """
    from chipalloc.solve.whatif.compare import compare_table, variant_cases
    from chipalloc.solve.whatif.parallel import run_cases

    sc = _scenario(scenario, None, None)
    if not isinstance(overrides, dict):
        path = overrides or Path(sc.source or BASE_DIR) / "variants.yaml"
        overrides = load_overrides(path)
    cases = variant_cases(overrides, list(variants or []))

    start = time.perf_counter()
    rows = run_cases(
        sc, cases, _with_gap(options, mip_gap), workers=workers, scheduler=scheduler,
        title="compare", progress=progress,
    )  # fmt: skip
    table = compare_table(rows)
    return _runs(table, rows, time.perf_counter() - start)


def pareto(
    scenario: ScenarioLike = None,
    group: str = "vendor:nvidia",
    caps: Iterable[float] = (0.6, 0.5, 0.4, 0.3, 0.2),
    *,
    window: str | None = None,
    variant: str | None = None,
    mip_gap: float | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    options: SolveOptions | None = None,
) -> pd.DataFrame:
    """pareto.csv: what each level of independence costs (MODEL.md 10.1).

    ``group`` is ``operator:NAME`` or ``vendor:NAME``, ``window`` ``FROM:TO`` (default: the
    horizon). For each cap eps the model gains ``S_g - eps * T <= 0`` and is re-solved warm;
    one row per cap: cap, status, objective, share reached, marginal_cost_per_point
    (= -mu * T / 100). An infeasible cap is a row. ``GroupError`` for an unknown name.
    The caps are solved loosest first (``loosest_first``) and reported in the order given.
    """
    from chipalloc.model.independence import parse_group, parse_window
    from chipalloc.solve.whatif.independence import CapCase, ParetoStudy, loosest_first
    from chipalloc.solve.whatif.parallel import run_cases

    sc = _scenario(scenario, variant, None)
    found, periods = parse_group(group, sc), parse_window(window, sc)
    study = partial(ParetoStudy, group=found, window=periods)
    values = [float(c) for c in caps]
    order = loosest_first(values)
    start = time.perf_counter()
    solved = run_cases(
        sc, [CapCase(values[i]) for i in order], _with_gap(options, mip_gap), workers=workers,
        scheduler=scheduler, title="pareto", progress=progress, study=study,
    )  # fmt: skip
    rows: list[dict[str, Any]] = [{}] * len(values)
    for i, row in zip(order, solved, strict=True):
        rows[i] = row
    table = _runs(pd.DataFrame(rows), rows, time.perf_counter() - start)
    table.attrs.update(group=found, window=periods)
    return table


def alternatives(
    scenario: ScenarioLike = None,
    groups: Iterable[str] = ("vendor:nvidia",),
    slack: float = 0.01,
    *,
    window: str | None = None,
    directions: int = 0,
    seed: int = 0,
    variant: str | None = None,
    mip_gap: float | None = 1e-9,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    options: SolveOptions | None = None,
) -> pd.DataFrame:
    """alternatives.csv: how far plans within ``slack`` of the optimum can differ (MODEL.md
    10.2).

    Per group the least and the most PFLOPS-years S_g with the objective within
    (1 + slack) Z* (min_cost) or (1 - slack) Z* (max_compute); ``directions`` adds seeded
    MGA plans. One row per extreme (group, direction min|max|mga-N, status, pflops_years,
    share, objective, the optimum's own numbers); the plans' results-folder files are in
    ``table.attrs["files"]`` (``folder/name`` -> content) and ``ranges(table)`` in
    chipalloc.solve.whatif.independence gives each group's share range.
    """
    from chipalloc.model.independence import parse_group, parse_window
    from chipalloc.solve.whatif.independence import (
        AlternativesStudy,
        alternatives_table,
        extreme_cases,
        folder_names,
        mga_cases,
    )
    from chipalloc.solve.whatif.parallel import run_cases

    sc = _scenario(scenario, variant, None)
    found = [parse_group(g, sc) for g in groups]
    periods = parse_window(window, sc)
    keys = [f"{g.label}-{d}" for g in found for d in ("min", "max")]
    keys += [f"mga-{i}" for i in range(1, directions + 1)]
    folders = folder_names(keys)
    cases = extreme_cases(found, folders) + mga_cases(found, directions, seed, folders)
    study = partial(AlternativesStudy, groups=found, window=periods, slack=slack)
    start = time.perf_counter()
    rows = run_cases(
        sc, cases, _with_gap(options, mip_gap), workers=workers, scheduler=scheduler,
        title="alternatives", progress=progress, study=study,
    )  # fmt: skip
    optimum = next((r["optimum"] for r in rows if r.get("optimum")), None)
    table, files = alternatives_table(rows, cases, optimum)
    table = _runs(table, rows, time.perf_counter() - start)
    table.attrs.update(files=files, optimum=optimum, groups=found, window=periods)
    return table


def export(results: str | Path, out: str | Path | None = None) -> Path:
    """results.xlsx from an existing results folder (default: ``RESULTS/results.xlsx``)."""
    from chipalloc.solve.results.workbook import export_folder

    return export_folder(Path(results), Path(out) if out else None)
