"""Incremental scoring: every plan measure kept up to date as single units move between areas.

An optimiser proposes thousands of moves a second; rescoring the whole country each time is
wasteful because a move touches two areas. :class:`IncrementalScorer` keeps running state

* the overlap of the plan with every layer (:mod:`~devoplan.metrics.incremental_overlap`): per
  area and layer the few layer areas it meets, with row sums, maxima and interface counts, per
  layer area the column maximum, and per layer the sums the pair measures are read from;
* the plan-level measures (:mod:`~devoplan.metrics.incremental_plan`): area populations,
  per-area indicator sums, pieces per area and cut edges, area and dissolved perimeter, and unit
  counts of every identity area (UTLA, CA) in every plan area;

so a move costs time proportional to what it touches: the unit's few layer memberships and
neighbours, the entries of the two touched areas, and at most a walk over those two areas for
contiguity. Running sums are recomputed exactly from the per-area state every ``REFRESH_EVERY``
applied moves to shed rounding drift.

API (stable; callers such as a local-search optimiser rely on it)::

    s = IncrementalScorer(geography, plan, options)   # options: metrics.ScoreOptions
    s.keys                      # names of the measures, as in metrics.plan_scalars
    s.values()                  # {name: value} for the current plan
    s.vector()                  # the same values as an array in ``keys`` order
    s.delta(unit, area)         # {name: change} if ``unit`` moved to ``area``; state untouched
    s.delta_vector(unit, area)  # the same as an array in ``keys`` order
    s.apply(unit, area)         # make the move
    s.can_move(unit, area)      # False when the move would empty the unit's area
    s.plan                      # the current Plan; s.assignment (read-only view), s.sizes, s.members(a)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.metrics.incremental_overlap import PAIR_MEASURES, LayerChange, OverlapState
from devoplan.metrics.incremental_plan import PlanChange, PlanState
from devoplan.metrics.scalars import ScoreOptions
from devoplan.plan import Plan


class _Move(NamedTuple):
    """A proposed move: what it changes and the values after it."""

    unit: int
    source: int
    target: int
    layers: list[LayerChange]
    plan: PlanChange
    values: list[float]


class IncrementalScorer:
    """Running state of one plan; see the module docstring for the API."""

    REFRESH_EVERY = 1000  # applied moves between exact recomputations of the running totals

    def __init__(self, geography: Geography, plan: Plan, options: ScoreOptions | None = None) -> None:
        opts = options or ScoreOptions()
        plan.check(geography)
        opts.check(geography)
        self.geography, self.options = geography, opts
        self._codes, self._names = plan.area_codes, plan.area_names
        self._assign = np.array(plan.assignment, dtype=np.int64)
        self._assign_list: list[int] = self._assign.tolist()
        self._k = plan.n_areas
        self._members: list[set[int]] = [set() for _ in range(self._k)]
        for u, a in enumerate(self._assign_list):
            self._members[a].add(u)
        layer_keys = tuple(k for k in opts.layer_keys(geography) if geography.layer(k).n_areas)
        self._overlap = OverlapState(geography, layer_keys, self._assign_list, self._k)
        self._state = PlanState(geography, opts, self._assign_list, self._k)
        self.keys: tuple[str, ...] = tuple(self._overlap.names() + self._state.names())
        self._n_pair = len(PAIR_MEASURES) * len(layer_keys)
        self._applied = 0
        self._set_current(self._overlap.values() + self._state.values())

    def _set_current(self, values: list[float]) -> None:
        self._current = values
        self._current_array = np.array(values, dtype=np.float64)
        self._infinite = not math.isfinite(sum(values))  # some value infinite (or NaN): see delta_vector

    # -- queries ------------------------------------------------------------------------------
    @property
    def assignment(self) -> np.ndarray:
        """Area index of every unit (read-only view of the live state)."""
        view = self._assign.view()
        view.setflags(write=False)
        return view

    @property
    def sizes(self) -> np.ndarray:
        """Units per area."""
        return np.array([len(m) for m in self._members], dtype=np.int64)

    @property
    def plan(self) -> Plan:
        """The current plan (a new immutable Plan)."""
        return Plan(self.geography.units.codes, self._assign, self._codes, self._names)

    def members(self, area: int) -> frozenset[int]:
        return frozenset(self._members[area])

    def can_move(self, unit: int, area: int) -> bool:
        """A move is allowed unless it would leave the unit's area empty."""
        source = self._assign_list[unit]
        return source == area or len(self._members[source]) > 1

    def values(self) -> dict[str, float]:
        """Every measure of the current plan, by name (same names and values as ``plan_scalars``)."""
        return {k: float(v) for k, v in zip(self.keys, self._current, strict=True)}

    def vector(self) -> np.ndarray:
        """Current values in ``keys`` order."""
        return self._current_array.copy()

    def delta_vector(self, unit: int, area: int) -> np.ndarray:
        """Change of every measure if ``unit`` moved to ``area``; the state is not touched."""
        move = self._propose(unit, area)
        if move is None:
            return np.zeros(len(self.keys))
        new = np.array(move.values, dtype=np.float64)
        if not self._infinite:
            return new - self._current_array
        with np.errstate(invalid="ignore"):  # an unchanged infinite value (max/min ratio, an empty area)
            delta = new - self._current_array
        delta[new == self._current_array] = 0.0  # changes by 0
        return delta

    def delta(self, unit: int, area: int) -> dict[str, float]:
        return dict(zip(self.keys, self.delta_vector(unit, area).tolist(), strict=True))

    # -- change -------------------------------------------------------------------------------
    def apply(self, unit: int, area: int) -> None:
        """Move ``unit`` to ``area`` and update every measure."""
        move = self._propose(unit, area)
        if move is None:
            return
        u, s, t = move.unit, move.source, move.target
        self._overlap.commit(move.layers, s, t)
        self._state.commit(move.plan, s, t)
        self._assign[u] = t
        self._assign_list[u] = t
        self._members[s].discard(u)
        self._members[t].add(u)
        self._applied += 1
        if self._applied % self.REFRESH_EVERY == 0:
            self._overlap.refresh()  # shed rounding drift of the running sums
            self._state.refresh()
            self._set_current(self._overlap.values() + self._state.values())
        else:
            self._set_current(move.values)

    def _propose(self, unit: int, area: int) -> _Move | None:
        """The move's changes and the values after it; None for a move to the unit's own area."""
        u, t = int(unit), int(area)
        if not 0 <= u < len(self._assign_list):
            raise DevoplanError(f"unit position {u} outside 0..{len(self._assign_list) - 1}")
        if not 0 <= t < self._k:
            raise DevoplanError(f"area index {t} outside 0..{self._k - 1}")
        s = self._assign_list[u]
        if s == t:
            return None
        if len(self._members[s]) == 1:
            raise DevoplanError(f"moving {self.geography.units.codes[u]} would empty area {self._codes[s]}")
        values = self._current[:self._n_pair]
        layers = self._overlap.propose(u, s, t, values)
        plan, tail = self._state.propose(u, s, t)
        values += tail
        return _Move(u, s, t, layers, plan, values)
