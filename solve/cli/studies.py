"""Commands for what-if questions: sensitivity (ranging), compare, sweep, tornado.

Exit status: 0 when the command ran and wrote its folder (runs that found no optimal plan
are rows with their status and message: a warning says how many); 2 invalid scenario,
overrides or spec (or every run invalid); 3-5 the sensitivity solve was infeasible, hit
the time limit or is unbounded; 1 other failures (an existing folder without --force).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from chipalloc.solve.cli.app import (
    EXIT,
    DebugOpt,
    OverridesOpt,
    ScenarioArg,
    VariantOpt,
    _explain,
    _fail,
    _guard,
    _load,
    app,
    console,
    err,
)

OutOpt = Annotated[
    Path | None, typer.Option(help="Output folder (default: results/<name>-<command>).")
]
WorkersOpt = Annotated[
    int | None, typer.Option(help="Worker processes (default: every core).", min=1)
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address (tcp://HOST:PORT) to run on instead of locally."),
]
ForceOpt = Annotated[bool, typer.Option(help="Replace an existing output folder.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]


def _unit(sc) -> str:
    return "PFLOPS-years" if sc.settings.objective == "max_compute" else "USD"


def _show(value: Any, unit: str) -> str:
    from chipalloc.solve.cli.display import money

    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) == float("inf"):
            return "inf" if value > 0 else "-inf"
        if unit == "USD":
            return "-" + money(-value) if value < 0 else money(value)
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"
    return escape(str(value))


def _write(out: Path, tables: dict, documents: dict, force: bool) -> None:
    from chipalloc.solve.results.write import write_folder

    try:
        write_folder(out, tables, documents, force=force)
    except FileExistsError:
        raise _fail("error", f"{out} exists; use --force to replace it") from None


def _yaml(text: str, what: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        message = f"{what} is not valid YAML: {error}".replace("\n", " ")
        raise _fail("invalid", escape(message)) from None


def _read_spec(path: Path) -> Any:
    try:
        return _yaml(path.read_text(encoding="utf-8-sig"), str(path))
    except OSError as error:
        raise _fail("invalid", escape(f"cannot read {path}: {error.strerror}")) from None


def _run_study(sc, cases, kind: str, what: str, out, force, workers, scheduler, quiet):
    """Run the cases of a compare, sweep or tornado study in parallel.

    Returns (target folder, result rows, seconds). The target defaults to
    ``results/<scenario>-<kind>`` and is refused, before any solve, if it exists without --force.
    """
    from chipalloc.solve.whatif.parallel import run_cases

    target = out or Path("results") / f"{sc.name}-{kind}"
    if target.exists() and not force:
        raise _fail("error", f"{target} exists; use --force to replace it")
    start = time.perf_counter()
    rows = run_cases(
        sc, cases, workers=workers, scheduler=scheduler, title=kind, progress=not quiet
    )
    _report_failures(rows, what)
    return target, rows, round(time.perf_counter() - start, 3)


def _report_failures(rows: list[dict], what: str) -> None:
    failed = [r for r in rows if r["status"] != "optimal"]
    if failed and all(r["status"] == "invalid" for r in rows):
        raise _fail("invalid", escape(f"every {what} is invalid: {rows[0]['message']}"))
    if failed:
        err.print(
            f"[yellow]warning[/]: {len(failed)} of {len(rows)} {what}s found no optimal plan "
            "(see the status and message columns)"
        )


# -- sensitivity --------------------------------------------------------------------------


@app.command()
def sensitivity(
    scenario: ScenarioArg = None,
    out: OutOpt = None,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    top: Annotated[int, typer.Option(help="Rows shown per table.", min=1)] = 10,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """LP sensitivity report: ranging of costs and right-hand sides, duals, reduced costs."""
    _guard(debug, lambda: _sensitivity(scenario, out, overrides, variant, top, force, quiet))


def _sensitivity(scenario, out, overrides, variant, top, force, quiet) -> None:
    from chipalloc.solve.backend.options import SolveOptions
    from chipalloc.solve.explain.binding import binding_constraints
    from chipalloc.solve.pipeline import solve
    from chipalloc.solve.results.reduced_costs import reduced_cost_table
    from chipalloc.solve.whatif.ranging import ranging_tables

    sc = _load(scenario, overrides, variant)
    target = out or Path("results") / f"{sc.name}-sensitivity"
    if target.exists() and not force:
        raise _fail("error", f"{target} exists; use --force to replace it")
    run = solve(sc, SolveOptions(method="simplex"))
    if run.outcome.status != "optimal":
        _explain(run)
        raise typer.Exit(EXIT.get(run.outcome.status, 1))
    variables, constraints = ranging_tables(sc, run.solver)
    reduced = reduced_cost_table(sc, run.solver)
    summary = {
        "scenario": sc.name,
        "status": run.outcome.status,
        "objective": run.outcome.objective,
        "objective_unit": _unit(sc),
        "variables": len(variables),
        "constraints": len(constraints),
        "binding_constraints": int((constraints["status"] == "binding").sum()),
    }
    tables = {
        "ranging_variables": variables,
        "ranging_constraints": constraints,
        "duals": run.results.duals,
        "reduced_costs": reduced,
    }
    _write(target, tables, {"summary": summary}, force)
    if quiet:
        return
    unit = _unit(sc)
    console.print(
        f"[bold]{escape(sc.name)}[/]: optimal, objective {_show(run.outcome.objective, unit)}"
    )
    binding = binding_constraints(sc, run.results, top)
    ranged = constraints.set_index("name")
    table = Table(title=f"Most valuable binding constraints (by the {unit} gained from +1%)")
    table.add_column("constraint", no_wrap=True)
    table.add_column("shadow price", justify="right", no_wrap=True)
    table.add_column("rhs range (- / +)", justify="right", no_wrap=True)
    table.add_column("next at the + limit", ratio=1)
    for row in binding.to_dict("records"):
        r = ranged.loc[row["constraint"]]
        per = str(r["shadow_price_unit"]).replace(" per ", "/")
        change = f"-{_show(r['allowable_decrease'], '')} / +{_show(r['allowable_increase'], '')}"
        table.add_row(
            escape(row["constraint"]),
            f"{_show(row['shadow_price'], '')} {escape(per)}",
            f"{change} {escape(str(r['unit']))}",
            escape(str(r["next_at_increase"])),
        )
    console.print(table)
    console.print(_entry_table(reduced, top))
    console.print(f"Sensitivity report written to [bold]{escape(str(target))}[/]")


def _entry_table(reduced, top: int) -> Table:
    """Chips not bought, closest to entering: smallest price cut needed, in percent."""
    table = Table(title="Closest chips to enter the plan (price at which each would be bought)")
    for column in ("chip", "site", "period", "unit price", "break-even", "cut needed"):
        table.add_column(column, justify="right" if column not in ("chip", "site") else "left")
    out = reduced[~reduced["in_plan"] & (reduced["unit_cost_usd"] > 0)].copy()
    out["cut"] = 1 - out["break_even_unit_cost_usd"] / out["unit_cost_usd"]
    ties = int((out["cut"].abs() <= 1e-9).sum())
    if ties:
        table.caption = f"{ties} more tie with the plan: bought at their price, cost unchanged"
    out = out[out["cut"] > 1e-9]
    for r in out.sort_values("cut").head(top).to_dict("records"):
        table.add_row(
            escape(r["chip"]),
            escape(r["site"]),
            escape(r["period"]),
            _show(r["unit_cost_usd"], "USD"),
            _show(r["break_even_unit_cost_usd"], "USD"),
            f"{r['cut']:.2%}",
        )
    return table


# -- compare ------------------------------------------------------------------------------


@app.command()
def compare(
    scenario: ScenarioArg = None,
    overrides: OverridesOpt = None,
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", help="Variant to compare (repeat; default all)."),
    ] = None,
    out: OutOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Solve the base and each variant; write compare.csv side by side with deltas."""
    _guard(
        debug,
        lambda: _compare(scenario, overrides, variant or [], out, workers, scheduler, force, quiet),
    )


def _compare(scenario, overrides, variants, out, workers, scheduler, force, quiet) -> None:
    from chipalloc.data import BASE_DIR, ScenarioError, load_overrides
    from chipalloc.solve.whatif.compare import compare_table, variant_cases

    sc = _load(scenario, None, None)
    path = overrides or Path(scenario or BASE_DIR) / "variants.yaml"
    try:
        cases = variant_cases(load_overrides(path), variants)
    except ScenarioError as error:
        raise _fail("invalid", escape("; ".join(str(p) for p in error.problems))) from None
    target, rows, seconds = _run_study(
        sc, cases, "compare", "run", out, force, workers, scheduler, quiet
    )
    table = compare_table(rows)
    meta = {
        "scenario": sc.name,
        "overrides": str(path),
        "objective_unit": _unit(sc),
        "seconds": seconds,
    }
    _write(target, {"compare": table}, {"compare": meta}, force)
    if not quiet:
        console.print(_compare_screen(table, _unit(sc)))
        console.print(f"Comparison written to [bold]{escape(str(target))}[/]")


def _compare_screen(table, unit: str) -> Table:
    """Metrics down, runs across; each variant's cell shows its change from the base."""
    screen = Table(title=f"Variants against the base ({unit} where money)")
    screen.add_column("metric", no_wrap=True)
    for name in table["variant"]:
        screen.add_column(escape(str(name)), justify="right")
    screen.add_row("status", *[escape(str(s)) for s in table["status"]])
    metrics = [
        c
        for c in table.columns
        if not c.endswith("_delta")
        and c not in ("variant", "status", "message", "objective_delta_pct")
    ]
    for metric in metrics:
        money_like = metric.endswith("_usd") or (metric == "objective" and unit == "USD")
        cells = []
        for i, value in enumerate(table[metric]):
            cell = _show(value, "USD" if money_like else "")
            delta = table[f"{metric}_delta"].iloc[i] if f"{metric}_delta" in table else None
            base = table[metric].iloc[0]
            tiny = 1e-6 * max(1.0, abs(base) if isinstance(base, float) else 1.0)
            if i and delta is not None and delta == delta and abs(delta) > tiny:
                cell += f" ({'+' if delta > 0 else ''}{_show(delta, 'USD' if money_like else '')})"
            cells.append(cell)
        screen.add_row(metric, *cells)
    return screen


# -- sweep ---------------------------------------------------------------------------------


@app.command()
def sweep(
    scenario: ScenarioArg = None,
    edit: Annotated[
        list[str] | None,
        typer.Option(
            "--edit",
            help="A swept edit in YAML, its operation holding a list or start:stop:count, e.g. "
            '"{table: chip_supply, where: {chip: GB200}, column: unit_cost_usd, '
            "scale: '0.8:1.2:9'}\". Give two for a grid.",
        ),
    ] = None,
    spec: Annotated[
        Path | None, typer.Option(help="YAML file: a list of one or two swept edits.")
    ] = None,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    out: OutOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Solve the scenario over a range of one edit (or a grid of two): sweep.csv, sweep.png."""
    _guard(
        debug,
        lambda: _sweep(
            scenario, edit or [], spec, overrides, variant, out, workers, scheduler, force, quiet
        ),
    )


def _sweep(scenario, edits, spec, overrides, variant, out, workers, scheduler, force, quiet):
    import pandas as pd

    from chipalloc.solve.report.static import sweep_chart
    from chipalloc.solve.whatif.study import SpecError
    from chipalloc.solve.whatif.sweep import parse_axis, sweep_cases

    if bool(edits) == bool(spec):
        raise _fail("invalid", "give --edit (once or twice) or --spec FILE, not both")
    raw = [_yaml(e, "--edit") for e in edits] if edits else _read_spec(spec)
    try:
        if not isinstance(raw, list):
            raise SpecError("a sweep spec is a list of one or two swept edits")
        axes = [parse_axis(a) for a in raw]
        cases = sweep_cases(axes)
    except SpecError as error:
        raise _fail("invalid", escape(str(error))) from None
    sc = _load(scenario, overrides, variant)
    target, rows, seconds = _run_study(
        sc, cases, "sweep", "point", out, force, workers, scheduler, quiet
    )
    table = pd.DataFrame(rows)
    meta = {
        "scenario": sc.name,
        "objective_unit": _unit(sc),
        "axes": [{"title": a.title, "edit": a.edit, "op": a.op, "values": a.values} for a in axes],
        "points": len(rows),
        "failed": int((table["status"] != "optimal").sum()),
        "rebuilt": int(table["rebuilt"].fillna(False).astype(bool).sum()),
        "seconds": seconds,
    }
    _write(target, {"sweep": table}, {"sweep": json.loads(json.dumps(meta, default=str))}, force)
    sweep_chart(table, [a.title for a in axes], _unit(sc), target / "sweep.png")
    if not quiet:
        console.print(_points_screen(table, len(axes), _unit(sc)))
        console.print(f"Sweep written to [bold]{escape(str(target))}[/] (sweep.csv, sweep.png)")


def _points_screen(table, n_axes: int, unit: str) -> Table:
    """The first 60 points: values, status, objective and d objective / d value."""
    screen = Table(title=f"Sweep points (objective in {unit})")
    values = [f"value_{i}" for i in range(1, n_axes + 1)]
    slopes = [f"slope_{i}" for i in range(1, n_axes + 1) if f"slope_{i}" in table.columns]
    names = ["point", *values, "status", "objective", *slopes, "rebuilt"]
    for name in names:
        screen.add_column(name.replace("slope", "d objective / d value"), justify="right")
    for r in table.head(60).to_dict("records"):
        cells = []
        for name in names:
            value = r.get(name)
            if name == "objective" or name in slopes:
                cells.append(_show(value, unit))
            else:
                cells.append(escape(f"{value:,.6g}" if isinstance(value, float) else str(value)))
        screen.add_row(*cells)
    return screen


# -- tornado -------------------------------------------------------------------------------


@app.command()
def tornado(
    scenario: ScenarioArg = None,
    spec: Annotated[Path, typer.Option(help="YAML: parameter -> {low: edits, high: edits}.")] = ...,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    out: OutOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Low and high case of each uncertain parameter: tornado.csv and tornado.png by swing."""
    _guard(
        debug,
        lambda: _tornado(scenario, spec, overrides, variant, out, workers, scheduler, force, quiet),
    )


def _tornado(scenario, spec, overrides, variant, out, workers, scheduler, force, quiet) -> None:
    from chipalloc.solve.report.static import tornado_chart
    from chipalloc.solve.whatif.study import SpecError
    from chipalloc.solve.whatif.tornado import parse_tornado, tornado_cases, tornado_table

    try:
        parameters = parse_tornado(_read_spec(spec))
    except SpecError as error:
        raise _fail("invalid", escape(str(error))) from None
    sc = _load(scenario, overrides, variant)
    target, rows, seconds = _run_study(
        sc, tornado_cases(parameters), "tornado", "run", out, force, workers, scheduler, quiet
    )
    table = tornado_table(rows)
    meta = {
        "scenario": sc.name,
        "objective_unit": _unit(sc),
        "spec": str(spec),
        "seconds": seconds,
    }
    _write(target, {"tornado": table}, {"tornado": meta}, force)
    tornado_chart(table, _unit(sc), target / "tornado.png")
    if not quiet:
        unit = _unit(sc)
        base = _show(table["base_objective"].iloc[0], unit)
        screen = Table(title=f"Tornado (objective in {unit}; base {base})")
        for column in ("parameter", "low case", "high case", "swing"):
            screen.add_column(column, justify="left" if column == "parameter" else "right")
        for r in table.to_dict("records"):
            screen.add_row(
                escape(r["parameter"]),
                _delta(r, "low", unit),
                _delta(r, "high", unit),
                _show(r["swing"], unit),
            )
        console.print(screen)
        console.print(
            f"Tornado written to [bold]{escape(str(target))}[/] (tornado.csv, tornado.png)"
        )


def _delta(r: dict, side: str, unit: str) -> str:
    if r[f"{side}_status"] != "optimal":
        return escape(str(r[f"{side}_status"]))
    delta = r[f"{side}_delta"]
    if abs(delta) <= 1e-9 * max(1.0, abs(r["base_objective"])):
        return "0"
    return f"{'+' if delta > 0 else ''}{_show(delta, unit)}"
