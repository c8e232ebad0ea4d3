"""The plan checker: verify a results folder against every rule of MODEL.md section 4.

It reads plan.csv, sites.csv and summary.json and recomputes fleet, power, supply, builds,
demand, budgets, policies and costs from the scenario with pandas alone: no Pyomo, no
solver. A violation beyond tolerance is reported in the planner's words.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from chipalloc.data import Scenario
from chipalloc.model import build_share, capex_share

REL_TOL = 1e-6
ABS_TOL = 1e-4


def _exceeds(lhs: float, rhs: float) -> bool:
    """lhs > rhs beyond tolerance."""
    return lhs - rhs > ABS_TOL + REL_TOL * max(abs(lhs), abs(rhs))


class PlanCheck:
    """Recomputes the plan's quantities from the folder's CSVs and the scenario."""

    def __init__(self, sc: Scenario, folder: str | Path) -> None:
        folder = Path(folder)
        self.sc = sc
        self.plan = pd.read_csv(
            folder / "plan.csv",
            keep_default_na=False,
            dtype={"period": str, "site": str, "chip": str},
        )
        self.sites_out = pd.read_csv(folder / "sites.csv", dtype={"period": str, "site": str})
        self.summary = json.loads((folder / "summary.json").read_text())
        self.labels = sc.period_labels
        self.n = sc.n_periods
        self.problems: list[str] = []

    def run(self) -> list[str]:
        """Every violation found (empty when the plan satisfies MODEL.md)."""
        self.check_plan_rows()
        if self.problems:
            return self.problems
        self.fleet = self.recompute_fleet()
        self.check_fleet()
        self.check_power()
        self.check_supply()
        self.check_builds()
        self.check_demand()
        self.check_period_budget()
        self.check_policies()
        self.check_costs()
        return self.problems

    # -- quantities -------------------------------------------------------------------------
    def buys(self) -> pd.DataFrame:
        """buy_units as a (chip, site) x period matrix."""
        table = self.plan.pivot_table(
            index=["chip", "site"],
            columns="period",
            values="buy_units",
            aggfunc="sum",
            fill_value=0.0,
        )
        return table.reindex(columns=self.labels, fill_value=0.0)

    def recompute_fleet(self) -> pd.DataFrame:
        """fleet[k,s,p] = window sum of buys over the chip's lifetime + initial units."""
        life = self.sc.chips.set_index("chip")["lifetime_periods"].astype(int)
        buys = self.buys()
        pairs = set(buys.index) | set(
            zip(self.sc.initial_fleet["chip"], self.sc.initial_fleet["site"], strict=True)
        )
        fleet = pd.DataFrame(
            0.0,
            index=pd.MultiIndex.from_tuples(sorted(pairs), names=["chip", "site"]),
            columns=self.labels,
        )
        for (k, s), row in buys.iterrows():
            fleet.loc[(k, s)] = row.rolling(int(life[k]), min_periods=1).sum().to_numpy()
        for r in self.sc.initial_fleet.to_dict("records"):
            fleet.loc[(r["chip"], r["site"]), self.labels[: int(r["remaining_periods"])]] += r[
                "units"
            ]
        return fleet

    def builds(self) -> pd.DataFrame:
        """build_started_mw as a site x period matrix."""
        return self.sites_out.pivot(
            index="site", columns="period", values="build_started_mw"
        ).reindex(columns=self.labels)

    def capacity(self) -> pd.DataFrame:
        """power_mw + builds usable by p (started at q with q + lead <= p)."""
        power = self.sc.site_power.pivot(index="site", columns="period", values="power_mw")
        power = power.reindex(index=self.sc.sites["site"], columns=self.labels).fillna(0.0)
        builds = self.builds().reindex(index=power.index).fillna(0.0)
        lead = self.sc.sites.set_index("site")["build_lead_periods"].astype(int)
        built = pd.DataFrame(0.0, index=power.index, columns=self.labels)
        for s in power.index:
            cum = builds.loc[s].cumsum().to_numpy()
            shifted = np.concatenate([np.zeros(lead[s]), cum])[: self.n]
            built.loc[s] = shifted
        return power + built

    def compute_by(self, key: str | None = None) -> pd.DataFrame | pd.Series:
        """compute per period, in total or grouped by 'operator' or 'vendor'."""
        perf = self.sc.chips.set_index("chip")["perf_pflops"]
        frame = self.fleet.mul(
            perf.reindex(self.fleet.index.get_level_values("chip")).to_numpy(), axis=0
        )
        if key is None:
            return frame.sum()
        if key == "operator":
            mapping = self.sc.sites.set_index("site")["operator"]
            groups = mapping.reindex(frame.index.get_level_values("site")).to_numpy()
        else:
            mapping = self.sc.chips.set_index("chip")["vendor"]
            groups = mapping.reindex(frame.index.get_level_values("chip")).to_numpy()
        return frame.groupby(groups).sum()

    # -- checks -----------------------------------------------------------------------------
    def check_plan_rows(self) -> None:
        expected = [
            "period",
            "site",
            "operator",
            "chip",
            "vendor",
            "buy_units",
            "fleet_units",
            "it_mw",
            "compute_pflops",
        ]
        if list(self.plan.columns) != expected:
            self.problems.append(
                f"plan.csv columns are {list(self.plan.columns)}, expected {expected}"
            )
            return
        chips = self.sc.chips.set_index("chip")
        operator = self.sc.sites.set_index("site")["operator"]
        for r in self.plan.to_dict("records"):
            k, s = r["chip"], r["site"]
            if k not in chips.index or s not in operator.index or r["period"] not in self.labels:
                self.problems.append(f"plan.csv names unknown chip/site/period: {r}")
                continue
            if not self.sc.compatible(k, s):
                self.problems.append(f"{k} placed at {s}, which cannot host it")
            if r["buy_units"] < -ABS_TOL or r["fleet_units"] < -ABS_TOL:
                self.problems.append(f"negative quantity in plan.csv: {r}")
            if r["operator"] != operator[s] or r["vendor"] != chips.at[k, "vendor"]:
                self.problems.append(f"operator/vendor mislabelled in plan.csv: {r}")
            for column, value in (
                ("it_mw", chips.at[k, "power_kw"] * r["fleet_units"] / 1000),
                ("compute_pflops", chips.at[k, "perf_pflops"] * r["fleet_units"]),
            ):
                if _exceeds(abs(r[column] - value), 0.0):
                    self.problems.append(
                        f"{column} of {k} at {s} in {r['period']} is "
                        f"{r[column]:g}, expected {value:g}"
                    )

    def check_fleet(self) -> None:
        reported = self.plan.pivot_table(
            index=["chip", "site"],
            columns="period",
            values="fleet_units",
            aggfunc="sum",
            fill_value=0.0,
        )
        reported = reported.reindex(index=self.fleet.index, columns=self.labels, fill_value=0.0)
        diff = (reported - self.fleet).abs()
        for (k, s), row in diff.iterrows():
            for p, gap in row.items():
                if _exceeds(gap, 0.0):
                    self.problems.append(
                        f"fleet of {k} at {s} in {p} is "
                        f"{reported.at[(k, s), p]:g}, but buys and initial "
                        f"units give {self.fleet.at[(k, s), p]:g}"
                    )

    def check_power(self) -> None:
        kw = self.sc.chips.set_index("chip")["power_kw"]
        pue = self.sc.sites.set_index("site")["pue"]
        it = (
            self.fleet.mul(kw.reindex(self.fleet.index.get_level_values("chip")).to_numpy(), axis=0)
            .groupby(level="site")
            .sum()
            / 1000
        )
        capacity = self.capacity()
        for s, row in it.iterrows():
            for p, mw in row.items():
                used = pue[s] * mw
                if _exceeds(used, capacity.at[s, p]):
                    self.problems.append(
                        f"power at {s} in {p}: {used:,.3f} MW used, "
                        f"{capacity.at[s, p]:,.3f} MW available"
                    )

    def check_supply(self) -> None:
        bought = self.buys().groupby(level="chip").sum()
        limit = self.sc.chip_supply.pivot(index="chip", columns="period", values="max_units")
        limit = limit.reindex(index=bought.index, columns=self.labels).fillna(0.0)
        for k, row in bought.iterrows():
            for p, units in row.items():
                if _exceeds(units, limit.at[k, p]):
                    self.problems.append(
                        f"supply of {k} in {p}: {units:,.1f} bought, "
                        f"{limit.at[k, p]:,.1f} available"
                    )

    def check_builds(self) -> None:
        builds = self.builds()
        sites = self.sc.sites.set_index("site")
        for s, row in builds.iterrows():
            lead, cap = int(sites.at[s, "build_lead_periods"]), sites.at[s, "max_build_mw"]
            for i, (p, mw) in enumerate(row.items()):
                allowed = cap > 0 and i + lead <= self.n - 1
                if mw > ABS_TOL and not allowed:
                    self.problems.append(f"{s} builds {mw:g} MW in {p}, where it may not build")
            if _exceeds(row.sum(), cap):
                self.problems.append(f"build total at {s}: {row.sum():,.3f} MW > cap {cap:g}")

    def check_demand(self) -> None:
        if self.summary["sense"] == "max":
            return
        compute = self.compute_by()
        unmet = self.summary["unmet_pflops"]
        demand = self.sc.periods.set_index("period")["demand_pflops"]
        for p in self.labels:
            if unmet.get(p, 0.0) < -ABS_TOL:
                self.problems.append(f"negative shortfall in {p}")
            if _exceeds(demand[p], compute[p] + unmet.get(p, 0.0)):
                self.problems.append(
                    f"demand in {p}: {compute[p]:,.1f} PFLOPS in service + "
                    f"{unmet.get(p, 0.0):,.1f} unmet < {demand[p]:,.1f}"
                )

    def spend(self) -> pd.Series:
        """Nominal purchases + builds per period (the period_budget left-hand side)."""
        cost = self.sc.chip_supply.set_index(["chip", "period"])["unit_cost_usd"]
        buys = self.buys().groupby(level="chip").sum().stack()
        chips_spend = (buys * cost.reindex(buys.index).fillna(0.0)).groupby(level=1).sum()
        build_cost = self.sc.sites.set_index("site")["build_cost_usd_per_mw"]
        builds = self.builds().fillna(0.0)
        build_spend = builds.mul(build_cost.reindex(builds.index), axis=0).sum()
        return chips_spend.reindex(self.labels, fill_value=0.0) + build_spend

    def check_period_budget(self) -> None:
        budget = self.sc.periods.set_index("period")["capex_budget_usd"].dropna()
        spend = self.spend()
        for p, cap in budget.items():
            if _exceeds(spend[p], cap):
                self.problems.append(
                    f"period budget in {p}: {spend[p]:,.0f} USD spent, cap {cap:,.0f}"
                )

    def check_policies(self) -> None:
        total = self.compute_by()
        by = {"operator": self.compute_by("operator"), "vendor": self.compute_by("vendor")}
        for r in self.sc.policies.to_dict("records"):
            start = self.sc.period_pos[r["from_period"]] if r["from_period"] else 0
            periods = self.labels[start:]
            if r["kind"] == "operator_min_spend_usd":
                paid = self.lease_paid(r["name"], periods)
                if _exceeds(r["value"], paid):
                    self.problems.append(
                        f"minimum spend with {r['name']}: {paid:,.0f} USD "
                        f"paid, {r['value']:,.0f} required"
                    )
                continue
            group = by["vendor" if r["kind"] == "vendor_max_share" else "operator"]
            for p in periods:
                part = group.at[r["name"], p] if r["name"] in group.index else 0.0
                limit = r["value"] * total[p]
                broken = (
                    _exceeds(limit, part)
                    if r["kind"] == "operator_min_share"
                    else _exceeds(part, limit)
                )
                if broken:
                    self.problems.append(
                        f"{r['kind']} of {r['name']} in {p}: {part:,.1f} of "
                        f"{total[p]:,.1f} PFLOPS (share {r['value']:g})"
                    )

    def lease_paid(self, operator: str, periods: list[str]) -> float:
        """Nominal lease fees paid to ``operator`` over ``periods``."""
        sites = self.sc.sites.set_index("site")
        kw = self.sc.chips.set_index("chip")["power_kw"]
        years = dict(zip(self.labels, self.sc.years, strict=True))
        paid = 0.0
        for (k, s), row in self.fleet.iterrows():
            if sites.at[s, "operator"] == operator:
                paid += sum(
                    12 * years[p] * sites.at[s, "lease_usd_per_kw_month"] * kw[k] * row[p]
                    for p in periods
                )
        return paid

    def period_costs(self) -> pd.DataFrame:
        """Nominal cost by kind per period, from MODEL.md's formulas."""
        sc, n = self.sc, self.n
        chips = sc.chips.set_index("chip")
        sites = sc.sites.set_index("site")
        price = sc.site_power.set_index(["site", "period"])["energy_usd_per_mwh"]
        cost = sc.chip_supply.set_index(["chip", "period"])["unit_cost_usd"]
        years = dict(zip(self.labels, sc.years, strict=True))
        lf = sc.settings.load_factor
        out = pd.DataFrame(0.0, index=self.labels, columns=["capex", "build", "energy", "lease"])
        for (k, _site), row in self.buys().iterrows():
            for i, p in enumerate(self.labels):
                if row[p]:
                    share = capex_share(int(chips.at[k, "lifetime_periods"]), n, i)
                    out.at[p, "capex"] += cost.get((k, p), 0.0) * row[p] * share
        for s, row in self.builds().fillna(0.0).iterrows():
            for i, p in enumerate(self.labels):
                share = build_share(
                    int(sites.at[s, "build_lifetime_periods"]),
                    int(sites.at[s, "build_lead_periods"]),
                    n,
                    i,
                )
                out.at[p, "build"] += sites.at[s, "build_cost_usd_per_mw"] * row[p] * share
        for (k, s), row in self.fleet.iterrows():
            kw = chips.at[k, "power_kw"]
            for p in self.labels:
                if row[p]:
                    out.at[p, "energy"] += (
                        kw
                        * row[p]
                        * sites.at[s, "pue"]
                        * lf
                        * 8.76
                        * years[p]
                        * price.get((s, p), 0.0)
                    )
                    out.at[p, "lease"] += (
                        kw * row[p] * 12 * years[p] * sites.at[s, "lease_usd_per_kw_month"]
                    )
        return out

    def check_costs(self) -> None:
        discount = pd.Series(self.sc.discount, index=self.labels)
        total = float(self.period_costs().sum(axis=1).mul(discount).sum())
        reported = self.summary["total_cost_usd"]
        if _exceeds(abs(total - reported), 0.0):
            self.problems.append(
                f"total cost is {reported:,.0f} USD in summary.json but the plan costs {total:,.0f}"
            )
        if self.summary["sense"] == "min":
            years = pd.Series(self.sc.years, index=self.labels)
            unmet = pd.Series(self.summary["unmet_pflops"]).reindex(self.labels).fillna(0.0)
            penalty = float(
                (discount * years * unmet).sum()
                * self.sc.settings.unmet_penalty_usd_per_pflops_year
            )
            objective = total + penalty
        else:
            objective = float(
                (self.compute_by() * pd.Series(self.sc.years, index=self.labels)).sum()
            )
            budget = self.sc.settings.total_budget_usd
            if _exceeds(total, budget):
                self.problems.append(
                    f"total cost {total:,.0f} USD exceeds the budget {budget:,.0f}"
                )
        if _exceeds(abs(objective - self.summary["objective"]), 0.0):
            self.problems.append(
                f"objective is {self.summary['objective']:,.2f} in "
                f"summary.json but the plan gives {objective:,.2f}"
            )


def check_results(sc: Scenario, folder: str | Path) -> list[str]:
    """Every MODEL.md rule the results in ``folder`` break (empty list: the plan is valid)."""
    return PlanCheck(sc, folder).run()
