"""Per-area cards: districts, population, dominant health and economic areas, governance, money."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from devoplan.geography.model import Geography
from devoplan.plan import Plan
from devoplan.report.comparison import dominant_areas
from devoplan.report.data import FundingView
from devoplan.report.document import NOT_ASSESSED, GovernanceNote
from devoplan.report.layerwords import today_keys
from devoplan.report.tables import AreaCard, money


def area_cards(geography: Geography, plan: Plan, colours: Sequence[str], *,
               governance: Mapping[str, GovernanceNote] | None = None, funding: FundingView | None = None,
               baseline_assumed: bool = False) -> list[AreaCard]:
    """One card per plan area, in area order (numbered 1..k like the maps)."""
    present = {k.upper() for k in geography.layers}
    dominant = {k: dominant_areas(geography, plan, k) for k in today_keys(geography.layers) if k in present}
    population = plan.area_totals(geography.units.population.astype(float))
    cards = []
    for a, code in enumerate(plan.area_codes):
        members = plan.members(a)
        cards.append(AreaCard(
            number=a + 1,
            code=code,
            name=plan.area_names[a],
            colour=colours[a],
            population=int(np.rint(population[a])),
            districts=tuple(sorted(geography.units.names[u] for u in members)),
            dominant=tuple((k, rows[a][0], rows[a][1]) for k, rows in dominant.items()),
            governance=_governance((governance or {}).get(code)),
            funding=_funding_facts(funding, a, baseline_assumed) if funding is not None else (),
        ))
    return cards


def _governance(entry: GovernanceNote | None) -> str:
    return NOT_ASSESSED if entry is None else entry.text


def _funding_facts(f: FundingView, a: int, baseline_assumed: bool = False) -> tuple[tuple[str, str], ...]:
    first, last = f.years[0], f.years[-1]
    facts = [
        (f"Allocation {first}", f"{money(f.allocation[0, a])} (£{f.per_head[0, a]:,.0f} per head)"),
        (f"Allocation {last}", f"{money(f.allocation[-1, a])} (£{f.per_head[-1, a]:,.0f} per head)"),
        ("Baseline (assumed)" if baseline_assumed else "Baseline", money(f.baseline[a])),
        (f"From target {first}→{last}", f"{f.distance_pct[0, a]:+.1f}% → {f.distance_pct[-1, a]:+.1f}%"),
    ]
    if f.p5 is not None and f.p95 is not None:
        facts.append((f"Sensitivity {last}", f"£{f.p5[-1, a]:,.0f}–£{f.p95[-1, a]:,.0f} per head (5th–95th)"))
    if f.winner_frequency is not None:
        facts.append(("Gains in draws", f"{f.winner_frequency[-1, a]:.0%}"))
    return tuple(facts)
