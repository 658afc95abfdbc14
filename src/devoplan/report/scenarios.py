"""The report's scenarios section: several plans side by side (``metrics["scenarios"]``).

Written by ``devoplan compare --report``: the report is of the first plan, and this section puts
every compared plan next to it — headline measures, governance readiness and funding, then each
plan's areas (folded, to keep the page short). Without a comparison the section is left out.
"""

from __future__ import annotations

from devoplan.compare import PlanComparison
from devoplan.governance.classify import STATUS_WORDS
from devoplan.report.html import Section, esc
from devoplan.report.tables import Cell, Html, fmt_row, money, table


def scenarios_section(cmp: PlanComparison | None) -> Section | None:
    """Every compared plan side by side, or None when the report holds no comparison."""
    if cmp is None:
        return None
    labels = list(cmp.labels)
    numeric = range(1, len(labels) + 1)
    body = "<h3>Measures</h3>" + table(["measure", *labels], [
        [Html(f'{esc(words or metric)}<br><code class="small">{esc(metric)}</code>'), *fmt_row(list(values))]
        for metric, words, values in cmp.headline()], numeric=numeric, css="compare")
    body += "<h3>Who could run the areas</h3>" + table(["areas that ...", *labels], _governance_rows(cmp),
                                                        numeric=numeric)
    body += f"<h3>Funding, {esc(cmp.plans[0].years[0])}</h3>" + table(["", *labels], _funding_rows(cmp),
                                                                        numeric=numeric)
    for p in cmp.plans:
        rows: list[list[Cell]] = [[a.code, a.name, a.population, a.governance.replace("_", " "),
                                   money(a.allocation_first), f"£{a.per_head_first:,.0f}",
                                   f"{a.distance_first_pct:+.1f}%"] for a in p.areas]
        body += (f"<details><summary>{esc(p.label)}: {p.n_areas} areas</summary>" +
                 table(["code", "name", "residents", "governance", f"allocation {p.years[0]}", "per head",
                        "vs target"], rows, numeric=[2, 4, 5, 6]) + "</details>")
    return Section("scenarios", "Scenarios side by side", body,
                   lead=f"{len(labels)} plans measured, classified and funded alike (the default funding spec, "
                        "no sensitivity draws): " + ", ".join(labels) + ".")


def _governance_rows(cmp: PlanComparison) -> list[list[Cell]]:
    statuses = sorted({s for p in cmp.plans for s in p.governance})
    return [[STATUS_WORDS.get(s, s), *(p.governance.get(s, 0) for p in cmp.plans)] for s in statuses]


def _funding_rows(cmp: PlanComparison) -> list[list[Cell]]:
    return [["areas", *(p.n_areas for p in cmp.plans)],
            ["to areas", *(money(p.to_areas[0], unit="bn") for p in cmp.plans)],
            ["per head", *(f"£{p.per_head[0]:,.0f}" for p in cmp.plans)],
            ["per head, lowest area", *(f"£{p.per_head_range[0]:,.0f}" for p in cmp.plans)],
            ["per head, highest area", *(f"£{p.per_head_range[1]:,.0f}" for p in cmp.plans)]]
