"""What a planner sees after a solve: rich tables in planner's units.

Every name, id and unit from the scenario goes through ``common.printable`` before it
reaches a table or a line: rich markup in an id prints literally, control characters show
as escapes.
"""

from __future__ import annotations

import math

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from chipalloc.data import Scenario
from chipalloc.model import PFLOPS, USD
from chipalloc.model.words import money, year_of
from chipalloc.solve.cli.common import printable as p_
from chipalloc.solve.results.extract import Results
from chipalloc.solve.results.units import fractional_note


def show_results(
    console: Console, sc: Scenario, res: Results, timings: dict[str, float], top: int = 10
) -> None:
    """Summary, costs, compute by operator and vendor per year, power limits, shortfall."""
    s = res.summary
    unit = "PFLOPS-years" if s["sense"] == "max" else "USD"
    objective = money(s["objective"]) if unit == "USD" else f"{s['objective']:,.0f} PFLOPS-years"
    console.print(
        f"[bold]{p_(sc.name)}[/]: [green]{p_(s['status'])}[/], objective {objective}, "
        f"total discounted cost {money(s['total_cost_usd'])}"
    )

    costs = res.costs.groupby("kind", sort=False)[["nominal_usd", "discounted_usd"]].sum()
    table = Table(title="Cost by kind")
    table.add_column("kind")
    table.add_column("nominal", justify="right")
    table.add_column("discounted", justify="right")
    for kind, row in costs.iterrows():
        table.add_row(p_(kind), money(row["nominal_usd"]), money(row["discounted_usd"]))
    console.print(table)

    console.print(compute_table(sc, res, "operator"))
    console.print(compute_table(sc, res, "vendor"))
    console.print(purchases_table(res))
    console.print(mix_table(res))
    console.print(power_table(res, top))
    if res.contracts is not None:
        console.print(contracts_table(res))
        warning = idle_warning(res)
        if warning:
            console.print(warning)
    console.print(binding_table(sc, res, top))
    unmet = {p: v for p, v in s.get("unmet_pflops", {}).items() if v > 1e-6}
    if unmet:
        worst = ", ".join(f"{p}: {v:,.0f}" for p, v in list(unmet.items())[:8])
        console.print(
            f"[bold red]Shortfall[/] in {len(unmet)} period(s), PFLOPS unmet: {p_(worst)}"
        )
    if note := fractional_note(sc):
        console.print(f"Note: {note}.", soft_wrap=True)
    console.print("Time: " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()), soft_wrap=True)


def compute_table(sc: Scenario, res: Results, by: str) -> Table:
    """Average compute in service per year by ``operator`` or ``vendor``, against demand.

    Figures are thousands of PFLOPS (1,000 PFLOPS = 1 EFLOPS), averaged over the year's periods.
    """
    plan = res.plan.assign(year=res.plan["period"].map(year_of))
    periods = sc.periods.assign(year=sc.periods["period"].map(year_of))
    per_year = periods.groupby("year", sort=False)["period"].count()
    demand = periods.groupby("year", sort=False)["demand_pflops"].mean()
    table = Table(title=f"Compute in service by {by}, thousand PFLOPS (yearly average)")
    table.add_column("year")
    names = sorted(plan[by].unique())
    for name in [*names, "total", "demand"]:
        table.add_column(p_(name), justify="right", overflow="fold")
    for year in per_year.index:
        rows = plan[plan["year"] == year]
        part = rows.groupby(by)["compute_pflops"].sum() / per_year[year] / 1000
        cells = [f"{part.get(n, 0.0):,.1f}" for n in names]
        cells += [f"{part.sum():,.1f}", f"{demand[year] / 1000:,.1f}"]
        table.add_row(p_(year), *cells)
    return table


def power_table(res: Results, top: int) -> Table:
    """Sites at their power limit (``results.limits.sites_at_limit``, the report's rule),
    ranked by the value of one more MW."""
    from chipalloc.solve.results.limits import sites_at_limit

    sites = res.sites
    summary = sites_at_limit(sites)
    unit = sites["shadow_price_unit"].iloc[0] if len(sites) else ""
    table = Table(title="Sites at their power limit")
    table.add_column("site", overflow="fold")
    table.add_column("periods at limit", justify="right")
    table.add_column("from", justify="right")
    table.add_column(f"max value of +1 MW ({p_(unit)}, nominal)", justify="right")
    for row in summary.head(top).itertuples():
        table.add_row(p_(row.site), str(row.periods), p_(row.first), f"{row.max_value:,.0f}")
    return table


IDLE_WARNING_SHARE = 0.01
"""Idle contracted capacity costing more than this share of the objective is worth a line."""


def contracts_table(res: Results) -> Table:
    """Take-or-pay sites (MODEL.md section 9): share, idle MW, idle cost, value of a point."""
    unit = "PFLOPS-years" if res.summary["sense"] == "max" else "USD"
    table = Table(title="Take-or-pay contracts")
    for column in ("site", "share", "bounds", "peak MW", "idle MW-periods", "idle cost"):
        table.add_column(column, justify="left" if column == "site" else "right")
    table.add_column(f"objective per +1 point ({unit})", justify="right")
    for r in res.contracts.to_dict("records"):
        point = r["objective_change_per_point"]
        table.add_row(
            p_(r["site"]),
            f"{100 * r['share']:.2f}%",
            f"{100 * r['min_share']:.0f}-{100 * r['max_share']:.0f}%",
            f"{r['contracted_mw_peak']:,.1f}",
            f"{r['idle_mw_periods']:,.1f}",
            money(r["idle_cost_usd"]),
            money(point) if unit == "USD" else f"{point:,.1f}",
        )
    return table


def idle_warning(res: Results) -> str | None:
    """A warning when the discounted lease on idle contracted MW exceeds
    ``IDLE_WARNING_SHARE`` of the objective (of total cost under max_compute)."""
    s = res.summary
    idle = s["idle_contract_cost_discounted_usd"]
    scale = s["objective"] if s["sense"] == "min" else s["total_cost_usd"]
    if idle <= IDLE_WARNING_SHARE * abs(scale) or idle <= 0:
        return None
    of = "objective" if s["sense"] == "min" else "total cost"
    return (
        f"[yellow]warning[/]: idle contracted capacity costs {money(idle)} (discounted), "
        f"{100 * idle / abs(scale):.1f}% of the {of} "
        f"({s['idle_contracted_mw_periods']:,.1f} MW-periods paid and unused)"
    )


def mix_table(res: Results, top: int = 12, chips_shown: int = 5) -> Table:
    """Accelerators in service per site and chip in the last period (thousands): the
    ``chips_shown`` most used chips, the rest as ``other``, so it reads at 80 columns."""
    from chipalloc.solve.results.mix import chip_mix

    mix = chip_mix(res.plan)
    chips = [c for c in mix.columns if c not in ("site", "total")]
    if len(chips) > chips_shown + 1:
        ranked = mix[chips].sum().sort_values(ascending=False).index
        rest = [c for c in chips if c not in ranked[:chips_shown]]
        mix = mix.drop(columns=rest).assign(other=mix[rest].sum(axis=1))
        mix = mix[["site", *[c for c in chips if c not in rest], "other", "total"]]
    last = res.plan["period"].iloc[-1] if len(res.plan) else ""
    table = Table(title=f"Chip mix per site in {p_(last)}, thousand accelerators in service")
    table.add_column("site", no_wrap=True)
    chips = [c for c in mix.columns if c not in ("site", "total")]
    for name in [*chips, "total"]:
        table.add_column(p_(name), justify="right", overflow="fold")
    for row in mix.head(top).to_dict("records"):
        table.add_row(p_(row["site"]), *(f"{row[c] / 1000:,.1f}" for c in [*chips, "total"]))
    return table


def spinner(quiet: bool):
    """A context manager factory: a spinner with elapsed time on stderr while HiGHS runs;
    nothing with ``quiet`` or when stderr is not a terminal (a short solve leaves no line)."""
    from contextlib import nullcontext

    from chipalloc.solve.cli.common import err

    if quiet or not err.is_terminal:
        return nullcontext

    def progress():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        bar = Progress(
            SpinnerColumn(),
            TextColumn("building and solving the model"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        bar.add_task("solve", total=None)
        return bar

    return progress


def binding_table(sc: Scenario, res: Results, top: int) -> Table:
    """The most valuable binding constraints: objective gained by relaxing each by 1%."""
    from chipalloc.solve.explain.binding import binding_constraints

    rows = binding_constraints(sc, res, top)
    unit = "PFLOPS-years" if res.summary["sense"] == "max" else "USD"
    table = Table(title=f"Most valuable binding constraints (top {top})")
    table.add_column("constraint", overflow="fold")
    table.add_column("shadow price (nominal)", justify="right")
    table.add_column("unit")
    table.add_column(f"value of +1% ({unit})", justify="right")
    for r in rows.to_dict("records"):
        gain = money(r["value_of_1pct"]) if unit == "USD" else f"{r['value_of_1pct']:,.1f}"
        price = r["shadow_price_nominal"]
        shown = f"{price:,.0f}" if abs(price) >= 100 else f"{price:,.4g}"
        table.add_row(p_(r["constraint"]), shown, p_(r["unit"]), gain)
    return table


def problems_table(problems: list, title: str) -> Table:
    """Input problems, one per row: file, row, column, message (already ``printable``)."""
    table = Table(title=title, show_lines=False)
    for column in ("file", "row", "column", "problem"):
        table.add_column(column)
    for p in problems:
        table.add_row(p.file, "" if p.row is None else str(p.row), p.column or "", p.message)
    return table


def purchases_table(res: Results) -> Table:
    """Accelerators bought per chip and year."""
    buys = res.plan.assign(year=res.plan["period"].map(year_of))
    pivot = buys.pivot_table(
        index="chip", columns="year", values="buy_units", aggfunc="sum", fill_value=0.0, sort=False
    )
    table = Table(title="Accelerators bought per year")
    table.add_column("chip")
    for year in pivot.columns:
        table.add_column(p_(year), justify="right", overflow="fold")
    for chip, row in pivot.iterrows():
        table.add_row(p_(chip), *(f"{v:,.0f}" for v in row))
    return table


def show_mip(console: Console, run) -> None:
    """The MIP's gap and bound, what its shadow prices are, and the discrete choices explained
    (``explain.discrete.discrete_notes``)."""
    from chipalloc.solve.explain.discrete import discrete_notes

    s = run.results.summary
    bound = money(s["mip_bound"]) if s["sense"] == "min" else f"{s['mip_bound']:,.0f}"
    console.print(
        f"MIP: gap proved {s['mip_gap']:.3g} (asked for {s['mip_gap_requested']:g}), "
        f"best bound {bound}"
    )
    console.print(
        "[dim]note: shadow prices, reduced costs and ranging are those of the LP with every "
        "integer and binary variable fixed at its value[/]"
    )
    for line in discrete_notes(run.scenario, run.solver, run.results):
        console.print(f"  {p_(line)}", soft_wrap=True)


DELAY = 3.0
"""Seconds of a MIP solve before its live line (incumbent, bound, gap, time) appears."""


class MipProgress:
    """Called by HiGHS with (incumbent, bound, gap, seconds) in model units."""

    def __init__(self, console: Console, maximise: bool) -> None:
        self.console = console
        self.maximise = maximise
        self.live: Live | None = None

    def show(self, value: float) -> str:
        if not math.isfinite(value):
            return "none"
        if self.maximise:
            return f"{value * PFLOPS:,.0f} PFLOPS-years"
        return money(value * USD)

    def __call__(self, incumbent: float, bound: float, gap: float, seconds: float) -> None:
        if seconds < DELAY:
            return
        if self.live is None:
            self.live = Live(console=self.console, transient=True, auto_refresh=False)
            self.live.start()
        self.live.update(Text(self.line(incumbent, bound, gap, seconds)), refresh=True)

    def line(self, incumbent: float, bound: float, gap: float, seconds: float) -> str:
        """``MIP: incumbent $3.00M, bound $2.00M, gap 33.3%, 5s``."""
        shown = f"{100 * gap:.3g}%" if math.isfinite(gap) and gap < 1e30 else "-"
        return (
            f"MIP: incumbent {self.show(incumbent)}, bound {self.show(bound)}, "
            f"gap {shown}, {seconds:.0f}s"
        )

    def close(self) -> None:
        """Remove the line (the results follow)."""
        if self.live is not None:
            self.live.stop()
            self.live = None
