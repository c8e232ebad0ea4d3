"""The validated scenario: one typed object of DataFrames plus the scenario.yaml settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .schema import Settings


@dataclass
class Scenario:
    """A scenario that satisfies every rule of MODEL.md section 2.

    ``tables`` maps each table name (``periods``, ``chips``, ``chip_supply``, ``sites``,
    ``site_power``, ``initial_fleet``, ``policies``) to a DataFrame with typed columns;
    the frame index is the row's position in its file (spreadsheet row = index + 2).
    """

    settings: Settings
    tables: dict[str, pd.DataFrame]
    source: str
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.settings.name or "scenario"

    @property
    def periods(self) -> pd.DataFrame:
        return self.tables["periods"]

    @property
    def chips(self) -> pd.DataFrame:
        return self.tables["chips"]

    @property
    def chip_supply(self) -> pd.DataFrame:
        return self.tables["chip_supply"]

    @property
    def sites(self) -> pd.DataFrame:
        return self.tables["sites"]

    @property
    def site_power(self) -> pd.DataFrame:
        return self.tables["site_power"]

    @property
    def initial_fleet(self) -> pd.DataFrame:
        return self.tables["initial_fleet"]

    @property
    def policies(self) -> pd.DataFrame:
        return self.tables["policies"]

    @cached_property
    def period_labels(self) -> list[str]:
        return list(self.periods["period"])

    @cached_property
    def period_pos(self) -> dict[str, int]:
        """p -> its index 0..N-1 in file order."""
        return {p: i for i, p in enumerate(self.period_labels)}

    @property
    def n_periods(self) -> int:
        return len(self.period_labels)

    @cached_property
    def years(self) -> np.ndarray:
        """y_p, the length of each period in years."""
        return self.periods["years"].to_numpy(dtype=float)

    @cached_property
    def discount(self) -> np.ndarray:
        """d_p = (1 + r)^(-t_p), with t_p the years elapsed before period p."""
        start = np.concatenate([[0.0], np.cumsum(self.years)[:-1]])
        return (1.0 + self.settings.discount_rate) ** (-start)

    @cached_property
    def chip_operators(self) -> dict[str, set[str] | None]:
        """Operators allowed to host each chip; None means every operator."""
        out: dict[str, set[str] | None] = {}
        for chip, ops in zip(self.chips["chip"], self.chips["operators"], strict=True):
            names = {o.strip() for o in (ops or "").split(";") if o.strip()}
            out[chip] = names or None
        return out

    def compatible(self, chip: str, site: str) -> bool:
        """Chip k fits site s: (k air or s liquid) and (k's operators empty or has s's operator)."""
        site_cooling, operator = self._site_traits[site]
        cooling_ok = self._chip_cooling[chip] == "air" or site_cooling == "liquid"
        ops = self.chip_operators[chip]
        return cooling_ok and (ops is None or operator in ops)

    @cached_property
    def compatible_pairs(self) -> list[tuple[str, str]]:
        """Every compatible (chip, site) pair, chips in file order then sites in file order."""
        return [
            (k, s) for k in self.chips["chip"] for s in self.sites["site"] if self.compatible(k, s)
        ]

    @cached_property
    def _chip_cooling(self) -> dict[str, str]:
        return dict(zip(self.chips["chip"], self.chips["cooling"], strict=True))

    @cached_property
    def _site_traits(self) -> dict[str, tuple[str, str]]:
        """site -> (cooling, operator): what ``compatible`` reads (two columns, not rows)."""
        traits = zip(self.sites["cooling"], self.sites["operator"], strict=True)
        return dict(zip(self.sites["site"], traits, strict=True))


def take_or_pay_sites(sc: Scenario) -> list[str]:
    """Sites with a take_or_pay contract (MODEL.md section 9), in file order."""
    return list(sc.sites.loc[sc.sites["contract"] == "take_or_pay", "site"])
