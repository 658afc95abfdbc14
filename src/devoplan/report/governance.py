"""The report's governance section: who would run each area, what it replaces, and the roadmap as a Gantt chart.

Computed here from the geography, the plan and (when given) the allocations table, with the shipped
roadmap (:func:`devoplan.governance.assess.assess`): the model is cheap and deterministic, so a report
re-rendered from saved files shows the same table as the demo's.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator

from devoplan.design.naming import clean_name
from devoplan.governance.assess import Assessment, Money, assess
from devoplan.governance.classify import STATUS_WORDS
from devoplan.governance.facts import TIER_WORDS, body_table
from devoplan.governance.roadmap import Roadmap
from devoplan.governance.roadmap_spec import default_roadmap_path, load_roadmap
from devoplan.report.data import ReportData
from devoplan.report.figures import FigureSink, new_figure
from devoplan.report.html import Section, esc, figure, kpis, note
from devoplan.report.tables import Cell, money, table

SECTION_ID = "governance"
FIXED_COLOURS: dict[str, str] = {"shadow": "#BBBBBB", "establishment": "#332288", "integrated_settlement": "#CC3311"}
LINE_COLOURS: tuple[str, ...] = ("#0077BB", "#33BBEE", "#009988", "#EE7733", "#EE3377", "#AA4499", "#DDCC77")


def assessment(data: ReportData) -> Assessment:
    """The plan's governance model and default roadmap, with budgets from the allocations when present."""
    money_in = Money.from_allocations(data.allocations, data.plan) if data.allocations is not None else None
    return assess(data.geography, data.plan, money=money_in, spec=load_roadmap(default_roadmap_path()))


def governance_section(data: ReportData, sink: FigureSink) -> Section:
    """Section ``governance``: national counts, the table of candidate bodies, and the roadmap chart."""
    result = assessment(data)
    s, r = result.model.simplification, result.roadmap
    items = [(f"{s.before} → {s.after}", "commissioning bodies today → single commissioning bodies"),
             (str(s.split_bodies), "of today's bodies split between areas")]
    if s.running_cost > 0:
        items.append((money(s.running_cost), "running-cost allowances put in one place a year"))
    ends = [a.end for a in r.areas if a.end is not None]
    if ends:
        items.append((f"{r.spec.start_year}–{max(ends)}", "roadmap, first shadow body to last phase"))
    body = kpis(items)
    body += "<p>" + esc(_families_sentence(result)) + "</p>"
    body += _table(result)
    body += figure(sink.svg(gantt_chart(r, [clean_name(a.name) for a in result.model.areas]), "Roadmap by area"),
                  _gantt_caption(r), wide=True)
    late = [a for a in r.areas if a.beyond_horizon]
    if late:
        body += note(f"{len(late)} area(s) finish after the roadmap's horizon ({r.spec.end_year}): "
                     + ", ".join(clean_name(a.name) for a in late) + ".")
    body += f"<p class=\"small\">{esc(_sources())}</p>"
    return Section(SECTION_ID, "Governance and roadmap", body,
                   lead="One single commissioning body per area, led by a mayor or a council leader, with a cabinet "
                        "member for each funded service; and the phases to get there, aligned to four-year "
                        "settlements and local elections.")


def _families_sentence(result: Assessment) -> str:
    s = result.model.simplification
    parts = ", ".join(f"{f.touching} {f.family}" for f in s.national)
    text = (f"Today {s.before} bodies commission these services ({parts}); each area's single body replaces or "
            f"absorbs those in its districts, {s.after} in all.")
    costed = s.areas[0].running_cost_families if s.areas else ()
    missing = [c.name for c in s.costs if c.pounds is None]
    if costed:
        how = "; ".join(f"{family}: {basis}" for family, basis in s.cost_basis)
        text += (f" Running costs counted ({how})"
                 + (f"; not costed (no open figure): {'; '.join(missing)}." if missing else "."))
    if s.missing_families:
        text += f" Not in this geography: {', '.join(s.missing_families)}."
    return text


def _table(result: Assessment) -> str:
    rows: list[list[Cell]] = []
    for i, (a, r) in enumerate(zip(result.model.areas, result.roadmap.areas, strict=True)):
        g, c = a.governance, a.cabinet
        body = g.body or "—"
        rows.append([i + 1, clean_name(a.name), body, g.status.replace("_", " "), g.tier_today.replace("_", " "),
                     g.tier_reachable.replace("_", " "), g.leadership.replace("_", " "), len(c.portfolios),
                     money(c.total) if c.portfolios else "—", a.simplification.before,
                     f"{r.start}–{r.end}" if r.start is not None else "—"])
    year = result.model.areas[0].cabinet.year if result.model.areas else None
    headers = ["#", "area", "candidate body", "status", "tier today", "could reach", "leader", "portfolios",
               f"budget {year}" if year else "budget", "bodies today", "roadmap"]
    caption = ("Tiers (English Devolution White Paper, December 2024): " + "; ".join(
        f"{k.replace('_', ' ')} = {v}" for k, v in TIER_WORDS.items()) + ". A council-led area can reach the "
        "foundation tier; the mayoral tiers need a directly elected mayor.")
    return table(headers, rows, numeric=(0, 7, 8, 9), scroll=True, caption=caption)


def _sources() -> str:
    t = body_table()
    return ("Mayors, tiers and years of the strategic authorities: " + "; ".join(t.sources.values())
            + ". Statuses: " + "; ".join(f"{k.replace('_', ' ')} — {v}" for k, v in STATUS_WORDS.items()) + ".")


def _gantt_caption(r: Roadmap) -> str:
    c = r.spec.cycles
    return (f"Each row is an area, each bar a phase (years are financial years, 2030 = 2030/31). Dashed lines: "
            f"settlements start (every {c.settlement_years} years from {c.settlement_start}); dotted lines: local "
            f"elections (every {c.election_years} years from {c.election_start}). Phases wait where an area does "
            f"not meet a readiness condition (roadmap.csv says which).")


def phase_colours(r: Roadmap) -> dict[str, str]:
    """A colour per phase: fixed ones for shadow, establishment and integrated settlement, a palette otherwise."""
    out, k = {}, 0
    for p in r.spec.phases:
        if p.key in FIXED_COLOURS:
            out[p.key] = FIXED_COLOURS[p.key]
        else:
            out[p.key] = LINE_COLOURS[k % len(LINE_COLOURS)]
            k += 1
    return out


def _lanes(r: Roadmap) -> dict[str, int]:
    """Lane of each phase within an area's row: phases without a service line share lane 0 (they follow
    one another); each service line's transfer gets a lane of its own (transfers run side by side)."""
    out, k = {}, 0
    for p in r.spec.phases:
        if not p.service_lines:
            out[p.key] = 0
        else:
            k += 1
            out[p.key] = k
    return out


def gantt_chart(r: Roadmap, names: list[str]) -> Figure:
    """A Gantt chart: one row per area, one thin bar per phase within the row, cycle lines behind."""
    colours = phase_colours(r)
    lanes = _lanes(r)
    n_lane = max(lanes.values(), default=0) + 1
    fig = new_figure(9.0, max(3.0, 0.28 * len(r.areas) + 1.6))
    ax = fig.add_subplot()
    last = max([r.spec.end_year, *(a.end for a in r.areas if a.end is not None)])
    for y in range(r.spec.cycles.next_start("settlement", r.spec.start_year), last + 2, r.spec.cycles.settlement_years):
        ax.axvline(y, color="#888888", ls="--", lw=0.6, zorder=0)
    for y in range(r.spec.cycles.next_start("election", r.spec.start_year), last + 2, r.spec.cycles.election_years):
        ax.axvline(y, color="#888888", ls=":", lw=0.8, zorder=0)
    ax.axvline(r.spec.end_year + 1, color="#333333", lw=1.2)
    height = 0.84 / n_lane
    for row, area in enumerate(r.areas):
        for p in area.phases:
            if p.start is None or p.end is None:
                continue
            ax.broken_barh([(p.start, p.end - p.start + 1)], (row - 0.42 + lanes[p.phase] * height, height * 0.9),
                           facecolors=colours[p.phase])
    ax.set_yticks(np.arange(len(r.areas)), [f"{i + 1}. {n}" for i, n in enumerate(names)], fontsize=7)
    ax.set_ylim(len(r.areas) - 0.5, -0.5)
    ax.set_xlim(r.spec.start_year, last + 1)
    ax.xaxis.set_major_locator(MultipleLocator(2))
    ax.xaxis.set_minor_locator(MultipleLocator(1))
    ax.set_xlabel("financial year (2030 = 2030/31)")
    handles = [Patch(color=colours[p.key], label=p.name) for p in r.spec.phases]
    fig.legend(handles=handles, fontsize=7, loc="outside lower center", ncol=3)
    fig.suptitle("Roadmap: phases per area", fontsize=11, x=0.01, ha="left")
    return fig
