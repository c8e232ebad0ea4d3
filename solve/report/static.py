"""PNG charts of sweep.csv and tornado.csv (matplotlib, no display needed).

- one-axis sweep: the objective against the swept value, failed points marked at the axis;
- two-axis sweep: a grid coloured by objective, failed points crossed out;
- tornado: for each parameter, the objective's change in its low and high case, widest
  swing on top.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from chipalloc.solve.cli.display import money


def _axis_format(unit: str) -> FuncFormatter:
    if unit == "USD":
        return FuncFormatter(lambda v, _: "-" + money(-v) if v < 0 else money(v))
    return FuncFormatter(lambda v, _: f"{v:,.0f}")


def _positions(values: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """Numeric values as they are; anything else (``null``, text) as categories."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(dtype=float), None
    labels = [str(v) for v in dict.fromkeys(values)]
    return np.array([labels.index(str(v)) for v in values], dtype=float), labels


def sweep_chart(table: pd.DataFrame, titles: list[str], unit: str, path: Path) -> None:
    """sweep.png: a line for one axis, a coloured grid for two."""
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    ok = table["status"] == "optimal"
    if len(titles) == 1:
        x, labels = _positions(table["value_1"])
        ax.plot(x[ok], table.loc[ok, "objective"], marker="o", color="#1f77b4")
        if (~ok).any():
            bottom = table.loc[ok, "objective"].min() if ok.any() else 0.0
            ax.scatter(
                x[~ok],
                [bottom] * int((~ok).sum()),
                marker="x",
                color="#d62728",
                label="no optimal plan",
                zorder=3,
            )
            ax.legend()
        if labels:
            ax.set_xticks(range(len(labels)), labels)
        ax.set_xlabel(titles[0])
        ax.set_ylabel(f"objective ({unit})")
        ax.yaxis.set_major_formatter(_axis_format(unit))
        ax.grid(alpha=0.3)
    else:
        grid = table.assign(objective=table["objective"].where(ok)).pivot_table(
            index="value_2", columns="value_1", values="objective", dropna=False, sort=False
        )
        image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(
            range(grid.shape[1]),
            [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns],
            rotation=45,
        )
        ax.set_yticks(
            range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index]
        )
        for (r, c), v in np.ndenumerate(grid.to_numpy(dtype=float)):
            if np.isnan(v):
                ax.text(c, r, "x", ha="center", va="center", color="#d62728")
        ax.set_xlabel(titles[0])
        ax.set_ylabel(titles[1])
        bar = fig.colorbar(image, ax=ax, format=_axis_format(unit))
        bar.set_label(f"objective ({unit})")
    ax.set_title("Sweep: optimal objective")
    fig.savefig(path, dpi=120)


def tornado_chart(table: pd.DataFrame, unit: str, path: Path) -> None:
    """tornado.png: horizontal bars of objective change, widest swing on top."""
    rows = table.iloc[::-1].reset_index(drop=True)
    fig = Figure(figsize=(8, 1.2 + 0.5 * max(1, len(rows))), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(rows))
    low = rows["low_delta"].fillna(0.0)
    high = rows["high_delta"].fillna(0.0)
    ax.barh(y, low, color="#1f77b4", label="low case")
    ax.barh(y, high, color="#ff7f0e", label="high case")
    for i, r in rows.iterrows():
        if pd.isna(r["low_delta"]) or pd.isna(r["high_delta"]):
            ax.text(0, i, "  no optimal plan in one case", va="center", color="#d62728")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, rows["parameter"])
    base = table["base_objective"].iloc[0] if len(table) else float("nan")
    shown = money(base) if unit == "USD" else f"{base:,.0f} {unit}"
    ax.set_xlabel(f"change in objective ({unit}) from the base, {shown}")
    ax.xaxis.set_major_formatter(_axis_format(unit))
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Tornado: objective swing per parameter")
    fig.savefig(path, dpi=120)
