"""What-if previews for the API: the one place that talks to the what-if engine.

``WhatIf(geography).preview(plan, moves)`` answers the JSON document the API serves (documented in
docs/workspace.md): the moves; the objective, its terms, coterminosity and containment with every
layer, kept-whole bodies split and non-contiguous areas, before/after/delta; for each touched area
its population against the bounds, its contiguity (pieces cut off from its main part, by name) and
its first-year funding (allocation, per head, need index, against today's baseline); and the checks:
the design rules the moves would break, then every plausibility check
(:mod:`devoplan.design.plausibility`) of the plan after the moves, with what it said before them.

Previews come from the session layer (:mod:`devoplan.session`): one read-only model per area count,
shared by all threads, and one incremental session per plan being previewed (kept in a small cache,
so the current version of a scenario answers in a millisecond or two). Diffs between saved versions
use the from-scratch functions (``plan_scalars``, ``fund``) through :meth:`WhatIf.facts`.
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
from devoplan.design.plausibility import plausibility_checks
from devoplan.funding import FundingResult, fund
from devoplan.geography.model import Geography
from devoplan.jsonio import finite
from devoplan.metrics.scalars import ScoreOptions, plan_scalars
from devoplan.plan import Plan
from devoplan.session import AreaChange, Preview, Quantity, Session, SessionModel
from devoplan.session.money import COLUMNS_PER_LINE, FirstYearMoney

CACHE_SIZE = 64  # plans with from-scratch facts (diffs)
SESSIONS = 128  # plans with a live session (a few hundred kilobytes each)


@dataclass(frozen=True)
class Facts:
    """A plan measured from scratch: every plan metric and its funding (for diffs of saved versions)."""

    metrics: dict[str, float]
    funding: FundingResult


class WhatIf:
    """Previews of moves on plans of one geography; safe to share between server threads."""

    def __init__(self, geography: Geography) -> None:
        self.geography = geography
        self.graph: nx.Graph = geography.graph
        self._facts: OrderedDict[tuple[bytes, tuple[str, ...]], Facts] = OrderedDict()
        self._sessions: OrderedDict[tuple[bytes, tuple[str, ...], tuple[str, ...]], Session] = OrderedDict()
        self._models: dict[int, SessionModel] = {}
        self._sums: OrderedDict[tuple[bytes, tuple[str, ...]], np.ndarray] = OrderedDict()
        self._plausible: OrderedDict[tuple[bytes, tuple[str, ...]], list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self._building = threading.Lock()

    # -- from scratch (diffs) -------------------------------------------------------------------
    def facts(self, plan: Plan) -> Facts:
        key = (plan.assignment.tobytes(), plan.area_codes)
        with self._lock:
            if key in self._facts:
                self._facts.move_to_end(key)
                return self._facts[key]
        lo, hi = resolved_bounds(DesignOptions(areas=plan.n_areas), self.geography.units.total_population, 0)
        found = Facts(plan_scalars(self.geography, plan, ScoreOptions(lower=lo, upper=hi)),
                      fund(self.geography, plan, draws=0))
        with self._lock:
            self._facts[key] = found
            while len(self._facts) > CACHE_SIZE:
                self._facts.popitem(last=False)
        return found

    # -- sessions (previews) --------------------------------------------------------------------
    def model(self, areas: int) -> SessionModel:
        """The session model for plans of ``areas`` areas (built once, under a lock)."""
        with self._building:
            if areas not in self._models:
                self._models[areas] = SessionModel.build(self.geography, areas=areas)
            return self._models[areas]

    def session(self, plan: Plan) -> Session:
        key = (plan.assignment.tobytes(), plan.area_codes, plan.area_names)
        with self._lock:
            if key in self._sessions:
                self._sessions.move_to_end(key)
                return self._sessions[key]
        made = self.model(plan.n_areas).session(plan)
        with self._lock:
            self._sessions[key] = made
            while len(self._sessions) > SESSIONS:
                self._sessions.popitem(last=False)
        return made

    def preview(self, plan: Plan, moves: Sequence[Move]) -> dict[str, Any]:
        """Before, after and delta of ``moves`` applied to ``plan`` (see the module docstring)."""
        t0 = time.perf_counter()
        session = self.session(plan)
        result = session.preview([(m.unit, m.area) for m in moves])
        after_plan = apply_moves(plan, moves)
        model = session.model
        doc: dict[str, Any] = {
            "moves": [m.to_dict() for m in result.moves],
            "bounds": {"min_population": model.min_pop, "max_population": model.max_pop},
            "metrics": _metrics(result),
            "areas": [self._area(a, plan, after_plan, self._baselines(model, plan, moves)) for a in result.areas],
            "checks": [*_rules(result.problems), *self._plausibility(plan, after_plan)],
            "year": result.year,
            "engine": "session",
        }
        doc["elapsed_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        return finite(doc)

    def _plausibility(self, plan: Plan, after: Plan) -> list[dict[str, Any]]:
        """Each plausibility check of the plan after the moves, with ``before`` (what it said of the
        plan previewed, kept per plan like its session) and ``changed`` (the moves changed its finding)."""
        key = (plan.assignment.tobytes(), plan.area_names)
        with self._lock:
            before = self._plausible.get(key)
        if before is None:
            before = plausibility_checks(self.geography, plan)
            with self._lock:
                self._plausible[key] = before
                while len(self._plausible) > SESSIONS:
                    self._plausible.popitem(last=False)
        checks = []
        for b, a in zip(before, plausibility_checks(self.geography, after), strict=True):
            checks.append({**a, "before": {"ok": b["ok"], "message": b["message"]},
                           "changed": a["message"] != b["message"]})
        return checks

    def _baselines(self, model: SessionModel, plan: Plan, moves: Sequence[Move]
                   ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Today's money per area in pounds (all lines, base year), before and after the moves: where the
        formula's pace of change starts. The per-area sums of the plan are kept with its session."""
        money = model.money
        if money is None:
            return None, None
        key = (plan.assignment.tobytes(), plan.area_codes)
        with self._lock:
            found = self._sums.get(key)
        if found is None:
            found = np.zeros((plan.n_areas, money.unit_values.shape[1]))
            np.add.at(found, plan.assignment, money.unit_values)
            with self._lock:
                self._sums[key] = found
                while len(self._sums) > SESSIONS:
                    self._sums.popitem(last=False)
        after = found.copy()
        for m in moves:
            old = int(plan.assignment[m.unit])
            if old != m.area:
                after[old] -= money.unit_values[m.unit]
                after[m.area] += money.unit_values[m.unit]
        return _baseline(money, found), _baseline(money, after)

    def _area(self, a: AreaChange, plan: Plan, after_plan: Plan,
              baseline: tuple[np.ndarray | None, np.ndarray | None]) -> dict[str, Any]:
        i = plan.area_index[a.code]
        return {
            "code": a.code, "name": a.name, "districts": _q(a.districts), "population": _q(a.population),
            "within_bounds": {"before": a.within_bounds("before"), "after": a.within_bounds("after")},
            "pieces": _q(a.pieces),
            "detached": {"before": self._detached(plan, i) if a.pieces.before > 1 else [],
                         "after": self._detached(after_plan, i) if a.pieces.after > 1 else []},
            "funding": _funding(a, i, baseline),
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


def _baseline(money: FirstYearMoney, sums: np.ndarray) -> np.ndarray:
    """Base-year money per area (pounds, all lines) for per-area sums of the money's unit columns."""
    weight = np.ascontiguousarray(sums[:, 2::COLUMNS_PER_LINE].T)
    today = np.ascontiguousarray(sums[:, 3::COLUMNS_PER_LINE].T) * 100.0
    return np.asarray(money._baseline(weight, today).sum(axis=0) / 100.0)


def _q(x: Quantity) -> dict[str, Any]:
    return {"before": x.pick("before"), "after": x.pick("after"), "delta": x.pick("delta")}


def _funding(a: AreaChange, i: int, baseline: tuple[np.ndarray | None, np.ndarray | None]) -> dict[str, Any] | None:
    """First settlement year in pounds: allocation, per head, need index, today's baseline and the change on it."""
    if a.allocation is None or a.per_head is None or baseline[0] is None or baseline[1] is None:
        return None
    sides: dict[str, dict[str, Any]] = {}
    for side, base in (("before", float(baseline[0][i])), ("after", float(baseline[1][i]))):
        alloc = float(getattr(a.allocation, side))
        sides[side] = {"allocation": alloc, "per_head": float(getattr(a.per_head, side)),
                       "need_index": float(getattr(a.need_index, side)) if a.need_index is not None else None,
                       "baseline": round(base, 2), "vs_baseline": round(alloc - base, 2)}
    sides["delta"] = {k: (None if v is None else round(sides["after"][k] - v, 2) if k != "per_head" and
                          k != "need_index" else sides["after"][k] - v) for k, v in sides["before"].items()}
    sides["delta"]["allocation"] = a.allocation.delta
    return sides


def _rules(problems: Sequence[str]) -> list[dict[str, Any]]:
    """The design rules the moves break (population bounds, contiguity, kept-whole bodies), one check each,
    or one passing check."""
    name = "design rules (population bounds, contiguity, kept-whole bodies)"
    return [{"name": name, "ok": False, "message": p, "key": "design_rules"} for p in problems] or [
        {"name": name, "ok": True, "message": "none broken", "key": "design_rules"}]


def _metrics(result: Preview) -> dict[str, dict[str, Any]]:
    """Flat ``measure@LAYER`` keys (and plan-wide measures) before, after and delta."""
    named: dict[str, Quantity] = {"objective": result.objective,
                                  "contiguity.noncontiguous_areas": result.noncontiguous_areas}
    named |= {f"objective.{k}": v for k, v in result.terms.items()}
    for a in result.alignment:
        named |= {f"coterminosity@{a.key}": a.coterminosity, f"containment_layer_in@{a.key}": a.layer_in_plan,
                  f"containment_plan_in@{a.key}": a.plan_in_layer}
    for s in result.splits:
        named[f"identity.split@{s.key}"] = Quantity(len(s.before), len(s.after))
    keys = sorted(named)
    return {side: {k: named[k].pick(side) for k in keys} for side in ("before", "after", "delta")}
