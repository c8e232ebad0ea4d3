"""``chipalloc validate``: check a scenario (and a variant) and report every problem."""

from __future__ import annotations

from chipalloc.solve.cli.common import (
    DebugOpt,
    OverridesOpt,
    ScenarioArg,
    VariantOpt,
    console,
    guard,
    load,
    printable,
    warn,
)


def validate(
    scenario: ScenarioArg = None,
    overrides: OverridesOpt = None,
    variant: VariantOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check a scenario (and a variant) and report every problem found."""

    def run() -> None:
        sc = load(scenario, overrides, variant)
        warn(sc.warnings)
        console.print(
            f"[green]valid[/]: {printable(sc.name)} ({sc.n_periods} periods, {len(sc.chips)} "
            f"chips, {len(sc.sites)} sites, {len(sc.compatible_pairs)} chip-site "
            "pairs)"
        )

    guard(debug, run)
