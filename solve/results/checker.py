"""The plan checker: verify a results folder against every rule of MODEL.md sections 4 and 7
(section 7 in ``check_discrete``).

It reads plan.csv, sites.csv, costs.csv and summary.json and recomputes fleet, power,
supply, builds, demand, budgets, policies and costs from the scenario with pandas alone: no
Pyomo, no solver. A violation beyond tolerance is reported in the planner's words.

Take-or-pay sites (MODEL.md section 9): the share is read from sites.csv
``contracted_share`` (and must equal summary.json ``shares``); it must lie within
[min_share, max_share]; the power row holds with share * power_mw in place of power_mw;
the lease, in costs.csv, in the total cost and in operator_min_spend, is
lease * 12 * y_p * 1000 * share * power_mw / pue whatever runs there.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from chipalloc.data import Scenario
from chipalloc.model import build_share, capex_share
from chipalloc.solve.results.check_discrete import check_discrete, extra_costs, extra_spend
from chipalloc.solve.results.write import unescape_cell

REL_TOL = 1e-6
ABS_TOL = 1e-4
USD_TOL = 1.0
"""Money is compared to the dollar: far finer than any plan, far coarser than solver noise."""


def _exceeds(lhs: float, rhs: float, atol: float = ABS_TOL) -> bool:
    """lhs > rhs beyond tolerance."""
    return lhs - rhs > atol + REL_TOL * max(abs(lhs), abs(rhs))


def _differs(a: float, b: float, atol: float = ABS_TOL) -> bool:
    """a != b beyond tolerance (relative to the larger of the two)."""
    return _exceeds(a, b, atol) or _exceeds(b, a, atol)


def _exceeds_all(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``_exceeds`` element by element."""
    return lhs - rhs > ABS_TOL + REL_TOL * np.maximum(np.abs(lhs), np.abs(rhs))


def _differs_all(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``_differs`` element by element."""
    return _exceeds_all(a, b) | _exceeds_all(b, a)


class PlanCheck:
    """Recomputes the plan's quantities from the folder's CSVs and the scenario."""

    def __init__(self, sc: Scenario, folder: str | Path) -> None:
        folder = Path(folder)
        self.folder = folder
        self.sc = sc
        self.plan = pd.read_csv(
            folder / "plan.csv",
            keep_default_na=False,
            dtype={c: str for c in ("period", "site", "operator", "chip", "vendor")},
        )
        self.sites_out = pd.read_csv(
            folder / "sites.csv",
            keep_default_na=False,
            dtype={c: str for c in ("period", "site", "operator", "shadow_price_unit")},
        )
        self.unescape(self.plan, ["period", "site", "operator", "chip", "vendor"])
        self.unescape(self.sites_out, ["period", "site", "operator"])
        for column in ("contracted_share", "contracted_mw"):
            if column in self.sites_out.columns:
                self.sites_out[column] = pd.to_numeric(self.sites_out[column], errors="coerce")
        costs = folder / "costs.csv"
        self.costs_out = pd.read_csv(costs, dtype={"period": str}) if costs.exists() else None
        self.summary = json.loads((folder / "summary.json").read_text())
        self.labels = sc.period_labels
        self.n = sc.n_periods
        self.problems: list[str] = []

    def unescape(self, frame: pd.DataFrame, columns: list[str]) -> None:
        """Undo the export's formula escaping (``safe_cell``): one leading quote removed."""
        for column in columns:
            if column in frame.columns:
                frame[column] = frame[column].map(unescape_cell)

    def run(self) -> list[str]:
        """Every violation found (empty when the plan satisfies MODEL.md)."""
        self.check_plan_rows()
        if self.problems:
            return self.problems
        self.share = self.read_shares()
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
        check_discrete(self)
        self.check_costs()
        self.check_lease_table()
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
        if len(buys):
            # window sum over the last L_k periods: cumulative sum minus its value L_k back
            cum = np.concatenate([np.zeros((len(buys), 1)), buys.to_numpy().cumsum(axis=1)], 1)
            span = life.reindex(buys.index.get_level_values("chip")).to_numpy()[:, None]
            end = np.arange(1, self.n + 1)[None, :]
            rows = np.arange(len(buys))[:, None]
            window = cum[rows, end] - cum[rows, np.maximum(0, end - span)]
            fleet.loc[buys.index, :] = window
        for r in self.sc.initial_fleet.to_dict("records"):
            fleet.loc[(r["chip"], r["site"]), self.labels[: int(r["remaining_periods"])]] += r[
                "units"
            ]
        return fleet

    def read_shares(self) -> pd.Series:
        """share[s] of every take_or_pay site, from sites.csv ``contracted_share``; checks it is
        one number per site, within [min_share, max_share], equal to summary.json ``shares``,
        and that ``contracted_mw`` = share * power_mw."""
        sites = self.sc.sites.set_index("site")
        top = list(sites.index[sites["contract"] == "take_or_pay"])
        out = pd.Series(0.0, index=top, dtype=float)
        if not top:
            return out
        if "contracted_share" not in self.sites_out.columns:
            self.problems.append("sites.csv has no contracted_share column for take_or_pay sites")
            return out
        reported = self.summary.get("shares", {})
        power = self.sc.site_power.set_index(["site", "period"])["power_mw"]
        for s in top:
            rows = self.sites_out[self.sites_out["site"] == s]
            values = rows["contracted_share"].to_numpy(dtype=float)
            if len(values) == 0 or np.isnan(values).any() or np.ptp(values) > ABS_TOL:
                self.problems.append(f"contract at {s}: sites.csv gives no single share")
                continue
            share = out[s] = float(values[0])
            low, high = sites.at[s, "min_share"], sites.at[s, "max_share"]
            if _exceeds(low, share) or _exceeds(share, high):
                self.problems.append(
                    f"contract at {s}: share {share:g} outside [{low:g}, {high:g}]"
                )
            if s not in reported or _differs(reported[s], share):
                self.problems.append(
                    f"contract at {s}: share {share:g} in sites.csv, "
                    f"{reported.get(s)} in summary.json"
                )
            for r in rows.to_dict("records"):
                mw = share * float(power.get((s, r["period"]), 0.0))
                if _differs(float(r["contracted_mw"]), mw):
                    self.problems.append(
                        f"contract at {s} in {r['period']}: contracted_mw is "
                        f"{r['contracted_mw']:g}, share x power_mw gives {mw:g}"
                    )
        return out

    def offered(self) -> pd.DataFrame:
        """MW without builds, site x period: power_mw, times the share at take_or_pay sites."""
        power = self.sc.site_power.pivot(index="site", columns="period", values="power_mw")
        power = power.reindex(index=self.sc.sites["site"], columns=self.labels).fillna(0.0)
        factor = pd.Series(1.0, index=power.index)
        factor[self.share.index] = self.share
        return power.mul(factor, axis=0)

    def lease_kw(self) -> pd.DataFrame:
        """The IT kW the lease is paid on, site x period: power_kw x fleet at as_used sites,
        1000 x share x power_mw / pue at take_or_pay sites."""
        kw = self.sc.chips.set_index("chip")["power_kw"]
        sites = self.sc.sites.set_index("site")
        used = pd.DataFrame(0.0, index=sites.index, columns=self.labels)
        if len(self.fleet):
            per_row = self.fleet.mul(
                kw.reindex(self.fleet.index.get_level_values("chip")).to_numpy(), axis=0
            )
            used += per_row.groupby(level="site").sum().reindex_like(used).fillna(0.0)
        top = self.share.index
        used.loc[top] = self.offered().loc[top].mul(1000 / sites.loc[top, "pue"], axis=0).to_numpy()
        return used

    def builds(self) -> pd.DataFrame:
        """build_started_mw as a site x period matrix."""
        return self.sites_out.pivot(
            index="site", columns="period", values="build_started_mw"
        ).reindex(columns=self.labels)

    def capacity(self) -> pd.DataFrame:
        """power_mw (share * power_mw at take_or_pay sites) + builds usable by p (started at
        q with q + lead <= p)."""
        power = self.offered()
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
        plan = self.plan
        known = (
            plan["chip"].isin(chips.index)
            & plan["site"].isin(operator.index)
            & plan["period"].isin(self.labels)
        ).to_numpy()
        pairs = pd.MultiIndex.from_frame(plan[["chip", "site"]])
        compatible = pairs.isin(self.sc.compatible_pairs)
        negative = ((plan["buy_units"] < -ABS_TOL) | (plan["fleet_units"] < -ABS_TOL)).to_numpy()
        chip = chips.reindex(plan["chip"])
        wrong_operator = plan["operator"].to_numpy() != operator.reindex(plan["site"]).to_numpy()
        mislabelled = wrong_operator | (plan["vendor"].to_numpy() != chip["vendor"].to_numpy())
        fleet = plan["fleet_units"].to_numpy(dtype=float)
        expected = {
            "it_mw": chip["power_kw"].to_numpy(dtype=float) * fleet / 1000,
            "compute_pflops": chip["perf_pflops"].to_numpy(dtype=float) * fleet,
        }
        wrong = {c: _differs_all(plan[c].to_numpy(dtype=float), v) for c, v in expected.items()}
        flagged = ~known | ~compatible | negative | mislabelled | wrong["it_mw"]
        flagged |= wrong["compute_pflops"]
        records = plan.to_dict("records")
        for i in np.flatnonzero(flagged):
            r, k, s = records[i], records[i]["chip"], records[i]["site"]
            if not known[i]:
                self.problems.append(f"plan.csv names unknown chip/site/period: {r}")
                continue
            if not compatible[i]:
                self.problems.append(f"{k} placed at {s}, which cannot host it")
            if negative[i]:
                self.problems.append(f"negative quantity in plan.csv: {r}")
            if mislabelled[i]:
                self.problems.append(f"operator/vendor mislabelled in plan.csv: {r}")
            for column, value in expected.items():
                if wrong[column][i]:
                    self.problems.append(
                        f"{column} of {k} at {s} in {r['period']} is "
                        f"{r[column]:g}, expected {value[i]:g}"
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
        bad = _differs_all(reported.to_numpy(dtype=float), self.fleet.to_numpy(dtype=float))
        for i, j in zip(*np.nonzero(bad), strict=True):
            (k, s), p = reported.index[i], self.labels[j]
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
        capacity = self.capacity().reindex(index=it.index, columns=self.labels)
        used_all = it.to_numpy() * pue.reindex(it.index).to_numpy()[:, None]
        bad = _exceeds_all(used_all, capacity.to_numpy(dtype=float))
        for i, j in zip(*np.nonzero(bad), strict=True):
            s, p, used = it.index[i], self.labels[j], used_all[i, j]
            self.problems.append(
                f"power at {s} in {p}: {used:,.3f} MW used, {capacity.at[s, p]:,.3f} MW available"
            )

    def check_supply(self) -> None:
        bought = self.buys().groupby(level="chip").sum()
        limit = self.sc.chip_supply.pivot(index="chip", columns="period", values="max_units")
        limit = limit.reindex(index=bought.index, columns=self.labels).fillna(0.0)
        bad = _exceeds_all(bought.to_numpy(dtype=float), limit.to_numpy(dtype=float))
        for i, j in zip(*np.nonzero(bad), strict=True):
            k, p, units = bought.index[i], self.labels[j], bought.iat[i, j]
            self.problems.append(
                f"supply of {k} in {p}: {units:,.1f} bought, {limit.at[k, p]:,.1f} available"
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
        return chips_spend.reindex(self.labels, fill_value=0.0) + build_spend + extra_spend(self)

    def check_period_budget(self) -> None:
        budget = self.sc.periods.set_index("period")["capex_budget_usd"].dropna()
        spend = self.spend()
        for p, cap in budget.items():
            if _exceeds(spend[p], cap, USD_TOL):
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
                if _exceeds(r["value"], paid, USD_TOL):
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
        """Nominal lease fees paid to ``operator`` over ``periods`` (``lease_usd``)."""
        sites = self.sc.sites.set_index("site")
        mine = sites.index[sites["operator"] == operator]
        return float(self.lease_usd().loc[mine, periods].to_numpy().sum())

    def lease_usd(self) -> pd.DataFrame:
        """Nominal lease per site and period: 12 * y_p * lease[s] * ``lease_kw``."""
        sites = self.sc.sites.set_index("site")
        years = np.asarray(self.sc.years, dtype=float)
        fee = sites["lease_usd_per_kw_month"].to_numpy(dtype=float)[:, None]
        return self.lease_kw() * (12 * years[None, :] * fee)

    def check_lease_table(self) -> None:
        """costs.csv's lease per period equals the recomputed one."""
        if self.costs_out is None:
            return
        reported = self.costs_out[self.costs_out["kind"] == "lease"].set_index("period")
        expected = self.lease_usd().sum()
        for p in self.labels:
            paid = float(reported["nominal_usd"].get(p, 0.0))
            if _differs(paid, float(expected[p]), USD_TOL):
                self.problems.append(
                    f"lease in {p}: costs.csv says {paid:,.0f} USD, the plan pays "
                    f"{expected[p]:,.0f}"
                )

    def period_costs(self) -> pd.DataFrame:
        """Nominal cost by kind per period, from MODEL.md's formulas (as arrays)."""
        sc, n, labels = self.sc, self.n, self.labels
        chips = sc.chips.set_index("chip")
        sites = sc.sites.set_index("site")
        years = np.asarray(sc.years, dtype=float)
        out = pd.DataFrame(0.0, index=labels, columns=["capex", "build", "energy", "lease"])

        buys = self.buys()
        if len(buys):
            chip = buys.index.get_level_values("chip")
            price = sc.chip_supply.pivot(index="chip", columns="period", values="unit_cost_usd")
            price = price.reindex(index=chip, columns=labels).fillna(0.0).to_numpy()
            life = chips["lifetime_periods"].astype(int).reindex(chip).to_numpy()
            share = np.array([[capex_share(L, n, i) for i in range(n)] for L in life])
            out["capex"] = (price * buys.to_numpy() * share).sum(axis=0)

        builds = self.builds().fillna(0.0)
        if len(builds):
            site = sites.reindex(builds.index)
            share = np.array(
                [
                    [build_share(int(b), int(g), n, i) for i in range(n)]
                    for b, g in zip(
                        site["build_lifetime_periods"], site["build_lead_periods"], strict=True
                    )
                ]
            )
            cost = site["build_cost_usd_per_mw"].to_numpy(dtype=float)[:, None]
            out["build"] = (cost * builds.to_numpy() * share).sum(axis=0)

        if len(self.fleet):
            site = self.fleet.index.get_level_values("site")
            kw = chips["power_kw"].reindex(self.fleet.index.get_level_values("chip")).to_numpy()
            kw_in_service = kw[:, None] * self.fleet.to_numpy(dtype=float)
            energy = sc.site_power.pivot(
                index="site", columns="period", values="energy_usd_per_mwh"
            )
            energy = energy.reindex(index=site, columns=labels).fillna(0.0).to_numpy()
            pue = sites["pue"].reindex(site).to_numpy(dtype=float)[:, None]
            lf = sc.settings.load_factor
            out["energy"] = (kw_in_service * pue * lf * 8.76 * years * energy).sum(axis=0)
        out["lease"] = self.lease_usd().sum().to_numpy()
        extra = extra_costs(self)
        out[["capex", "build"]] += extra[["capex", "build"]]
        return out

    def check_costs(self) -> None:
        discount = pd.Series(self.sc.discount, index=self.labels)
        total = float(self.period_costs().sum(axis=1).mul(discount).sum())
        reported = self.summary["total_cost_usd"]
        if _differs(total, reported, USD_TOL):
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
            if _exceeds(total, budget, USD_TOL):
                self.problems.append(
                    f"total cost {total:,.0f} USD exceeds the budget {budget:,.0f}"
                )
        money = self.summary["sense"] == "min"
        if _differs(objective, self.summary["objective"], USD_TOL if money else ABS_TOL):
            self.problems.append(
                f"objective is {self.summary['objective']:,.2f} in "
                f"summary.json but the plan gives {objective:,.2f}"
            )


def check_results(sc: Scenario, folder: str | Path) -> list[str]:
    """Every MODEL.md rule the results in ``folder`` break (empty list: the plan is valid)."""
    return PlanCheck(sc, folder).run()
