"""The ``chipalloc`` command: one module per command, each registered here by name.

Exit codes and the options the commands share are in ``common``; each command module holds
one thin command that parses its options and delegates to the layers below. A command's
module is imported, and its options built, only when that command runs (or ``--help`` lists
it): ``chipalloc solve`` pays for none of the other twelve.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator, Mapping

import typer
from typer.core import TyperGroup

COMMANDS = (
    "solve",
    "validate",
    "init",
    "generate",
    "report",
    "sensitivity",
    "compare",
    "sweep",
    "tornado",
    "pareto",
    "alternatives",
    "hedge",
    "export",
)
"""Every command, in the order ``chipalloc --help`` lists them: the function ``name`` of the
module ``chipalloc.solve.cli.<name>``."""


def command_function(name: str):
    """The function of command ``name`` (its module imported on first use)."""
    return getattr(importlib.import_module(f"chipalloc.solve.cli.{name}"), name)


class _Commands(Mapping):
    """The group's commands by name, each built from its function on first lookup."""

    def __init__(self, markup) -> None:
        self._markup = markup
        self._built: dict = {}

    def __getitem__(self, name: str):
        if name not in COMMANDS:
            raise KeyError(name)
        if name not in self._built:
            one = typer.Typer(rich_markup_mode=self._markup, add_completion=False)
            one.command()(command_function(name))
            self._built[name] = typer.main.get_command(one)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class _Group(TyperGroup):
    """The ``chipalloc`` group, its commands looked up lazily (``_Commands``)."""

    def __init__(self, **attrs) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self.rich_markup_mode)


app = typer.Typer(
    cls=_Group,
    help="Plan which AI accelerators to buy, when, and where: a Pyomo + HiGHS LP.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _group() -> None:
    # a Typer with a callback is a group even with no command registered on it
    pass


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
