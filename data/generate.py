"""Synthetic scenarios of any size in the MODEL.md format, deterministic per seed.

Magnitudes follow the default scenario: chips of 1-2.5 PFLOPS at 1-2 kW and USD 20-50k,
sites of 100-2000 MW that ramp up after they come online, PUE 1.1-1.4, energy at
USD 50-90/MWh, leases at USD 120-250/kW-month (O&M of 20-45 at own sites), and some own
sites that may build more MW after a lead time.

Demand is set from what the scenario can physically serve, so the LP solves with little
or no shortfall while power and supply bind somewhere. For period p:

- supply bound:  U_p = initial compute + sum over k of perf_k * (sum of max_units[k,q]
  for p - L_k < q <= p): the compute the chip supply could put in service;
- power bound:   W_p = sum over s of (power_mw[s,p] + max_build_mw[s] once buildable)
  / pue_s * 1000 * r_s, with r_s the best PFLOPS per kW among chips site s can host;
- demand_p = DEMAND_SHARE * min(U_p, W_p).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

DEMAND_SHARE = 0.6
"""Share of the physically servable compute that the generated demand asks for."""

VENDORS = (("nvidia", "NV"), ("amd", "MI"), ("microsoft", "MAIA"), ("broadcom", "ASIC"))
OPERATORS = ("microsoft", "oracle", "proprietary")
OWN = "proprietary"


@dataclass(frozen=True)
class Size:
    """How big a generated scenario is: sites, chips, quarterly periods, and the seed."""

    sites: int
    chips: int
    periods: int
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("sites", "chips", "periods"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


def generate(size: Size) -> dict[str, pd.DataFrame | dict]:
    """The tables of a synthetic scenario (``scenario`` is the scenario.yaml mapping)."""
    rng = np.random.default_rng(size.seed)
    periods = _periods(size.periods)
    chips = _chips(rng, size.chips)
    supply = _supply(rng, chips, periods, size)
    sites = _sites(rng, size.sites, size.periods)
    power = _power(rng, sites, periods)
    initial = _initial_fleet(rng, chips, sites, power, size.periods)
    policies = _policies(chips, sites)
    periods["demand_pflops"] = _demand(chips, supply, sites, power, initial, periods)
    name = f"synthetic-{size.sites}x{size.chips}x{size.periods}-seed{size.seed}"
    settings = {
        "name": name,
        "description": (
            f"Synthetic scenario: {size.sites} sites, {size.chips} chips, {size.periods} "
            f"quarters (chipalloc generate, seed {size.seed})."
        ),
        "objective": "min_cost",
        "discount_rate": 0.08,
        "unmet_penalty_usd_per_pflops_year": 1.0e6,
    }
    return {
        "scenario": settings,
        "periods": periods,
        "chips": chips,
        "chip_supply": supply,
        "sites": sites,
        "site_power": power,
        "initial_fleet": initial,
        "policies": policies,
    }


def write_generated(folder: str | Path, size: Size) -> Path:
    """Write a synthetic scenario folder (CSV files + scenario.yaml) and return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in generate(size).items():
        if name == "scenario":
            (folder / "scenario.yaml").write_text(yaml.safe_dump(table, sort_keys=False))
        else:
            table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    return folder


def _periods(n: int) -> pd.DataFrame:
    """Quarters from 2026Q1, 0.25 years each."""
    labels = [f"{2026 + i // 4}Q{i % 4 + 1}" for i in range(n)]
    return pd.DataFrame({"period": labels, "years": 0.25})


def _chips(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """n chips over four vendors; a quarter are air-cooled; custom ASICs stay in-house."""
    rows = []
    for i in range(n):
        vendor, prefix = VENDORS[i % len(VENDORS)]
        perf = round(float(rng.uniform(1.0, 2.5)), 3)
        rows.append(
            {
                "chip": f"{prefix}-{i + 1:02d}",
                "vendor": vendor,
                "perf_pflops": perf,
                "power_kw": round(float(rng.uniform(1.0, 2.0)), 3),
                "lifetime_periods": int(rng.integers(16, 25)),
                "cooling": "air" if rng.random() < 0.25 else "liquid",
                "operators": "microsoft;proprietary" if vendor == "microsoft" else "",
            }
        )
    return pd.DataFrame(rows)


def _supply(
    rng: np.random.Generator, chips: pd.DataFrame, periods: pd.DataFrame, size: Size
) -> pd.DataFrame:
    """Each chip is sold for a window of the horizon, ramping up, at a slowly falling price.

    Units per period are sized so that a chip generation, kept over its lifetime, could fill
    about a third more IT power than the sites will have: supply binds for the best chips.
    """
    n = size.periods
    labels = list(periods["period"])
    kw_per_site = 0.5 * (100 + 2000) * 1000 / 1.25  # mean IT kW of a site at full power
    on_sale = max(1, min(size.chips, 1 + int(size.chips * 0.6)))
    rows = []
    for chip in chips.to_dict("records"):
        release = int(rng.integers(0, max(1, int(0.4 * n)) + 1)) if n > 1 else 0
        end = min(n, release + max(4, int(rng.uniform(0.5, 0.9) * n)))
        units = (
            1.3 * size.sites * kw_per_site / (chip["power_kw"] * chip["lifetime_periods"] * on_sale)
        )
        price = float(rng.uniform(20_000, 50_000))
        for i in range(release, end):
            ramp = min(1.0, 0.4 + 0.15 * (i - release))
            rows.append(
                {
                    "chip": chip["chip"],
                    "period": labels[i],
                    "max_units": round(units * ramp),
                    "unit_cost_usd": round(price * 0.985 ** (i - release), 2),
                }
            )
    return pd.DataFrame(rows)


def _sites(rng: np.random.Generator, n: int, n_periods: int) -> pd.DataFrame:
    """n sites; own sites (every third) may build 100-1000 MW after 4-8 quarters."""
    rows = []
    for i in range(n):
        operator = OPERATORS[i % len(OPERATORS)]
        own = operator == OWN
        lead = int(rng.integers(4, 9))
        expandable = own and lead <= n_periods - 1
        rows.append(
            {
                "site": f"site-{i + 1:03d}",
                "operator": operator,
                "pue": round(float(rng.uniform(1.1, 1.4)), 3),
                "cooling": "air" if rng.random() < 0.15 else "liquid",
                "lease_usd_per_kw_month": round(
                    float(rng.uniform(20, 45) if own else rng.uniform(120, 250)), 2
                ),
                "build_cost_usd_per_mw": round(float(rng.uniform(8e6, 12e6)), -3) if own else 0.0,
                "build_lead_periods": lead,
                "build_lifetime_periods": int(rng.integers(60, 81)),
                "max_build_mw": round(float(rng.uniform(100, 1000))) if expandable else 0.0,
            }
        )
    return pd.DataFrame(rows)


def _power(rng: np.random.Generator, sites: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Every site and period: 0 MW before the site comes online, then a ramp to full power."""
    n = len(periods)
    labels = list(periods["period"])
    rows = []
    for k, site in enumerate(sites["site"]):
        full = float(rng.uniform(100, 2000))
        online = 0 if k % 4 < 2 else int(rng.integers(0, max(1, n // 2) + 1))
        ramp = int(rng.integers(2, 9))
        base_price = float(rng.uniform(50, 90))
        drift = rng.normal(0.0, 1.0, n).cumsum() * 0.5
        for i in range(n):
            share = 0.0 if i < online else min(1.0, 0.25 + 0.75 * (i - online) / ramp)
            rows.append(
                {
                    "site": site,
                    "period": labels[i],
                    "power_mw": round(full * share, 1),
                    "energy_usd_per_mwh": round(float(np.clip(base_price + drift[i], 40, 110)), 2),
                }
            )
    return pd.DataFrame(rows)


def _initial_fleet(
    rng: np.random.Generator,
    chips: pd.DataFrame,
    sites: pd.DataFrame,
    power: pd.DataFrame,
    n_periods: int,
) -> pd.DataFrame:
    """Units already in service at every eighth site, filling up to 40% of its period-0 power.

    They sit outside the capped operator and vendor (``_policies``), so no policy is broken
    by units the plan cannot remove.
    """
    first = power.groupby("site")["power_mw"].first()
    rows = []
    for k, site in enumerate(sites.to_dict("records")):
        if k % 8 != 1 or site["operator"] == "microsoft" or first[site["site"]] <= 0:
            continue
        fits = chips[
            (chips["vendor"] != "nvidia")
            & ((chips["cooling"] == "air") | (site["cooling"] == "liquid"))
            & chips["operators"].map(lambda ops, o=site["operator"]: not ops or o in ops.split(";"))
        ]
        if fits.empty:
            continue
        chip = fits.iloc[0]
        it_kw = 0.4 * first[site["site"]] / site["pue"] * 1000
        rows.append(
            {
                "chip": chip["chip"],
                "site": site["site"],
                "units": float(np.floor(it_kw / chip["power_kw"])),
                "remaining_periods": int(rng.integers(2, min(12, n_periods) + 2)),
            }
        )
    return pd.DataFrame(rows, columns=["chip", "site", "units", "remaining_periods"])


def _policies(chips: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """Caps on one operator's and one vendor's share of compute, loose enough to stay feasible."""
    rows = []
    if (sites["operator"] == "microsoft").sum() >= 3:
        rows.append({"kind": "operator_max_share", "name": "microsoft", "value": 0.6})
    if (chips["vendor"] == "nvidia").any() and chips["vendor"].nunique() >= 3:
        rows.append({"kind": "vendor_max_share", "name": "nvidia", "value": 0.7})
    return pd.DataFrame(rows, columns=["kind", "name", "value", "from_period"])


def _demand(
    chips: pd.DataFrame,
    supply: pd.DataFrame,
    sites: pd.DataFrame,
    power: pd.DataFrame,
    initial: pd.DataFrame,
    periods: pd.DataFrame,
) -> list[float]:
    """demand_p = DEMAND_SHARE * min(U_p, W_p) (module docstring), in whole PFLOPS."""
    labels = list(periods["period"])
    n = len(labels)
    chip = chips.set_index("chip")
    units = supply.pivot(index="chip", columns="period", values="max_units")
    units = units.reindex(index=chip.index, columns=labels).fillna(0.0).to_numpy()
    life = chip["lifetime_periods"].to_numpy(dtype=int)
    window = np.zeros_like(units)
    for j in range(len(chip)):
        cum = np.concatenate([[0.0], units[j].cumsum()])
        idx = np.arange(n)
        window[j] = cum[idx + 1] - cum[np.maximum(0, idx + 1 - life[j])]
    start = np.zeros(n)
    for r in initial.to_dict("records"):
        start[: r["remaining_periods"]] += chip.at[r["chip"], "perf_pflops"] * r["units"]
    supply_bound = start + (chip["perf_pflops"].to_numpy()[:, None] * window).sum(axis=0)

    ratio = chip["perf_pflops"] / chip["power_kw"]
    air_ratio = ratio[chip["cooling"] == "air"].max() if (chip["cooling"] == "air").any() else 0.0
    mw = power.pivot(index="site", columns="period", values="power_mw")
    mw = mw.reindex(index=sites["site"], columns=labels).fillna(0.0).to_numpy()
    site = sites.set_index("site")
    builds = site["max_build_mw"].to_numpy()[:, None] * (
        np.arange(n)[None, :] >= 2 * site["build_lead_periods"].to_numpy()[:, None]
    )
    best = np.where(site["cooling"] == "liquid", ratio.max(), air_ratio)
    power_bound = ((mw + builds) / site["pue"].to_numpy()[:, None] * 1000 * best[:, None]).sum(
        axis=0
    )
    return [float(np.floor(DEMAND_SHARE * v)) for v in np.minimum(supply_bound, power_bound)]
