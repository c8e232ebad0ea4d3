"""Colours keyed by name, the same in every chart of a report.

Known operators and vendors have fixed colours (close to their brand colours). Any other
name (a chip, a site, an unknown vendor) takes a colour chosen by a hash of the name alone,
so the same name gets the same colour in every chart, every run and every report, whatever
other names are present (adding an operator never recolours another). Two such names may
share a colour; the legend and hover text name every series.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

KNOWN = {
    # operators
    "microsoft": "#0078d4",
    "oracle": "#c74634",
    "proprietary": "#2e8b57",
    "own": "#2e8b57",
    # chip vendors
    "nvidia": "#76b900",
    "amd": "#ed7d31",
    "broadcom": "#8e44ad",
    "google": "#fbbc05",
    "intel": "#5b9bd5",
    "aws": "#ff9900",
    "meta": "#1c2b33",
    # cost kinds and the demand line
    "capex": "#4e79a7",
    "build": "#59a14f",
    "energy": "#f28e2b",
    "lease": "#b07aa1",
    "shortfall_penalty": "#9c9c9c",
    "demand": "#111111",
}

# Saturated colours (Tableau 10 and D3 category 20 without greys and pale tints), for names
# with no fixed colour.
SPARE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
    "#17becf", "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f",
]  # fmt: skip


def _slot(name: str) -> int:
    """A stable index into SPARE: the first byte pair of sha256(name)."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:2], "big") % len(SPARE)


class Palette:
    """colour(name) for every name of a report: a fixed colour or the name's hash colour.

    ``names`` is accepted for the callers' convenience and does not change any colour.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names = sorted({str(n) for n in names})

    def colour(self, name: str) -> str:
        """The colour of ``name``: its fixed colour, else ``SPARE[hash slot]``."""
        name = str(name)
        return KNOWN.get(name.lower()) or SPARE[_slot(name.lower())]
