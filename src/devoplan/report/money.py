"""The report's money parts: where the totals come from, each area against what its districts
receive today (table and map, lines with no data flagged beside the figure), and why London's
per-head figures look as they do."""

from __future__ import annotations

import numpy as np
import pandas as pd

from devoplan.design.output import has_geometry
from devoplan.report import maps
from devoplan.report.data import FundingView, ReportData
from devoplan.report.figures import FigureSink
from devoplan.report.html import esc, figure, note
from devoplan.report.tables import Html, money, table

LONDON_NOTE = (
    "Why London's per-head figures look as they do. NHS money follows GP-registered patients, not residents. "
    "London's GP lists are a fifth to two fifths longer than its Census resident population (people registered "
    "where they work or study, recent arrivals, lists not yet cleaned), so per resident London receives more "
    "than the England average, while per registered patient much of London receives less, because its patients "
    "are young and need rises steeply with age. NHS England's targets already include the market forces factor "
    "for London's higher staff and building costs. Neither figure means London is under- or over-funded.")


def headline_sources(data: ReportData) -> str:
    """One table: each service line's control total and where it comes from (or that it is assumed)."""
    summary = data.doc.funding
    if summary is None or not summary.lines:
        return ""
    sources = {f.key: f for f in summary.sources}
    assumed = {f.key: f for f in summary.assumptions}
    rows = []
    for line in summary.lines:
        key = line.total_key
        fig = sources.get(key) or assumed.get(key)
        src = (fig.source if fig is not None else None) or ""
        where = src if key in sources and key not in assumed else f"assumption{': ' + src if src else ''}"
        if fig is not None and fig.note:
            where += f" ({fig.note})"
        rows.append([line.name, money(line.baseline_to_areas, unit="bn"), where])
    base = summary.baseline_year
    return ("<h3>Where the totals come from</h3>"
            + table(["service line", f"to areas, {base}", "source"], rows, numeric=[1]))


def _line_baselines(data: ReportData, fv: FundingView) -> tuple[np.ndarray, np.ndarray]:
    """Per plan area: today's money from data and the part that is assumed (lines with no data), in £."""
    assert data.allocations is not None
    df = data.allocations
    first = df[(df["year"].astype(str) == fv.years[0]) & (df["line"].astype(str) != "all")]
    assumed = set(data.doc.lines_assumed)
    pivot = first.pivot_table(index="area_code", columns="line", values="baseline", aggfunc="first")
    pivot = pivot.reindex(list(data.plan.area_codes)).fillna(0.0)
    cols = [c for c in pivot.columns if c in assumed]
    part = pivot[cols].sum(axis=1) if cols else pd.Series(0.0, index=pivot.index)
    return pivot.sum(axis=1).to_numpy(dtype=np.float64), part.to_numpy(dtype=np.float64)


def today_table(data: ReportData, fv: FundingView) -> str:
    """Each area: what its districts receive today (assumed part flagged), its first-year allocation, change."""
    today, assumed = _line_baselines(data, fv)
    first = fv.allocation[0]
    rows = []
    for a, name in enumerate(data.plan.area_names):
        flag = (f" <small>(of which {esc(money(float(assumed[a])))} assumed: no data by area)</small>"
                if assumed[a] > 0 else "")
        rows.append([name, Html(esc(money(float(today[a]))) + flag), money(float(first[a])),
                     f"{(first[a] / today[a] - 1) * 100:+.1f}%" if today[a] > 0 else "–",
                     f"£{first[a] / fv.population[a]:,.0f}"])
    lines = data.doc.lines_assumed
    caption = ("Today = what the area's districts receive or spend in the base year, summed from NHS England's "
               "allocations and councils' outturn." + (f" Lines with no data by area ({', '.join(lines)}) start "
                                                      "from an assumed share, shown beside the figure."
                                                      if lines else ""))
    return ("<h3>Each area against what its districts receive today</h3>"
            + table(["area", "today", f"allocation {fv.years[0]}", "change", "per resident"], rows,
                    numeric=[1, 2, 3, 4], scroll=True, caption=caption))


def today_map(data: ReportData, fv: FundingView, sink: FigureSink) -> str:
    if not has_geometry(data.geography):
        return ""
    today, _ = _line_baselines(data, fv)
    change = np.where(today > 0, (fv.allocation[0] / np.where(today > 0, today, 1.0) - 1) * 100, np.nan)
    fig = maps.value_map(data.geography, data.plan, change, title=f"Allocation {fv.years[0]} against today",
                         label="cash change on what the districts receive today", cmap="viridis",
                         tick_format="{:+.0f}%")
    return figure(sink.svg(fig, "Allocation against today", png_name="map_allocation_vs_today"),
                  "Cash change from the base year to the first settlement year, all lines.")


def money_parts(data: ReportData, fv: FundingView, sink: FigureSink) -> str:
    """Everything above, in reading order."""
    geo = data.geography
    london = "REGION" in geo.layers and "E12000007" in geo.layer("REGION").area_codes
    return (headline_sources(data) + today_table(data, fv) + today_map(data, fv, sink)
            + (note(LONDON_NOTE) if london else ""))
