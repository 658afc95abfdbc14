"""The report's "Outcomes: the postcode lottery" section (docs/outcomes.md).

From the packaged outcomes bundle and the plan: the policy's claims re-measured with the latest data,
a map of where each area is worst against England (with the same figures as a table), how far apart
the areas are on every indicator, funnel plots with control limits for the headline indicators, and
one card per area with a spine chart, its figures, its nearest comparator areas and the what-works
entries that fall in it. A geography the bundle does not cover (its districts are not England's
2024 districts) gets the section with a note saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.outcomes import OutcomeData, OutcomesResult, load_outcomes, outcomes
from devoplan.outcomes.api import IndicatorOutcome
from devoplan.outcomes.benchmark import spine_position
from devoplan.outcomes.claims import policy_claims
from devoplan.outcomes.indicators import check_codes
from devoplan.outcomes.whatworks import Entry, link_to_plan, load_library
from devoplan.plan import Plan
from devoplan.report import maps
from devoplan.report.data import ReportData
from devoplan.report.figures import FigureSink
from devoplan.report.html import Section, esc, figure, grid, kpis, note
from devoplan.report.outcome_charts import SpineRow, funnel_figure, spine_svg
from devoplan.report.tables import Cell, Html, fmt_row, table

HEADLINE: tuple[str, ...] = ("cvd_u75", "hle_male", "smoking", "child_poverty")
NEIGHBOURS_SHOWN = 3


@lru_cache(maxsize=1)
def _bundle() -> OutcomeData:
    return load_outcomes()


def outcome_result(geography: Geography, plan: Plan) -> tuple[OutcomeData, OutcomesResult] | None:
    """The bundle and the plan's benchmarked outcomes, or None when the bundle does not cover the geography."""
    data = _bundle()
    try:
        check_codes(data, geography.units.codes)
    except DevoplanError:
        return None
    return data, outcomes(data, geography, plan, label="plan")


TITLE = "Outcomes: the postcode lottery"


def outcomes_section(data: ReportData, sink: FigureSink) -> Section:
    """The section (a note in place for a geography without outcome data)."""
    found = outcome_result(data.geography, data.plan)
    if found is None:
        return Section("outcomes", TITLE, note(
            "The packaged outcome indicators are for England's 2024 districts; this geography's districts "
            "are not those, so outcomes are not shown (devoplan outcomes --data DIR takes your own).",
            kind="missing"))
    bundle, result = found
    geo, plan = data.geography, data.plan
    worse = _worse_counts(result)
    compared = _compared_counts(result)
    body = kpis(_headline_figures(result, worse, compared))
    body += "<h3>The policy's claims, re-measured</h3>" + _claims_table(bundle, geo)
    body += "<h3>Where the gaps are worst</h3>" + _gap_map(geo, plan, worse, sink) + _gap_table(result, worse)
    body += "<h3>How far apart the areas are</h3>" + _variation_table(result)
    body += "<h3>Funnel plots</h3>" + _funnels(result, sink)
    body += "<h3>Each area's outcomes</h3>" + _cards(result, load_library(None, geo.units.codes),
                                                                 _place_names(geo))
    body += _comparators_note(result)
    return Section("outcomes", TITLE, body, lead=(
        f"How people fare in the plan's {plan.n_areas} areas on {len(result.indicators)} indicators, each area "
        "against England at 95% confidence (better, similar or worse, by the indicator's polarity). District "
        "values are combined through their denominators; a county or police-force figure used for its districts "
        "is flagged. Method and sources: docs/outcomes.md."))


def _worse_counts(result: OutcomesResult) -> np.ndarray:
    return np.array([sum(i.benchmark.comparison[a] == "worse" for i in result.indicators)
                     for a in range(result.areas.n_areas)])


def _compared_counts(result: OutcomesResult) -> np.ndarray:
    return np.array([sum(i.benchmark.comparison[a] in ("better", "worse", "similar") for i in result.indicators)
                     for a in range(result.areas.n_areas)])


def _headline_figures(result: OutcomesResult, worse: np.ndarray, compared: np.ndarray) -> list[tuple[str, str]]:
    items = [(str(len(result.indicators)), "indicators benchmarked against England")]
    half = int(np.sum(worse * 2 >= np.maximum(compared, 1)))
    items.append((f"{half} of {result.areas.n_areas}",
                  "areas worse than England on at least half the indicators compared"))
    spreads = [(i.spread.ratio, i.values.indicator.name) for i in result.indicators
               if i.spread is not None and np.isfinite(i.spread.ratio) and i.spread.ratio > 0
               and i.values.indicator.polarity != "no_judgement"]
    if spreads:
        ratio, name = max(spreads)
        items.append((f"{ratio:.1f}×", f"widest gap between areas (highest / lowest): {name}"))
    return items


def _claims_table(bundle: OutcomeData, geo: Geography) -> str:
    claims = policy_claims(bundle, geo)
    if not claims:
        return note("None of the policy's claims can be re-measured on this geography.", kind="missing")
    rows: list[list[Cell]] = [[c.claim, c.measure, c.figure, c.period, c.source] for c in claims]
    return table(["the policy says", "measured as", "latest data", "period", "source"], rows)


def _gap_map(geo: Geography, plan: Plan, worse: np.ndarray, sink: FigureSink) -> str:
    if not geo.assets.has_geometry:
        return ""
    fig = maps.value_map(geo, plan, worse.astype(float), title="Indicators on which the area is worse than England",
                         label="indicators significantly worse than England (95%)", cmap="Reds")
    return figure(sink.svg(fig, "Map: number of indicators on which each area is worse than England",
                           png_name="map_outcomes_worse"),
                  "Darker areas are significantly worse than England on more indicators; the table below gives "
                  "the same counts and names the indicators.", css="map")


def _gap_table(result: OutcomesResult, worse: np.ndarray) -> str:
    rows: list[list[Cell]] = []
    for a in np.argsort(-worse, kind="stable"):
        names = [i.values.indicator.name for i in result.indicators if i.benchmark.comparison[a] == "worse"]
        better = sum(i.benchmark.comparison[a] == "better" for i in result.indicators)
        rows.append([int(a) + 1, result.areas.area_names[a], int(worse[a]), better, "; ".join(names) or "none"])
    return table(["no.", "area", "worse", "better", "worse than England on"], rows, numeric=[0, 2, 3], scroll=True)


def _variation_table(result: OutcomesResult) -> str:
    rows: list[list[Cell]] = []
    for item in result.indicators:
        v, ind, sp = item.values, item.values.indicator, item.spread
        counts = {k: sum(c == k for c in item.benchmark.comparison) for k in ("better", "similar", "worse")}
        worst = best = "–"
        if sp is not None:
            worst, best = (_area_at(v.value, v.names, x) for x in (sp.worst, sp.best))
            if ind.polarity == "no_judgement":
                worst, best = f"lowest: {worst}", f"highest: {best}"
        label = Html(f'{esc(ind.name)} ({esc(ind.unit)}) <code class="small">{esc(ind.key)}</code>')
        rows.append([label, v.period, *fmt_row([item.benchmark.england[0]]), worst, best,
                     *fmt_row([sp.ratio if sp else None, sp.ratio_90_10 if sp else None]),
                     f"{counts['better']} / {counts['similar']} / {counts['worse']}",
                     _flags(item)])
    return table(["indicator", "period", "England", "worst area", "best area", "highest / lowest", "90th / 10th",
                  "better / similar / worse", "notes"], rows, numeric=[2, 5, 6], scroll=True)


def _area_at(values: np.ndarray, names: Sequence[str], target: float) -> str:
    hits = np.flatnonzero(values == target)
    return f"{names[int(hits[0])]} ({fmt_row([target])[0]})" if hits.size else "–"


def _flags(item: IndicatorOutcome) -> str:
    notes = []
    if item.funnel is not None and item.funnel.overdispersed:
        notes.append("overdispersed: funnel limits widened")
    upper = int(item.values.upper_tier.sum())
    if upper:
        notes.append(f"{upper} areas use county or force-area figures")
    if item.values.indicator.polarity == "no_judgement":
        notes.append("no judgement: higher / lower, not better / worse")
    return "; ".join(notes)


def _funnels(result: OutcomesResult, sink: FigureSink) -> str:
    figs, details = [], []
    for key in HEADLINE:
        item = next((i for i in result.indicators if i.values.indicator.key == key), None)
        if item is None or item.funnel is None:
            continue
        f, v, ind = item.funnel, item.values, item.values.indicator
        outside = [v.names[a] for a in range(len(v.names)) if f.outside_998[a]]
        caption = (f"{ind.name}, {v.period}: England {f.target:.1f}; dashed lines 95%, solid 99.8% control limits"
                   + (f", widened for overdispersion (phi {f.phi:.1f})" if f.overdispersed else "")
                   + f". Outside 99.8%: {', '.join(outside) if outside else 'none'}.")
        figs.append(figure(sink.svg(funnel_figure(f, v.names, ind.name, ind.unit), f"Funnel plot: {ind.name}"),
                           caption))
        rows: list[list[Cell]] = [[v.names[a], *fmt_row([v.value[a], f.precision[a]]),
                                   f.outside_95[a] or "inside", f.outside_998[a] or "inside"]
                                  for a in range(len(v.names))]
        details.append(f"<details><summary>{esc(ind.name)}: the funnel plot's figures</summary>"
                       + table(["area", "value", "precision", "95% limits", "99.8% limits"], rows, numeric=[1, 2])
                       + "</details>")
    if not figs:
        return note("No headline indicator has intervals for a funnel plot on this plan.")
    return grid(*figs) + "".join(details)


def _place_names(geo: Geography) -> dict[str, str]:
    """Names of every district and every layer's area, by code (to name published neighbours)."""
    names = dict(zip(geo.units.codes, geo.units.names, strict=True))
    for key in geo.layers:
        layer = geo.layer(key)
        names.update(zip(layer.area_codes, layer.area_names, strict=True))
    return names


def _cards(result: OutcomesResult, library: tuple[Entry, ...], names: dict[str, str]) -> str:
    """One card per area: its spine chart, what it is better and worse than England on, its comparators
    and what works there; every figure of every card is in the one table after the cards."""
    areas = result.areas
    links = link_to_plan(library, areas)
    cards = []
    for a, name in enumerate(areas.area_names):
        spine = [SpineRow(i.values.indicator.key, *_spine(i, a)) for i in result.indicators if i.spread is not None]
        svg = spine_svg(spine, f"Spine chart for {name}: each indicator from the worst area (left) to the best "
                               "(right), England in the middle; the figures are in the table after the cards")
        lines = [f"{label}: {', '.join(keys)}" for label, keys in _by_comparison(result, a) if keys]
        lines += _comparator_lines(result, a, names)
        works = [e.model for e in library if areas.area_codes[a] in links[e.id] and "E92000001" not in e.places]
        if works:
            lines.append(f"What works here: {'; '.join(works)}")
        text = "".join(f'<p class="small">{esc(line)}</p>' for line in lines)
        cards.append(f'<article class="card" id="outcomes-{a + 1}"><h3>{a + 1}. {esc(name)}</h3>{svg}{text}</article>')
    legend = ("Spine charts: grey bar from the worst area (left) to the best (right), darker band the middle half of "
              "areas, the black line England; the dot is green when the area is significantly better than England, "
              "red when worse, amber when similar, blue for indicators with no judgement, white when not compared.")
    return (f'<p class="small">{esc(legend)}</p><div class="cards">' + "".join(cards) + "</div>"
            + "<h3>Every area and indicator</h3>" + _figures_table(result))


def _spine(item: IndicatorOutcome, a: int) -> tuple[float, float, float, str]:
    sp, england = item.spread, item.benchmark.england[0]
    assert sp is not None
    return (spine_position(float(item.values.value[a]), sp, england), spine_position(sp.q25, sp, england),
            spine_position(sp.q75, sp, england), item.benchmark.comparison[a])


def _by_comparison(result: OutcomesResult, a: int) -> list[tuple[str, list[str]]]:
    keys = {c: [i.values.indicator.key for i in result.indicators if i.benchmark.comparison[a] == c]
            for c in ("worse", "better")}
    return [("Worse than England on", keys["worse"]), ("Better than England on", keys["better"])]


def _comparator_lines(result: OutcomesResult, a: int, names: dict[str, str]) -> list[str]:
    code = result.areas.area_codes[a]
    lines = []
    if result.neighbours is not None:
        near = ", ".join(f"{n} ({d:.2f})" for _, n, d in result.neighbours.of(code)[:NEIGHBOURS_SHOWN])
        lines.append(f"Most similar areas (distance on standardised variables): {near}")
    for which, label in (("dfe", "DfE statistical neighbours"), ("ons", "ONS similar areas")):
        published = result.published_neighbours.get(code, {}).get(which)
        if published:
            lines.append(f"{label} (published): {', '.join(names.get(c, c) for c in published[:NEIGHBOURS_SHOWN])}")
    return lines


def _figures_table(result: OutcomesResult) -> str:
    """Every area's value, 95% interval, England, comparison, trend and inequality (SII) per indicator."""
    rows: list[list[Cell]] = []
    for a, name in enumerate(result.areas.area_names):
        for item in result.indicators:
            v, sii = item.values, item.inequality[a]
            rows.append([a + 1, name, v.indicator.key, v.period,
                         *fmt_row([v.value[a], v.lci[a], v.uci[a], item.benchmark.england[0]]),
                         item.benchmark.comparison[a], item.trends[a].marker,
                         *fmt_row([sii.sii if sii is not None else None])])
    return table(["no.", "area", "indicator", "period", "value", "95% low", "95% high", "England", "vs England",
                  "trend", "SII (least - most deprived)"], rows, numeric=[0, 4, 5, 6, 7, 10], scroll=True)


def _comparators_note(result: OutcomesResult) -> str:
    nb = result.neighbours
    if nb is None:
        return ""
    from devoplan.outcomes.comparators import VARIABLES

    described = dict(VARIABLES)
    used = "; ".join(described.get(v, v) for v in nb.variables)
    return note(f"Similar areas are the nearest on these variables, each standardised across the plan's areas "
                f"(the ONS similar-areas method): {used}. Distances are in standard deviations.")
