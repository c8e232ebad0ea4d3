"""The report page of a hedge folder (``chipalloc hedge``, MODEL.md section 8).

futures.csv has one row per future: probability, objective (Z_f of the hedged plan),
perfect_foresight_objective (Z*_f), regret and eev_objective (Z_f when the decisions up to
commit_through are the reference future's own, empty where they are infeasible);
summary.json holds RP, WS, EVPI, EEV and VSS.
"""

from __future__ import annotations

import json
from pathlib import Path

from chipalloc.solve.report import mip
from chipalloc.solve.report.data import ReportError, read_table
from chipalloc.solve.report.figure import Chart, Panel, Series
from chipalloc.solve.report.palette import Palette
from chipalloc.solve.report.panels import amount, html_table

PLANS = ("hedged plan", "perfect foresight", "reference plan's commitments")


def _summary(folder: Path) -> dict:
    try:
        data = json.loads((Path(folder) / "summary.json").read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ReportError(f"summary.json: cannot be read ({error})") from None
    if not isinstance(data, dict):
        raise ReportError("summary.json: expected an object")
    return data


def cost_chart(frame, unit: str, reference: str, palette: Palette) -> Chart:
    """Per future, Z_f of the hedged plan, Z*_f with perfect foresight and Z_f with the
    reference plan's commitments (no bar where they are infeasible)."""
    names = list(frame["future"])
    columns = ("objective", "perfect_foresight_objective", "eev_objective")
    series = [
        Series(plan, names, frame[c].tolist(), colour=palette.colour(plan))
        for plan, c in zip(PLANS, columns, strict=True)
    ]
    what = "compute" if unit != "USD" else "cost"
    return Chart(
        "hedge_objectives",
        f"The {what} in each future",
        f"Per future: the hedged plan's {what}, the {what} with perfect foresight (the future's "
        f"own optimum), and the {what} when the commitments are those of {reference}'s own plan "
        "and the rest adapts (missing where those commitments cannot be kept).",
        f"{what.capitalize()} per future ({unit})",
        [Panel(series, "", x_title="future", y_title=unit, categories=names, zero=False)],
        bars="group",
    )


def regret_chart(frame, unit: str, reference: str, palette: Palette) -> Chart:
    """regret_f = Z_f - Z*_f (Z*_f - Z_f for max_compute) per future, of the hedged plan and
    of the reference plan's commitments (EEV_f in place of Z_f)."""
    names = list(frame["future"])
    sign = -1.0 if unit != "USD" else 1.0
    eev = (sign * (frame["eev_objective"] - frame["perfect_foresight_objective"])).tolist()
    series = [
        Series(PLANS[0], names, frame["regret"].tolist(), colour=palette.colour(PLANS[0])),
        Series(PLANS[2], names, eev, colour=palette.colour(PLANS[2])),
    ]
    return Chart(
        "hedge_regret",
        "Regret per future",
        "What a plan gives up in each future against the plan made with perfect foresight of "
        f"that future: the hedged plan, and the commitments of {reference}'s own plan with the "
        "rest adapted (missing where those commitments cannot be kept).",
        f"Regret per future ({unit})",
        [Panel(series, "", x_title="future", y_title=unit, categories=names)],
        bars="group",
    )


def hedge_page(folder: Path):
    """(title, summary rows, charts, extra HTML tables) of a hedge folder."""
    s = _summary(folder)
    frame = read_table(
        folder,
        "futures",
        ("probability", "objective", "perfect_foresight_objective", "regret"),
        ("future",),
    )
    if "eev_objective" in frame:
        frame["eev_objective"] = frame["eev_objective"].astype(float)
    else:
        frame["eev_objective"] = float("nan")
    unit = s.get("objective_unit", "USD")
    reference = str(s.get("reference", frame["future"].iloc[0]))
    palette = Palette(PLANS)

    def show(value):
        return amount(value, "objective", unit)

    summary = [
        ("Futures", ", ".join(frame["future"])),
        ("Measure", str(s.get("measure", "expected"))),
        ("Committed through", str(s.get("commit_through", ""))),
        *mip.summary_rows(s),
        ("RP (expected, hedged plan)", show(s.get("rp"))),
        ("WS (expected, perfect foresight)", show(s.get("ws"))),
        ("EVPI (what knowing the future is worth)", show(s.get("evpi"))),
        (f"EEV (planning for {reference}, adapting later)", show(s.get("eev")) or "undefined"),
        ("VSS (what planning for all futures saves)", show(s.get("vss")) or "undefined"),
        ("Reference commitments infeasible in", ", ".join(s.get("eev_infeasible") or []) or "none"),
    ]
    rows = [
        [
            r.future,
            f"{r.probability:.3g}",
            show(r.objective),
            show(r.perfect_foresight_objective),
            show(r.regret),
            show(r.eev_objective),
        ]
        for r in frame.itertuples()
    ]
    header = ["future", "probability", *PLANS[:2], "regret", PLANS[2]]
    charts = [
        cost_chart(frame, unit, reference, palette),
        regret_chart(frame, unit, reference, palette),
    ]
    return "Hedge across futures", summary, charts, [html_table(header, rows, "Futures")]
