"""The ``chipalloc`` command line: one module per command, registered in ``app``."""

from chipalloc.solve.cli.app import main

__all__ = ["main"]
