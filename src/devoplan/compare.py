"""Two or more plans side by side: the same measures, governance readiness and funding per area.

``compare_plans(geography, [("Default", plan_a), ("Strategic", plan_b)])`` scores every plan with
the same metrics (:func:`devoplan.report.comparison.score_plans`), classifies each area's governance
readiness as :mod:`devoplan.governance.classify` reports it, and funds each plan with the same spec
(no Monte Carlo: same inputs, same figures). The result is a typed value; ``to_dict()`` is what
``devoplan compare --json`` prints and what the report's scenarios section reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.funding import fund
from devoplan.funding.spec import FundingSpec
from devoplan.geography.model import Geography
from devoplan.governance.classify import governance
from devoplan.jsonio import finite
from devoplan.plan import Plan
from devoplan.report.comparison import HEADLINE, score_plans

MIN_PLANS = 2


@dataclass(frozen=True)
class AreaRow:
    """One area of one plan: who could run it and what it would be funded (first and last year, £)."""

    code: str
    name: str
    population: int
    governance: str
    body: str | None
    allocation_first: float
    allocation_last: float
    per_head_first: float
    per_head_last: float
    distance_first_pct: float


@dataclass(frozen=True)
class PlanSummary:
    """One plan's governance counts, funding totals and areas."""

    label: str
    n_areas: int
    governance: dict[str, int]
    years: tuple[str, ...]
    to_areas: tuple[float, ...]  # £ per year
    per_head: tuple[float, ...]  # £ per resident per year
    areas: tuple[AreaRow, ...]

    @property
    def per_head_range(self) -> tuple[float, float]:
        """Lowest and highest first-year allocation per head across the plan's areas."""
        values = [a.per_head_first for a in self.areas]
        return min(values), max(values)


@dataclass(frozen=True)
class PlanComparison:
    """Plans side by side. ``metrics`` rows hold one value per plan (None where not measurable)."""

    labels: tuple[str, ...]
    metrics: tuple[tuple[str, str, tuple[float | None, ...]], ...]  # (metric, words, values)
    plans: tuple[PlanSummary, ...]

    def headline(self) -> list[tuple[str, str, tuple[float | None, ...]]]:
        """The headline measures (the policy's questions) in their order."""
        return [m for m in self.metrics if m[0] in HEADLINE]

    def to_dict(self) -> dict[str, Any]:
        doc = {
            "labels": list(self.labels),
            "metrics": [{"metric": m, "words": w, "values": list(v)} for m, w, v in self.metrics],
            "plans": [{"label": p.label, "areas": p.n_areas, "governance": dict(p.governance),
                       "years": list(p.years), "to_areas": list(p.to_areas), "per_head": list(p.per_head),
                       "area_list": [vars(a) for a in p.areas]} for p in self.plans],
        }
        clean: dict[str, Any] = finite(doc)
        return clean


def compare_plans(geography: Geography, plans: Sequence[tuple[str, Plan]], *,
                  spec: FundingSpec | None = None, bounds: tuple[float | None, float | None] = (None, None)
                  ) -> PlanComparison:
    """Score, classify and fund each ``(label, plan)`` alike (see the module docstring)."""
    labels = [label for label, _ in plans]
    if len(plans) < MIN_PLANS:
        raise DevoplanError(f"plans: comparing needs at least {MIN_PLANS} plans, got {len(plans)}")
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise DevoplanError(f"plans: two plans share the label '{dupes[0]}'; give each its own label")
    scored = score_plans(geography, plans, lower=bounds[0], upper=bounds[1])
    return PlanComparison(tuple(labels), tuple((r.metric, r.words, r.values) for r in scored),
                          tuple(_summary(geography, label, plan, spec) for label, plan in plans))


def _summary(geography: Geography, label: str, plan: Plan, spec: FundingSpec | None) -> PlanSummary:
    result = fund(geography, plan, spec)
    alloc = result.total_allocation() / 100.0
    target = result.total_target() / 100.0
    pop = np.asarray(result.population, dtype=np.float64)
    gov = governance(geography, plan)
    counts: dict[str, int] = {}
    for g in gov:
        counts[g.status] = counts.get(g.status, 0) + 1
    distance = np.divide(alloc[0] - target[0], target[0], out=np.zeros_like(target[0]), where=target[0] > 0) * 100
    areas = tuple(AreaRow(code, name, int(np.rint(pop[a])), gov[a].status, gov[a].body,
                          float(alloc[0, a]), float(alloc[-1, a]), float(alloc[0, a] / pop[a]),
                          float(alloc[-1, a] / pop[a]), float(distance[a]))
                  for a, (code, name) in enumerate(zip(plan.area_codes, plan.area_names, strict=True)))
    total_pop = float(pop.sum())
    return PlanSummary(label, plan.n_areas, dict(sorted(counts.items())), tuple(result.years),
                       tuple(float(x) for x in alloc.sum(axis=1)),
                       tuple(float(x) / total_pop for x in alloc.sum(axis=1)), areas)


def from_dict(doc: Mapping[str, Any]) -> PlanComparison:
    """A comparison read back from ``to_dict()`` output (the report renders saved comparisons)."""
    metrics = tuple((str(m["metric"]), str(m.get("words") or ""), tuple(m["values"])) for m in doc["metrics"])
    plans = tuple(PlanSummary(str(p["label"]), int(p["areas"]), dict(p["governance"]), tuple(p["years"]),
                              tuple(p["to_areas"]), tuple(p["per_head"]),
                              tuple(AreaRow(**a) for a in p["area_list"])) for p in doc["plans"])
    return PlanComparison(tuple(doc["labels"]), metrics, plans)
