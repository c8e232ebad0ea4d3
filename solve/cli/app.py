"""The ``chipalloc`` command: one module per command, each registered here by name.

Exit codes and the options the commands share are in ``common``; each command module holds
one thin command that parses its options and delegates to the layers below.
"""

from __future__ import annotations

import gc

import typer

from chipalloc.solve.cli import (
    alternatives,
    compare,
    export,
    generate,
    hedge,
    init,
    pareto,
    report,
    sensitivity,
    solve,
    sweep,
    tornado,
    validate,
)

app = typer.Typer(
    help="Plan which AI accelerators to buy, when, and where: a Pyomo + HiGHS LP.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
COMMANDS = (
    solve.solve,
    validate.validate,
    init.init,
    generate.generate,
    report.report,
    sensitivity.sensitivity,
    compare.compare,
    sweep.sweep,
    tornado.tornado,
    pareto.pareto,
    alternatives.alternatives,
    hedge.hedge,
    export.export,
)
"""Every command, in the order ``chipalloc --help`` lists them."""
for command in COMMANDS:
    app.command()(command)


def main() -> None:
    """The ``chipalloc`` console command.

    When the command ends the process ends: ``gc.freeze()`` spares the exit its last sweep of
    the Pyomo model's reference cycles (0.4 s of a 50x10x60 solve), which would free memory
    the operating system reclaims anyway.
    """
    try:
        app()
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
