"""The report's sections, each built from :class:`ReportData` into trusted HTML.

Section ids (stable; the tests and anchors use them): ``summary``, ``patchwork``, ``areas``, ``checks``,
``comparison``, ``funding``, ``governance``, ``markets``, ``cards``, then the appendix: ``sources`` (assumptions
and sources) and ``downloads`` (every table as CSV and one XLSX workbook). A part whose inputs are missing (no funding
table, no design result) says so in place rather than disappearing. A new section is a module of
its own under ``report/``, added to :func:`build_sections`'s body list with one line; the appendix
stays last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from devoplan.geography.geometry import GEOMETRY_FILE
from devoplan.geography.model import Geography
from devoplan.metrics.audit import Audit
from devoplan.plan import Plan
from devoplan.report import charts, maps
from devoplan.report.cards import area_cards
from devoplan.report.checks import checks_section
from devoplan.report.comparison import ComparisonTable, MeasureRow
from devoplan.report.data import FundingView, ReportData, funding_view
from devoplan.report.document import DesignPart, FundingSummary
from devoplan.report.downloads import downloads_section
from devoplan.report.ensemble import ensemble_section
from devoplan.report.figures import FigureSink
from devoplan.report.governance import governance_section
from devoplan.report.hexmap import hex_layout
from devoplan.report.html import Section, esc, figure, grid, note
from devoplan.report.layerwords import areas_word, today_keys
from devoplan.report.markets import market_lines, markets_section, plan_markets
from devoplan.report.money import money_parts
from devoplan.report.outcomes import outcomes_section
from devoplan.report.scenarios import scenarios_section
from devoplan.report.sources import assumption_rows, attribution_statements, data_sources, sourced_rows
from devoplan.report.summary import national_words, summary_section
from devoplan.report.tables import AreaCard, Cell, Html, cards, fmt_row, money, table
from devoplan.report.words import baseline_caveat, design_facts, glossary

SECTION_IDS: tuple[str, ...] = ("summary", "patchwork", "areas", "checks", "comparison", "funding", "governance",
                                "markets", "cards", "outcomes", "sources", "downloads")
NO_GEOMETRY = f"This geography has no display boundaries ({GEOMETRY_FILE}), so maps are left out."
MISALIGNMENT_LIST = 40
WORST_CROSSINGS = 12


def build_sections(data: ReportData, sink: FigureSink) -> list[Section]:
    """All sections in reading order: the one-page summary, the body, then the appendix."""
    fv = funding_view(data.allocations, data.plan) if data.allocations is not None else None
    markets = plan_markets(data)
    body = [
        patchwork_section(data.geography, data.audit, sink),
        areas_section(data, sink),
        checks_section(data),
        comparison_section(data.comparison, data.geography),
        funding_section(data, fv, sink),
        governance_section(data, sink),
        markets_section(data, sink, markets),
        cards_section(data, fv, market_lines(markets)),
        outcomes_section(data, sink),
        *optional(scenarios_section(data.doc.scenarios)),
        *optional(ensemble_section(data.doc.ensemble, sink)),  # only with an ensemble (devoplan report --ensemble)
    ]
    appendix = [sources_section(data), downloads_section(areas_table(_cards(data, fv, market_lines(markets))))]
    return [summary_section(data, fv), *body, *appendix]


def optional(section: Section | None) -> list[Section]:
    """A section that is there only when its inputs are (e.g. scenarios: only after devoplan compare)."""
    return [] if section is None else [section]


def has_geometry(geo: Geography) -> bool:
    """Whether the geography ships display boundaries (optional in the format; maps need them)."""
    return geo.assets.has_geometry


# -- 2. today's patchwork -----------------------------------------------------------------------------
def patchwork_section(geo: Geography, audit: Audit | None, sink: FigureSink) -> Section:
    """Misalignment map, the audit's coterminosity matrix, split districts and worst crossings in words."""
    present = {k.upper() for k in geo.layers}
    lists = _split_lists(audit, present, today_keys(geo.layers))
    parts: list[str] = []
    health, economic = today_keys(geo.layers)
    if health.upper() in present and economic.upper() in present and has_geometry(geo):
        fig = maps.misalignment_map(geo, health=health, economic=economic)
        parts.append(grid(figure(sink.svg(fig, "Today's misalignments", png_name="map_misalignments"),
                                 f"Districts split between {areas_word(health)} or shared by two "
                                 f"{areas_word(economic)}."),
                          f"<div>{lists}</div>", css="split"))
    else:
        parts.append(lists)
    matrix = audit.coterminosity if audit is not None else {}
    if matrix:
        keys = list(matrix)
        rows = [[a, *(_ratio(matrix[a][b]) for b in keys)] for a in keys]  # one format for the matrix
        parts.append("<h3>Coterminosity of today's layers</h3>" +
                     table(["layer", *keys], rows, numeric=range(1, len(keys) + 1)) + glossary(geo, keys))
    else:
        parts.append(note("No audit of today's layers was given.", kind="missing"))
    crossings = audit.crossings if audit is not None else ()
    if crossings:
        parts.append(f"<h3>Worst misalignments ({len(crossings)} crossings, largest first)</h3><ol>" +
                     "".join(f"<li>{esc(c.text)}</li>" for c in crossings[:WORST_CROSSINGS]) + "</ol>")
    return Section("patchwork", "Today's patchwork", "".join(parts),
                   lead="How far today's service geographies line up with each other (coterminosity 1.0 = the "
                        "same map; the mean of the two containment shares, population-weighted).")


def _ratio(value: Any) -> str:
    """A coterminosity to 3 decimals; a dash where two layers share no residents (GLA and a combined authority)."""
    return "–" if value is None or value != value else f"{float(value):.3f}"


def _split_lists(audit: Audit | None, present: set[str], keys: tuple[str, str]) -> str:
    """The districts split between health areas and shared by economic areas (today's: the 2026 ICBs and the
    LSIP areas), in the audit's own words (layers the geography has)."""
    out = []
    for key, verb in ((keys[0], "split between"), (keys[1], "in two or more")):
        if key.upper() not in present:
            continue
        items = audit.splits_of(key) if audit is not None else ()
        texts = "".join(f"<li>{esc(s.text)}</li>" for s in items[:MISALIGNMENT_LIST])
        more = f"<li>… and {len(items) - MISALIGNMENT_LIST} more</li>" if len(items) > MISALIGNMENT_LIST else ""
        out.append(f"<h3>{len(items)} districts {verb} {esc(areas_word(key))}</h3><ul>{texts}{more}</ul>")
    return "".join(out)


# -- 3. proposed areas ----------------------------------------------------------------------------------
def areas_section(data: ReportData, sink: FigureSink) -> Section:
    geo, plan = data.geography, data.plan
    layout = hex_layout(geo)
    colours = maps.area_colours(geo, plan, layout)
    figs = [figure(sink.svg(maps.plan_map(geo, plan, colours), "Proposed areas", png_name="map_plan"),
                   "Proposed areas, numbered and named beside the map (the same numbers as the cards below); "
                   "neighbouring areas have different colours.", css="map")
            if has_geometry(geo) else note(NO_GEOMETRY, kind="missing")]
    if layout is not None:
        figs.append(figure(sink.svg(maps.hex_plan_map(layout, plan, colours), "Hex map", png_name="map_plan_hex"),
                           "The same areas on a hex map: every district the same size.", css="map"))
    lower, upper = data.bounds.lower, data.bounds.upper
    pops = plan.area_totals(geo.units.population.astype(float))
    pop_fig = charts.population_chart(plan.area_names, pops, lower, upper)
    body = "".join(figs) + figure(sink.svg(pop_fig, "Population against bounds"),
                                "Areas outside the bounds are drawn red." if lower or upper else
                                "No design bounds were given with this plan.", wide=True)
    body += _design_facts(data.doc.design)
    return Section("areas", "Proposed commissioning areas", body,
                   lead=f"{plan.n_areas} areas built from whole districts.")


def _design_facts(design: DesignPart) -> str:
    return design_facts(design) or note("No design result was given with this plan (objective, bound and "
                                        "governance not shown).")


# -- 4. comparison --------------------------------------------------------------------------------------
def comparison_section(comparison: ComparisonTable | None, geo: Geography) -> Section:
    if comparison is None:
        return Section("comparison", "The plan against today's geographies",
                       note("No comparison was computed.", kind="missing"))
    header = ["measure", *comparison.columns]
    numeric = range(1, len(header))
    rows = [[_measure_cell(r), *fmt_row(list(r.values))] for r in comparison.rows]
    head = set(comparison.headline)
    n_head = sum(1 for r in comparison.rows if r.metric in head)
    areas: list[Any] = ["number of areas", *fmt_row(list(comparison.areas))]
    body = table(header, [areas, *rows[:n_head]], numeric=numeric, css="compare")
    if rows[n_head:]:
        body += ("<h3>Every other measure</h3>" +
                 table(header, rows[n_head:], numeric=numeric, css="compare", scroll=True))
    body += ("<p>Each of today's layers is turned into a plan (a district split between areas goes to the one "
             "holding most of it) and scored with the same measures. A code such as <code>coterminosity@ICB26</code> "
             "names the measure in <code>metrics.json</code>; <code>@X</code> means measured against layer X "
             "(docs/metrics.md defines each).</p>" + glossary(geo))
    return Section("comparison", "The plan against today's geographies", body,
                   lead="The headline measures of the proposed plan side by side with today's layers ("
                        + ", ".join(areas_word(k) for k in comparison.layers if k) + "), then every "
                        "other measure.")


def _measure_cell(row: MeasureRow) -> Html:
    words = row.words or row.metric
    return Html(f'{esc(words)}<br><code class="small">{esc(row.metric)}</code>')


# -- 5. funding -----------------------------------------------------------------------------------------
def funding_section(data: ReportData, fv: FundingView | None, sink: FigureSink) -> Section:
    if fv is None:
        return Section("funding", "Funding settlement",
                       note("No allocations were given, so there is no funding settlement in this report.",
                            kind="missing"))
    geo, plan = data.geography, data.plan
    first, last = fv.years[0], fv.years[-1]
    national = float(fv.allocation[-1].sum() / fv.population.sum())
    alloc = charts.allocation_chart(plan.area_names, fv.per_head[-1],
                                    fv.p5[-1] if fv.p5 is not None else None,
                                    fv.p95[-1] if fv.p95 is not None else None, national, year=last)
    conv = charts.convergence_chart(plan.area_names, fv.years, fv.distance_pct)
    body = note(baseline_caveat(data.doc)) if data.doc.baseline_assumed else ""
    body += _funding_maps(geo, plan, fv, sink) if has_geometry(geo) else note(NO_GEOMETRY, kind="missing")
    body += money_parts(data, fv, sink)
    body += figure(sink.svg(alloc, "Allocation per head with sensitivity"),
                   "Bars: 5th–95th percentile over the Monte Carlo draws (each draw picks the indicator weights, "
                   "which indicators are used, and the strength of need within the spec's ranges)."
                   if fv.p5 is not None else "No sensitivity analysis was run.", wide=True)
    body += figure(sink.svg(conv, "Convergence"), "Each line is an area; the furthest above and below target "
                                                   "in the first year are named.", wide=True)
    body += _national_table(data.doc.funding, fv)
    return Section("funding", "Funding settlement", body,
                   lead=f"Needs-based block grants for {first} to {last}, moving each area from its baseline toward "
                        "its formula target at the pace of change the spec sets.")


def _funding_maps(geo: Geography, plan: Plan, fv: FundingView, sink: FigureSink) -> str:
    first, last = fv.years[0], fv.years[-1]
    head = maps.value_map(geo, plan, fv.per_head[-1], title=f"Allocation per head, {last}",
                          label="£ per resident", cmap="viridis", tick_format="£{:,.0f}")
    dist = maps.value_map(geo, plan, fv.distance_pct[0], title=f"Distance from target, {first}",
                          label="allocation above (+) or below (−) target", cmap="RdBu", diverging=True,
                          tick_format="{:+.0f}%")
    return (figure(sink.svg(head, "Allocation per head", png_name="map_allocation_per_head"),
                   "All service lines together.", css="map") +
            figure(sink.svg(dist, "Distance from target", png_name="map_distance_from_target"),
                   "Below zero: funded below the formula's target; pace of change closes the gap over time.",
                   css="map"))


def _national_table(summary: FundingSummary | None, fv: FundingView) -> str:
    rows = []
    national = summary.top_sliced if summary is not None else {}
    for y, year in enumerate(fv.years):
        top = national.get(year)
        rows.append([year, money(float(fv.allocation[y].sum()), unit="bn"),
                     money(float(top), unit="bn") if top is not None else None,
                     f"£{fv.allocation[y].sum() / fv.population.sum():,.0f}",
                     f"{np.abs(fv.distance_pct[y]).max():.1f}%"])
    out = "<h3>National totals</h3>" + table(
        ["year", "to areas", "kept central (top-slices)", "per head", "largest distance from target"], rows,
        numeric=[1, 2, 3, 4])
    if summary is not None and summary.lines:
        slice_rows = [[ln.name, name, money(amount, unit="bn")]
                      for ln in summary.lines for name, amount in ln.top_slices.get(fv.years[0], {}).items()]
        if slice_rows:
            out += f"<h3>Top-slices kept central, {esc(fv.years[0])}</h3>" + table(
                ["service line", "top-slice", "amount"], slice_rows, numeric=[2])
    return out


# -- 6. cards -------------------------------------------------------------------------------------------
def _cards(data: ReportData, fv: FundingView | None, market: Sequence[tuple[tuple[str, str], ...]] = ()
           ) -> list[AreaCard]:
    colours = maps.area_colours(data.geography, data.plan, hex_layout(data.geography))
    items = area_cards(data.geography, data.plan, colours, governance=data.doc.design.governance, funding=fv,
                       baseline_assumed=data.doc.baseline_assumed)
    return [replace(c, market=line) for c, line in zip(items, market, strict=True)] if market else items


def areas_table(items: Sequence[AreaCard]) -> str:
    """The cards as one table (one row per area): what a spreadsheet user wants from them."""
    if not items:
        return ""
    first = items[0]
    header = ["number", "code", "name", "residents", "districts", *(f"dominant {k}" for k, _, _ in first.dominant),
              "who could run it", *(label for label, _ in (*first.funding, *first.market))]
    rows: list[list[Cell]] = [[c.number, c.code, c.name, c.population, len(c.districts),
                               *(f"{name} ({share:.0%})" for _, name, share in c.dominant), c.governance,
                               *(value for _, value in (*c.funding, *c.market))] for c in items]
    return "<h3>The areas, one row each</h3>" + table(header, rows, numeric=[0, 3, 4], scroll=True)


def cards_section(data: ReportData, fv: FundingView | None,
                  market: Sequence[tuple[tuple[str, str], ...]] = ()) -> Section:
    items = _cards(data, fv, market)
    lead = ("Districts, population, the health and economic areas each mostly is, who could run it, and what it "
            "would be funded. Numbers match the maps.")
    if fv is not None and fv.winner_frequency is not None:
        lead += (f" 'Gains in draws' is the share of the sensitivity draws in which the area's cash growth on its "
                 f"baseline by {fv.years[-1]} beats {national_words(data.geography)}.")
    return Section("cards", "The areas one by one", cards(items), lead=lead)


# -- 7. assumptions and sources ---------------------------------------------------------------------------
def sources_section(data: ReportData) -> Section:
    funding = data.doc.funding
    body = "<h3>Assumptions</h3>"
    assumed = assumption_rows(funding, {m.key: m.name for m in data.geography.indicators.meta})
    body += (table(["figure", "value", "why it is an assumption"], assumed) if assumed else
             note("No funding summary was given, so the formula's assumptions are not listed."))
    sourced = sourced_rows(funding)
    if sourced:
        body += "<h3>Sourced figures in the funding formula</h3>" + table(["figure", "value", "source"], sourced)
    body += "<h3>Data sources and licences</h3>"
    rows = data_sources(data.geography)
    body += (table(["dataset", "source", "licence"], rows) if rows else
             note("The geography ships no ATTRIBUTION.md and its indicators name no sources.", kind="missing"))
    statements = attribution_statements(data.geography)
    if statements:
        body += "<h3>Attribution statements</h3><ul>" + "".join(f"<li>{esc(t)}</li>" for t in statements) + "</ul>"
    return Section("sources", "Appendix A: assumptions and sources", body,
                   lead="What the numbers rest on. Figures marked as assumptions are judgement calls, not "
                        "published values.")


