"""The roadmap generator: per area, the years each phase of a :class:`RoadmapSpec` runs.

For each area and phase, in dependency order:

1. skip the phase when the area meets one of its ``skip_if`` criteria, or fails a condition marked
   ``if_unmet = "skip"``;
2. the earliest start is the year after every phase it comes ``after`` has ended (a skipped phase passes
   on its own predecessors' end), and no earlier than ``start_year`` or the phase's ``not_before``;
3. each condition the area does not meet adds its ``wait_years``;
4. the start moves forward to the next year of the phase's cycle (settlement or election);
5. the phase runs ``duration`` years.

An area's start and end years are its first phase's start and its last phase's end; an end after
``end_year`` is flagged. The tier reached is the highest ``tier`` of its completed phases (mayoral tiers
need a mayor: a council-led area reaches ``foundation``) or its tier today if higher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from devoplan.governance.facts import TIERS, Tier
from devoplan.governance.model import GovernanceModel
from devoplan.governance.roadmap_spec import CRITERIA, Condition, Phase, RoadmapSpec

EXISTING = ("existing_combined_authority", "existing_gla")
STRATEGIC = (*EXISTING, "within_strategic_authority", "extend_combined_authority", "merge_combined_authorities")


@dataclass(frozen=True)
class AreaFacts:
    """What the readiness criteria are evaluated on, for one area."""

    code: str
    name: str
    existing_body: bool
    mayor: bool
    strategic_authority: bool
    coterminous_police: bool
    coterminous_health: bool
    funding_distance_pct: float | None
    tier_today: Tier

    def meets(self, criterion: str, threshold: float | None = None) -> bool:
        """Whether the area meets a criterion (an unknown funding distance does not meet it)."""
        if criterion == "funding_distance":
            return self.funding_distance_pct is not None and abs(self.funding_distance_pct) <= float(threshold or 0.0)
        if criterion not in CRITERIA:
            raise KeyError(criterion)
        return bool(getattr(self, criterion))


def area_facts(model: GovernanceModel, distance_pct: Sequence[float] | np.ndarray | None = None) -> list[AreaFacts]:
    """Readiness facts of every area of a governance model; ``distance_pct`` = allocation vs target (%)."""
    out = []
    for a, area in enumerate(model.areas):
        g = area.governance
        fam = {f.family: f for f in area.simplification.families}
        split = {k: (fam[k].split > 0) if k in fam else True for k in ("PFA", "ICB")}
        out.append(AreaFacts(area.code, area.name, g.status in EXISTING, g.leadership == "mayor", g.status in STRATEGIC,
                             not split["PFA"], not split["ICB"],
                             float(distance_pct[a]) if distance_pct is not None else None, g.tier_today))
    return out


@dataclass(frozen=True)
class PhasePlan:
    """One phase in one area: its years (None when skipped), the years it waited, and why."""

    phase: str
    name: str
    service_lines: tuple[str, ...]
    start: int | None
    end: int | None
    waited: int
    reasons: tuple[str, ...]

    @property
    def skipped(self) -> bool:
        return self.start is None


@dataclass(frozen=True)
class AreaRoadmap:
    """The phases of one area, its start and end years and the tier it reaches."""

    code: str
    name: str
    phases: tuple[PhasePlan, ...]
    tier_today: Tier
    tier_reached: Tier
    beyond_horizon: bool

    @property
    def start(self) -> int | None:
        years = [p.start for p in self.phases if p.start is not None]
        return min(years) if years else None

    @property
    def end(self) -> int | None:
        years = [p.end for p in self.phases if p.end is not None]
        return max(years) if years else None


@dataclass(frozen=True)
class Roadmap:
    """Every area's roadmap under one spec."""

    spec: RoadmapSpec
    areas: tuple[AreaRoadmap, ...]

    def to_dict(self) -> dict[str, object]:
        s = self.spec
        ends = [a.end for a in self.areas if a.end is not None]
        return {
            "name": s.name, "file": s.file, "start_year": s.start_year, "end_year": s.end_year,
            "cycles": asdict(s.cycles),
            "phases": [{"key": p.key, "name": p.name, "service_lines": list(p.service_lines), "after": list(p.after),
                        "align": p.align, "duration": p.duration} for p in s.phases],
            "last_end": max(ends) if ends else None,
            "beyond_horizon": [a.code for a in self.areas if a.beyond_horizon],
            "areas": [{"code": a.code, "name": a.name, "start": a.start, "end": a.end, "tier_today": a.tier_today,
                       "tier_reached": a.tier_reached, "beyond_horizon": a.beyond_horizon,
                       "phases": [asdict(p) | {"reasons": list(p.reasons)} for p in a.phases]} for a in self.areas],
        }


def generate(spec: RoadmapSpec, facts: Sequence[AreaFacts]) -> Roadmap:
    """Plan every phase in every area (see the module docstring for the rules)."""
    return Roadmap(spec, tuple(_area(spec, f) for f in facts))


def _area(spec: RoadmapSpec, facts: AreaFacts) -> AreaRoadmap:
    ends: dict[str, int] = {}  # phase -> last year (a skipped phase: its predecessors' last year)
    plans = []
    tier = TIERS.index(facts.tier_today)
    for phase in spec.phases:
        ready = max([spec.start_year - 1, *(ends[d] for d in phase.after)])
        plan = _phase(spec, phase, facts, ready)
        plans.append(plan)
        ends[phase.key] = plan.end if plan.end is not None else ready
        if plan.end is not None and phase.tier is not None:
            tier = max(tier, TIERS.index(_capped(phase.tier, facts.mayor)))
    area = AreaRoadmap(facts.code, facts.name, tuple(plans), facts.tier_today, TIERS[tier], False)
    return AreaRoadmap(area.code, area.name, area.phases, area.tier_today, area.tier_reached,
                       area.end is not None and area.end > spec.end_year)


def _phase(spec: RoadmapSpec, phase: Phase, facts: AreaFacts, ready: int) -> PhasePlan:
    met = [c for c in phase.skip_if if facts.meets(c)]
    if met:
        return PhasePlan(phase.key, phase.name, phase.service_lines, None, None, 0,
                         tuple(f"skipped: {c.replace('_', ' ')}" for c in met))
    unmet: list[Condition] = [c for c in phase.conditions if not facts.meets(c.criterion, c.threshold)]
    skip = [c for c in unmet if c.if_unmet == "skip"]
    if skip:
        return PhasePlan(phase.key, phase.name, phase.service_lines, None, None, 0,
                         tuple(f"skipped: not {_words(c)}" for c in skip))
    waited = sum(c.wait_years for c in unmet)
    earliest = max(ready + 1, phase.not_before or spec.start_year) + waited
    start = spec.cycles.next_start(phase.align, earliest)
    reasons = tuple(f"waits {c.wait_years} years: not {_words(c)}" for c in unmet)
    return PhasePlan(phase.key, phase.name, phase.service_lines, start, start + phase.duration - 1, waited, reasons)


def _words(c: Condition) -> str:
    text = c.criterion.replace("_", " ")
    return f"{text} within {c.threshold:g}%" if c.threshold is not None else text


def _capped(tier: str, mayor: bool) -> Tier:
    """A phase's tier, capped at foundation for an area without a mayor."""
    if not mayor and tier in ("mayoral", "established_mayoral"):
        return "foundation"
    return tier  # type: ignore[return-value]
