"""The live line of a MIP solve: incumbent, best bound, gap and time, from HiGHS's MIP
callbacks, shown once the solve has run for ``DELAY`` seconds (quiet with ``-q``)."""

from __future__ import annotations

import math

from rich.console import Console
from rich.live import Live
from rich.text import Text

from chipalloc.model import PFLOPS, USD
from chipalloc.model.words import money

DELAY = 3.0
"""Seconds of solving before the line appears: short solves print nothing."""


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
        shown = f"{100 * gap:.3g}%" if math.isfinite(gap) and gap < 1e30 else "-"
        line = (
            f"MIP: incumbent {self.show(incumbent)}, bound {self.show(bound)}, "
            f"gap {shown}, {seconds:.0f}s"
        )
        self.live.update(Text(line), refresh=True)

    def close(self) -> None:
        """Remove the line (the results follow)."""
        if self.live is not None:
            self.live.stop()
            self.live = None
