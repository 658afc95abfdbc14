"""What-if previews for the API: the one place that talks to the what-if engine.

``WhatIf(geography).preview(plan, moves)`` answers the JSON document the API serves (documented in
docs/workspace.md): the moves, every plan metric before/after/delta (coterminosity and containment
with every layer, population balance, contiguity, kept-whole bodies split), and for each touched
area its population against the bounds, its contiguity (pieces other than the largest, by name) and
its first-year funding (allocation, per head, against today's baseline).

The numbers come from the library's from-scratch functions (``plan_scalars``, ``fund``); the
before-side of a plan is cached, so a preview costs one scoring and one funding run. Keeping the
engine behind this module lets it change (for the incremental session layer) without the API's
documents changing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from devoplan.api.plans import Move, apply_moves
from devoplan.design.options import DesignOptions, resolved_bounds
from devoplan.funding import FundingResult, fund
from devoplan.geography.model import Geography
from devoplan.jsonio import finite
from devoplan.metrics.scalars import ScoreOptions, plan_scalars
from devoplan.plan import Plan

CACHE_SIZE = 256


@dataclass(frozen=True)
class Facts:
    """What a preview compares for one plan: its metrics and its first-year funding."""

    metrics: dict[str, float]
    funding: FundingResult


class WhatIf:
    """Previews of moves on plans of one geography; safe to share between server threads."""

    def __init__(self, geography: Geography) -> None:
        self.geography = geography
        self.graph: nx.Graph = geography.graph
        self._cache: OrderedDict[tuple[int, bytes, tuple[str, ...]], Facts] = OrderedDict()
        self._lock = threading.Lock()

    def bounds(self, plan: Plan) -> tuple[int, int]:
        return resolved_bounds(DesignOptions(areas=plan.n_areas), self.geography.units.total_population, 0)

    def facts(self, plan: Plan) -> Facts:
        key = (hash(plan), plan.assignment.tobytes(), plan.area_codes)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        lo, hi = self.bounds(plan)
        found = Facts(plan_scalars(self.geography, plan, ScoreOptions(lower=lo, upper=hi)),
                      fund(self.geography, plan, draws=0))
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def preview(self, plan: Plan, moves: Sequence[Move]) -> dict[str, Any]:
        """Before, after and delta of ``moves`` applied to ``plan`` (see the module docstring)."""
        t0 = time.perf_counter()
        after_plan = apply_moves(plan, moves)
        before, after = self.facts(plan), self.facts(after_plan)
        touched = sorted({int(plan.assignment[m.unit]) for m in moves} | {m.area for m in moves})
        lo, hi = self.bounds(plan)
        doc: dict[str, Any] = {
            "moves": [m.describe(self.geography, plan) for m in moves],
            "bounds": {"min_population": lo, "max_population": hi},
            "metrics": _before_after(before.metrics, after.metrics),
            "areas": [self._area(a, plan, after_plan, before, after, lo, hi) for a in touched],
            "year": before.funding.years[0],
            "engine": "from-scratch",
        }
        doc["elapsed_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        return finite(doc)

    def _area(self, a: int, plan: Plan, after_plan: Plan, before: Facts, after: Facts, lo: int,
              hi: int) -> dict[str, Any]:
        pop = self.geography.units.population.astype(np.float64)
        p0, p1 = float(pop[plan.assignment == a].sum()), float(pop[after_plan.assignment == a].sum())
        return {
            "code": plan.area_codes[a],
            "name": plan.area_names[a],
            "districts": {"before": int(np.count_nonzero(plan.assignment == a)),
                          "after": int(np.count_nonzero(after_plan.assignment == a))},
            "population": {"before": p0, "after": p1, "delta": p1 - p0},
            "within_bounds": {"before": lo <= p0 <= hi, "after": lo <= p1 <= hi},
            "detached": {"before": self._detached(plan, a), "after": self._detached(after_plan, a)},
            "funding": _funding(before.funding, after.funding, a, p0, p1),
        }

    def _detached(self, plan: Plan, a: int) -> list[list[str]]:
        """Pieces of the area other than its most populous one, each as district names."""
        members = [int(u) for u in np.flatnonzero(plan.assignment == a)]
        pieces = [sorted(c) for c in nx.connected_components(self.graph.subgraph(members))]
        if len(pieces) <= 1:
            return []
        pop = self.geography.units.population
        pieces.sort(key=lambda c: -int(pop[c].sum()))
        names = self.geography.units.names
        return [[names[u] for u in piece] for piece in pieces[1:]]


def _before_after(before: dict[str, float], after: dict[str, float]) -> dict[str, dict[str, float]]:
    keys = sorted(before)
    return {"before": {k: before[k] for k in keys}, "after": {k: after[k] for k in keys},
            "delta": {k: after[k] - before[k] for k in keys}}


def _funding(before: FundingResult, after: FundingResult, a: int, p0: float, p1: float) -> dict[str, Any]:
    """First settlement year, in pounds: allocation, per head and the change on today's baseline."""
    def side(result: FundingResult, pop: float) -> dict[str, float]:
        alloc = float(result.total_allocation()[0, a]) / 100.0
        base = float(result.total_baseline()[a]) / 100.0  # the base year, before the settlement
        return {"allocation": alloc, "per_head": alloc / pop if pop else 0.0, "baseline": base,
                "vs_baseline": alloc - base}

    b, c = side(before, p0), side(after, p1)
    return {"before": b, "after": c, "delta": {k: c[k] - b[k] for k in b}}
