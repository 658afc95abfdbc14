"""The report's first page: what is proposed, what it costs, who gains, and what is assumed.

A reader who stops after one printed page knows the proposal. Four short blocks, each built only
from figures the report holds (a block whose figures are missing says so in one line), then the
notes about what is not in this report. The detail behind each block is in the sections after it,
and every assumption is listed in the appendix.
"""

from __future__ import annotations

from collections.abc import Sequence

from devoplan.geography.model import Geography
from devoplan.report.data import FundingView, ReportData
from devoplan.report.document import RunFacts
from devoplan.report.html import Section, esc, kpis, note
from devoplan.report.layerwords import areas_word, today_keys
from devoplan.report.words import alignment_sentences, baseline_caveat, governance_sentences, totals_sentence

TOP = 3  # areas named among the largest gainers and the smallest


def summary_section(data: ReportData, fv: FundingView | None) -> Section:
    """The one-page summary (section id ``summary``)."""
    geo, plan = data.geography, data.plan
    pops = plan.area_totals(geo.units.population.astype(float))
    comp = data.comparison
    items = [(str(plan.n_areas), f"commissioning areas from {geo.n_units} districts"),
             (people_range(float(pops.min()), float(pops.max())), "residents per area (smallest–largest)")]
    for key in today_keys(k for k in comp.layers if k) if comp is not None else ():
        value = comp.value(f"coterminosity@{key}", 0) if comp is not None else None
        if value is not None:
            items.append((f"{value:.3f}", f"coterminosity with the {areas_word(key)} (1 = identical)"))
    if fv is not None:
        items.append((f"£{fv.allocation[0].sum() / 1e9:,.1f}bn", f"to areas in {fv.years[0]}"))
        items.append((f"£{fv.allocation[0].sum() / fv.population.sum():,.0f}", f"per head in {fv.years[0]}"))
    blocks = [_block("What is proposed", _proposed(data)), _block("What it costs", _costs(data, fv)),
              _block("Who gains", _gains(data, fv)), _block("What is assumed", _assumed(data))]
    body = kpis(items) + '<div class="brief">' + "".join(blocks) + "</div>"
    doc = data.doc
    if doc.steps_not_run:
        body += note("Not in this report yet: " + "; ".join(doc.steps_not_run), kind="missing")
    for text in doc.report_notes:
        body += note(text, kind="missing")
    if doc.run is not None:
        body += f'<p class="small">{esc(run_line(doc.run))}</p>'
    return Section("summary", "Summary", body,
                   lead=f"{services(geo)} are commissioned over maps that do not line up. This report audits "
                        "today's patchwork, proposes commissioning areas drawn to line up with health and economic "
                        "footprints, and funds them. This page is the whole proposal in brief.")


def _block(title: str, sentences: Sequence[str]) -> str:
    items = "".join(f"<li>{esc(s)}</li>" for s in sentences)
    return f"<div><h3>{esc(title)}</h3><ul>{items}</ul></div>"


def _proposed(data: ReportData) -> list[str]:
    geo, plan = data.geography, data.plan
    pops = plan.area_totals(geo.units.population.astype(float))
    out = [f"{plan.n_areas} commissioning areas built from whole districts, each with one commissioning body "
           f"and one block grant; {people_range(float(pops.min()), float(pops.max()))} residents each."]
    out += alignment_sentences(data.comparison, plan.n_areas)
    out += governance_sentences(data.doc.design.governance)
    scenarios = data.doc.scenarios
    if scenarios is not None and scenarios.labels:
        out.append(f"{len(scenarios.labels)} plans are compared side by side in 'Scenarios side by side'.")
    return out


def _costs(data: ReportData, fv: FundingView | None) -> list[str]:
    if fv is None:
        return ["No funding settlement was given with this plan, so its money is not shown."]
    first, last = fv.years[0], fv.years[-1]
    pop = float(fv.population.sum())
    a0, a1 = float(fv.allocation[0].sum()), float(fv.allocation[-1].sum())
    out = [f"£{a0 / 1e9:,.1f}bn goes to the areas as block grants in {first} (£{a0 / pop:,.0f} per head), "
           f"£{a1 / 1e9:,.1f}bn in {last}.{totals_sentence(data.doc.funding)}"]
    top = data.doc.funding.top_sliced.get(first) if data.doc.funding is not None else None
    if top is not None and top > 0:
        out.append(f"£{top / 1e9:,.1f}bn of the same services is kept central as top-slices in {first}.")
    per_head = fv.allocation[0] / fv.population
    out.append(f"Per head, areas get £{per_head.min():,.0f} to £{per_head.max():,.0f} in {first}: the formula "
               "shares the services' control totals by need; it adds no spending of its own, and the cost of "
               "setting up new bodies is not estimated here.")
    return out


def _gains(data: ReportData, fv: FundingView | None) -> list[str]:
    wl = data.doc.winners
    if fv is None or wl is None:
        return ["No winners and losers were computed for this plan."]
    out = [f"By {wl.year}, {wl.n_winners} areas grow faster than {national_words(data.geography)} "
           f"{wl.national_cash_growth_pct:.1f}% cash growth on their baseline and {wl.n_losers} slower."]
    for rows, verb in ((wl.winners, "Largest gains"), (wl.losers, "Smallest gains")):
        if rows:
            named = ", ".join(f"{r.area_name} ({r.cash_growth_pct:+.1f}%)" for r in rows[:TOP])
            out.append(f"{verb}: {named}.")
    if data.doc.baseline_assumed:
        out.append(baseline_caveat(data.doc))
    return out


def _assumed(data: ReportData) -> list[str]:
    funding = data.doc.funding
    out = []
    if funding is not None and funding.assumptions:
        out.append(f"{len(funding.assumptions)} figures of the funding formula are judgement calls, not published "
                   "values (each is listed in the appendix, 'Assumptions and sources').")
    lines = data.doc.lines_assumed
    if lines and funding is not None and len(lines) < len(funding.lines):
        out.append(f"Current funding (the baseline) is a stand-in shared out by age and sex for {', '.join(lines)}, "
                   "which have no spending data by area; every other line starts from what the districts get today.")
    elif data.doc.baseline_assumed:
        out.append("Each area's current funding (the baseline) is a stand-in shared out by age and sex.")
    bounds = data.bounds
    if bounds.both:
        out.append(f"Areas must hold {bounds.lower:,.0f}–{bounds.upper:,.0f} residents, and "
                   "the design weighs alignment with today's maps as 'How the plan was found' sets out.")
    out.append(f"Population: {data.geography.units.total_population:,} residents of {data.geography.name}; "
               "the data sets and their dates are in the appendix.")
    return out


def people_range(lo: float, hi: float) -> str:
    """Millions for England-sized areas; whole numbers when areas are small (0.00m says nothing)."""
    if hi >= 100_000:
        return f"{lo / 1e6:.2f}m–{hi / 1e6:.2f}m"
    return f"{lo:,.0f}–{hi:,.0f}"


def services(geo: Geography) -> str:
    """"England's public services" for the England bundle; a user's own geography is not called England."""
    return "England's public services" if is_england(geo) else "Public services"


def national_words(geo: Geography) -> str:
    """Whose cash growth winners are measured against: England's, or the whole of a user's geography."""
    return "England's" if is_england(geo) else "the national"


def is_england(geo: Geography) -> bool:
    return geo.name.lower().startswith("england")


def run_line(run: RunFacts) -> str:
    """How the demo was run, in words (seed, optimiser time limit, Monte Carlo draws)."""
    parts = []
    if run.seed is not None:
        parts.append(f"seed {run.seed}")
    if run.time_limit_s is not None:
        parts.append(f"optimiser time limit {run.time_limit_s:g} s")
    if run.draws is not None:
        parts.append(f"{run.draws:,} Monte Carlo draws for funding sensitivity")
    return "Run: " + " · ".join(parts) if parts else ""


