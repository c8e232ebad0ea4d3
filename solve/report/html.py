"""report.html and PNG charts for a results folder (solve, compare, sweep or tornado).

``write_report(folder)`` detects the folder's kind, builds its charts (each defined once,
solve/report/figure.py) and writes one self-contained ``report.html`` (the charts drawn
by plotly, plotly.js embedded: it opens without a network) plus ``charts/<name>.png`` for
every chart, drawn by matplotlib: no browser is needed. A chart whose PNG cannot be
drawn is named in a warning, with the reason, in the report and on the console.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import plotly.io as pio
from plotly.offline import get_plotlyjs

from chipalloc.solve.report import mip
from chipalloc.solve.report.charts import Chart, solve_charts
from chipalloc.solve.report.data import detect_kind, load_solve
from chipalloc.solve.report.pages.alternatives import alternatives_page
from chipalloc.solve.report.pages.compare import compare_page
from chipalloc.solve.report.pages.hedge import hedge_page
from chipalloc.solve.report.pages.pareto import pareto_page
from chipalloc.solve.report.pages.summary import solve_summary
from chipalloc.solve.report.pages.sweep import sweep_page, tornado_page
from chipalloc.solve.report.panels import study_meta
from chipalloc.solve.results.write import package_version

STUDIES = {
    "hedge": hedge_page,
    "compare": compare_page,
    "sweep": sweep_page,
    "tornado": tornado_page,
    "pareto": pareto_page,
    "alternatives": alternatives_page,
}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto;
       max-width: 1160px; color: #222; }
h1 { margin-bottom: 4px; } .meta { color: #666; margin-top: 0; }
table.summary { border-collapse: collapse; margin: 8px 0 24px; min-width: 60%; }
table.summary th, table.summary td { border-bottom: 1px solid #ddd; padding: 6px 12px;
       text-align: left; vertical-align: top; }
table.summary th { width: 220px; color: #444; font-weight: 600; }
table.data td { text-align: right; } table.data td:first-child { text-align: left; }
section.chart { margin: 28px 0; } p.caption { color: #555; max-width: 1000px; }
nav a { margin-right: 14px; } .warning { color: #a15c00; }
table.summary ul { margin: 0; padding-left: 18px; }
"""


@dataclass
class Page:
    """What a report shows: a title, summary rows, extra HTML tables, charts."""

    title: str
    summary: list[tuple[str, str | list[str]]]
    charts: list[Chart]
    tables_html: list[str] = field(default_factory=list)


@dataclass
class Report:
    """The files written and anything the reader should know (a PNG that was not drawn)."""

    kind: str
    html: Path
    pngs: list[Path]
    warnings: list[str]


def build_page(folder: Path, kind: str | None = None) -> Page:
    """The page for ``folder`` (kind detected when not given)."""
    kind = kind or detect_kind(folder)
    if kind == "solve":
        data = load_solve(folder)
        name = data.summary.get("scenario", Path(folder).name)
        tables = mip.tables_html(data.discrete)
        return Page(f"Plan for {name}", solve_summary(data), solve_charts(data), tables)
    title, summary, charts, tables = STUDIES[kind](Path(folder))
    scenario = study_meta(folder, kind).get("scenario")
    return Page(f"{title} for {scenario}" if scenario else title, summary, charts, tables)


def write_report(folder: Path, png: bool = True) -> Report:
    """Write ``report.html`` (and ``charts/*.png`` unless ``png`` is False) into ``folder``."""
    folder = Path(folder)
    kind = detect_kind(folder)
    page = build_page(folder, kind)
    warnings: list[str] = []
    pngs: list[Path] = []
    if png:
        pngs, problem = write_pngs(page.charts, folder / "charts")
        if problem:
            warnings.append(problem)
    target = folder / "report.html"
    target.write_text(render_html(page, kind, folder, warnings), encoding="utf-8")
    return Report(kind, target, pngs, warnings)


def write_pngs(charts: list[Chart], out: Path) -> tuple[list[Path], str | None]:
    """One PNG per chart (matplotlib, no browser); (paths written, problem or None)."""
    out.mkdir(parents=True, exist_ok=True)
    paths, problems = [], []
    for chart in charts:
        try:
            paths.append(chart.png(out / f"{chart.name}.png"))
        except ImportError as error:  # matplotlib missing or broken: say how to get it
            return paths, (
                f"PNG charts not drawn: matplotlib cannot be imported ({error}); install it "
                "with `pip install matplotlib` (a dependency of chipalloc: `pip install "
                "chipalloc` brings it) and rerun `chipalloc report RESULTS_DIR`. report.html "
                "has every chart: the camera button above a chart downloads it as a PNG."
            )
        except Exception as error:  # one bad chart must not cost the others or the HTML
            problems.append(f"{chart.name}.png ({type(error).__name__}: {error})")
    if not problems:
        return paths, None
    return paths, (
        f"PNG charts not drawn: {'; '.join(problems)}. report.html has every chart: the "
        "camera button above a chart downloads it as a PNG."
    )


def write_study_png(folder: Path, kind: str) -> Path:
    """``<kind>.png`` of ``chipalloc sweep``/``tornado``: the report page's chart, drawn
    from the folder just written, so the PNG and the report cannot differ."""
    (chart,) = build_page(Path(folder), kind).charts
    return chart.png(Path(folder) / f"{kind}.png")


def _summary_table(rows: list[tuple[str, str | list[str]]]) -> str:
    """Label and value per row; a list value becomes bullet points."""
    cells = []
    for label, value in rows:
        if isinstance(value, list):
            shown = "<ul>" + "".join(f"<li>{html.escape(v)}</li>" for v in value) + "</ul>"
        else:
            shown = html.escape(value)
        cells.append(f"<tr><th>{html.escape(label)}</th><td>{shown}</td></tr>")
    return f'<table class="summary" id="summary">{"".join(cells)}</table>'


def render_html(page: Page, kind: str, folder: Path, warnings: list[str]) -> str:
    """The whole page: plotly.js inline once, then the summary, tables and charts."""
    sections = []
    for i, chart in enumerate(page.charts):
        div = pio.to_html(
            chart.figure,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{chart.name}",
            config={"displaylogo": False, "toImageButtonOptions": {"filename": chart.name}},
        )
        sections.append(
            f'<section class="chart" id="{html.escape(chart.name)}">'
            f"<h2>{i + 1}. {html.escape(chart.title)}</h2>"
            f'<p class="caption">{html.escape(chart.caption)}</p>{div}</section>'
        )
    nav = " ".join(
        f'<a href="#{html.escape(c.name)}">{html.escape(c.title)}</a>' for c in page.charts
    )
    notes = "".join(f'<p class="warning">{html.escape(w)}</p>' for w in warnings)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    meta = (
        f"{kind} results in {html.escape(str(Path(folder).resolve()))}; chipalloc "
        f"{html.escape(package_version('chipalloc'))}, {stamp}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(page.title)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f'<h1>{html.escape(page.title)}</h1><p class="meta">{meta}</p>{notes}'
        f"<h2>Summary</h2>{_summary_table(page.summary)}{''.join(page.tables_html)}"
        f"<nav>{nav}</nav>{''.join(sections)}</body></html>\n"
    )
