"""``chipalloc sensitivity``: ranging of costs and right-hand sides, duals, reduced costs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chipalloc.solve.cli.common import (
    EXIT,
    DebugOpt,
    ForceOpt,
    MipGapOpt,
    OutOpt,
    OverridesOpt,
    QuietOpt,
    ScenarioArg,
    VariantOpt,
    check_out,
    console,
    default_out,
    explain,
    guard,
    inputs_of,
    load,
    objective_unit,
    printable,
    show,
    write_tables,
)


def sensitivity(
    scenario: ScenarioArg = None,
    out: OutOpt = None,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    top: Annotated[int, typer.Option(help="Rows shown per table.", min=1)] = 10,
    mip_gap: MipGapOpt = 1e-4,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """LP sensitivity report: ranging of costs and right-hand sides, duals, reduced costs."""
    guard(
        debug, lambda: _sensitivity(scenario, out, overrides, variant, top, mip_gap, force, quiet)
    )


def _sensitivity(scenario, out, overrides, variant, top, mip_gap, force, quiet) -> None:
    from chipalloc.solve.backend.options import SolveOptions
    from chipalloc.solve.explain.binding import binding_constraints
    from chipalloc.solve.pipeline import solve
    from chipalloc.solve.results.extract import FIXED_LP, mip_summary
    from chipalloc.solve.results.reduced_costs import reduced_cost_table
    from chipalloc.solve.whatif.ranging import ranging_tables

    sc = load(scenario, overrides, variant)
    target = out or default_out(sc, "-sensitivity")
    protect = inputs_of(sc, overrides)
    check_out(target, force, protect)
    run = solve(sc, SolveOptions(method="simplex", mip_gap=mip_gap))
    if run.outcome.status != "optimal":
        explain(run)
        raise typer.Exit(EXIT.get(run.outcome.status, 1))
    variables, constraints = ranging_tables(sc, run.solver)
    reduced = reduced_cost_table(sc, run.solver)
    summary = {
        "scenario": sc.name,
        "status": run.outcome.status,
        "objective": run.outcome.objective,
        "objective_unit": objective_unit(sc),
        "variables": len(variables),
        "constraints": len(constraints),
        "binding_constraints": int((constraints["status"] == "binding").sum()),
        **mip_summary(run.outcome),
    }
    tables = {
        "ranging_variables": variables,
        "ranging_constraints": constraints,
        "duals": run.results.duals,
        "reduced_costs": reduced,
    }
    write_tables(target, tables, {"summary": summary}, force, protect)
    if quiet:
        return
    unit = objective_unit(sc)
    console.print(
        f"[bold]{printable(sc.name)}[/]: optimal, objective {show(run.outcome.objective, unit)}"
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
        change = f"-{show(r['allowable_decrease'], '')} / +{show(r['allowable_increase'], '')}"
        table.add_row(
            printable(row["constraint"]),
            f"{show(row['shadow_price'], '')} {printable(per)}",
            f"{change} {printable(str(r['unit']))}",
            printable(str(r["next_at_increase"])),
        )
    console.print(table)
    console.print(_entry_table(reduced, top))
    if run.outcome.problem == "mip":
        console.print(f"[dim]note: a MIP; the shadow prices and ranges are the {FIXED_LP}[/]")
    console.print(f"Sensitivity report written to [bold]{printable(str(target))}[/]")


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
            printable(r["chip"]),
            printable(r["site"]),
            printable(r["period"]),
            show(r["unit_cost_usd"], "USD"),
            show(r["break_even_unit_cost_usd"], "USD"),
            f"{r['cut']:.2%}",
        )
    return table
