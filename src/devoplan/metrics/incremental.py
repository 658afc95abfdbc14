"""Incremental scoring: every plan measure kept up to date as single units move between areas.

An optimiser proposes thousands of moves a second; rescoring the whole country each time is
wasteful because a move touches two areas. :class:`IncrementalScorer` keeps running state

* the overlap rows of every area with every layer (all layers stacked side by side in one matrix),
  with per-area/per-layer row sums, row maxima and interface counts, and per-column maxima and
  sums of pairs (for containment and the adjusted Rand index);
* per-area population, per-area sums of weights, ``v z`` and ``v z²`` of the standardised
  indicators, the cut-edge count, per-area area and dissolved perimeter, unit counts of every
  identity area (UTLA, CA) in every plan area, and the pieces of every area;

so a move costs time proportional to what it touches: the unit's few layer memberships and
neighbours, two overlap rows, and a walk over the two touched areas for contiguity.

API (stable; the design optimiser drives it)::

    s = IncrementalScorer(geography, plan, options)   # options: metrics.ScoreOptions
    s.keys                      # names of the measures, as in metrics.plan_scalars
    s.values()                  # {name: value} for the current plan
    s.vector()                  # the same values as an array in ``keys`` order
    s.delta(unit, area)         # {name: change} if ``unit`` moved to ``area``; state untouched
    s.delta_vector(unit, area)  # the same as an array in ``keys`` order
    s.apply(unit, area)         # make the move
    s.can_move(unit, area)      # False when the move would empty the unit's area
    s.plan                      # the current Plan; s.assignment (read-only view), s.sizes
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.metrics.compactness import area_shapes, cut_edges, polsby_popper_of
from devoplan.metrics.contiguity import pieces_per_area
from devoplan.metrics.homogeneity import standardise
from devoplan.metrics.identity import unit_counts
from devoplan.metrics.overlap import INTERFACE_THRESHOLD, SPLIT_THRESHOLD, TOLERANCE, ZERO_POPULATION
from devoplan.metrics.scalars import ScoreOptions
from devoplan.metrics.zoning import check_plan, plan_weights
from devoplan.plan import Plan

PAIR_MEASURES: tuple[str, ...] = (
    "containment_plan_in", "containment_layer_in", "coterminosity", "adjusted_rand",
    "split_plan_areas", "split_layer_areas", "interfaces_mean", "interfaces_max",
)
Patch = tuple[np.ndarray, Any, Any]  # (state array, index, new value)
HOMOGENEITY_FLOOR = 1e-12  # an area whose indicator weight is below this holds no observed unit


def _pairs(x: np.ndarray) -> np.ndarray:
    return x * (x - 1.0) / 2.0


@dataclass
class _Move:
    """A proposed move and the state pieces it would replace: ``(array, index, new value)``."""

    unit: int
    source: int
    target: int
    patches: list[Patch]


class IncrementalScorer:
    """Running state of one plan; see the module docstring for the API."""

    def __init__(self, geography: Geography, plan: Plan, options: ScoreOptions | None = None) -> None:
        opts = options or ScoreOptions()
        check_plan(geography, plan)
        opts.check(geography)
        self.geography, self.options = geography, opts
        self._codes, self._names = plan.area_codes, plan.area_names
        self._assign = np.array(plan.assignment, dtype=np.int64)
        k = plan.n_areas
        self._members: list[set[int]] = [set() for _ in range(k)]
        for u, a in enumerate(self._assign.tolist()):
            self._members[a].add(u)
        self._pop = geography.units.population.astype(np.float64)
        self._init_overlap(plan)
        self._init_plan_state(plan)
        self.keys: tuple[str, ...] = tuple(self._names_of_values())
        self._current: np.ndarray | None = None

    # -- set-up -------------------------------------------------------------------------------
    def _init_overlap(self, plan: Plan) -> None:
        geo = self.geography
        self._layer_keys = tuple(k for k in self.options.layer_keys(geo) if geo.layer(k).n_areas)
        widths = [geo.layer(k).n_areas for k in self._layer_keys]
        self._offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        n = geo.n_units
        if self._layer_keys:
            stacked = sparse.hstack([geo.layer(k).membership for k in self._layer_keys], format="csr")
        else:
            stacked = sparse.csr_array((n, 0))
        weighted = sparse.csr_array(sparse.dia_array((self._pop, 0), shape=(n, n)) @ stacked)
        weighted.sort_indices()
        self._pw = weighted
        self._m = np.asarray((plan_weights(plan).T @ weighted).toarray(), dtype=np.float64)
        self._colsum = self._m.sum(axis=0)
        self._total = self._segment_sum(self._colsum)
        self._colc2 = _pairs(self._m).sum(axis=0)
        self._colmax = self._m.max(axis=0) if self._m.shape[0] else np.zeros(self._m.shape[1])
        self._rowsum, self._rowmax, self._iface = self._row_stats(self._m)
        self._col_pairs = self._segment_sum(_pairs(self._colsum))

    def _init_plan_state(self, plan: Plan) -> None:
        geo, opts, k = self.geography, self.options, plan.n_areas
        adj = geo.adjacency.matrix
        self._adj_indptr, self._adj_indices, self._adj_data = adj.indptr, adj.indices, adj.data
        self._nbrs: list[list[int]] = [adj.indices[adj.indptr[u]:adj.indptr[u + 1]].tolist()
                                       for u in range(geo.n_units)]
        self._n_edges = len(geo.adjacency.edges)
        self._cut = np.array([cut_edges(geo.adjacency.edges, self._assign)], dtype=np.int64)
        self._pieces = pieces_per_area(geo.adjacency, self._assign, k)
        self._area_pop = np.bincount(self._assign, weights=self._pop, minlength=k)
        std = standardise(geo, opts.indicators)
        self._z, self._v, self._n_ind = std.z, std.v, len(std.keys)
        self._vz, self._vzz = std.v * std.z, std.v * std.z**2
        self._s0 = self._area_sums(self._v)
        self._s1 = self._area_sums(self._vz)
        self._s2 = self._area_sums(self._vzz)
        self._id_keys = opts.identity_keys(geo)
        self._id_offsets = np.concatenate(
            [[0], np.cumsum([geo.layer(k).n_areas for k in self._id_keys])]).astype(np.int64)
        if self._id_keys:
            ident = sparse.hstack([geo.layer(k).membership for k in self._id_keys], format="csr")
        else:
            ident = sparse.csr_array((geo.n_units, 0))
        self._ident = sparse.csr_array(ident)
        self._ident.sort_indices()
        self._id_counts = unit_counts(self._ident, self._assign, k)
        self._spread = (self._id_counts > 0).sum(axis=1).astype(np.int64)
        self._shapes = opts.shapes
        if self._shapes is not None:
            self._shape_area, self._shape_perim = area_shapes(self._shapes, self._assign, k)

    def _area_sums(self, per_unit: np.ndarray) -> np.ndarray:
        k = len(self._codes)
        return np.stack([np.bincount(self._assign, weights=per_unit[:, j], minlength=k)
                         for j in range(per_unit.shape[1])], axis=1) if per_unit.shape[1] \
            else np.zeros((k, 0))

    def _segment_sum(self, per_column: np.ndarray) -> np.ndarray:
        return np.array([per_column[s:e].sum() for s, e in zip(self._offsets[:-1], self._offsets[1:],
                                                                 strict=True)])

    def _row_stats(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row and layer: population, best single area, and interface count."""
        starts = self._offsets[:-1]
        if not len(starts):
            empty = np.zeros((rows.shape[0], 0))
            return empty, empty, empty.astype(np.int64)
        rowsum = np.add.reduceat(rows, starts, axis=1)
        rowmax = np.maximum.reduceat(rows, starts, axis=1)
        sizes = np.diff(self._offsets)
        limit = np.repeat((INTERFACE_THRESHOLD - TOLERANCE) * rowsum, sizes, axis=1)
        hit = (rows >= limit) & (rows > ZERO_POPULATION)
        iface = np.add.reduceat(hit.astype(np.int64), starts, axis=1)
        return rowsum, rowmax, iface

    # -- queries ------------------------------------------------------------------------------
    @property
    def assignment(self) -> np.ndarray:
        view = self._assign.view()
        view.setflags(write=False)
        return view

    @property
    def sizes(self) -> np.ndarray:
        return np.array([len(m) for m in self._members], dtype=np.int64)

    @property
    def plan(self) -> Plan:
        return Plan(self.geography.units.codes, self._assign, self._codes, self._names)

    def members(self, area: int) -> frozenset[int]:
        return frozenset(self._members[area])

    def can_move(self, unit: int, area: int) -> bool:
        """A move is allowed unless it would leave the unit's area empty."""
        source = int(self._assign[unit])
        return source == area or len(self._members[source]) > 1

    def values(self) -> dict[str, float]:
        return dict(zip(self.keys, self.vector().tolist(), strict=True))

    def vector(self) -> np.ndarray:
        """Current values in ``keys`` order (cached until the next :meth:`apply`)."""
        if self._current is None:
            self._current = self._compute_vector()
        return self._current.copy()

    def _compute_vector(self) -> np.ndarray:
        return np.concatenate([f() for f in self._value_parts()])

    def delta_vector(self, unit: int, area: int) -> np.ndarray:
        """Change of every measure if ``unit`` moved to ``area``, without changing the state."""
        move = self._propose(unit, area)
        before = self.vector()
        saved = self._swap(move.patches)
        try:
            after = self._compute_vector()
        finally:
            self._swap(saved)
        return after - before

    def delta(self, unit: int, area: int) -> dict[str, float]:
        return dict(zip(self.keys, self.delta_vector(unit, area).tolist(), strict=True))

    # -- change -------------------------------------------------------------------------------
    def apply(self, unit: int, area: int) -> None:
        """Move ``unit`` to ``area`` and update every measure."""
        move = self._propose(unit, area)
        self._swap(move.patches)
        self._current = None
        if move.source != move.target:
            self._assign[unit] = move.target
            self._members[move.source].discard(unit)
            self._members[move.target].add(unit)

    @staticmethod
    def _swap(patches: list[Patch]) -> list[Patch]:
        """Write the new values; return patches that restore the old ones exactly."""
        saved: list[Patch] = []
        for array, index, value in patches:
            saved.append((array, index, np.copy(array[index])))
            array[index] = value
        return saved

    def _propose(self, unit: int, area: int) -> _Move:
        u, t = int(unit), int(area)
        if not 0 <= u < len(self._assign):
            raise DevoplanError(f"unit position {u} outside 0..{len(self._assign) - 1}")
        if not 0 <= t < len(self._codes):
            raise DevoplanError(f"area index {t} outside 0..{len(self._codes) - 1}")
        s = int(self._assign[u])
        if s == t:
            return _Move(u, s, t, [])
        if len(self._members[s]) == 1:
            raise DevoplanError(f"moving {self.geography.units.codes[u]} would empty area {self._codes[s]}")
        patches: list[Patch] = []
        self._patch_overlap(u, s, t, patches)
        self._patch_plan_state(u, s, t, patches)
        return _Move(u, s, t, patches)

    def _patch_overlap(self, u: int, s: int, t: int, patches: list[Patch]) -> None:
        lo, hi = self._pw.indptr[u], self._pw.indptr[u + 1]
        cols, vals = self._pw.indices[lo:hi], self._pw.data[lo:hi]
        if not len(cols):
            return
        rows = self._m[[s, t]]
        rows[0, cols] -= vals
        rows[1, cols] += vals
        column = self._m[:, cols]
        column[[s, t]] = rows[:, cols]
        rowsum, rowmax, iface = self._row_stats(rows)
        both = [s, t]
        patches += [
            (self._m, both, rows), (self._rowsum, both, rowsum), (self._rowmax, both, rowmax),
            (self._iface, both, iface), (self._colmax, cols, column.max(axis=0)),
            (self._colc2, cols, _pairs(column).sum(axis=0)),
        ]

    def _patch_plan_state(self, u: int, s: int, t: int, patches: list[Patch]) -> None:
        both = [s, t]
        sign = np.array([[-1.0], [1.0]])
        patches.append((self._area_pop, both, self._area_pop[both] + sign[:, 0] * self._pop[u]))
        if self._n_ind:
            for store, per_unit in ((self._s0, self._v), (self._s1, self._vz), (self._s2, self._vzz)):
                patches.append((store, both, store[both] + sign * per_unit[u]))
        lo, hi = self._adj_indptr[u], self._adj_indptr[u + 1]
        nb_area = self._assign[self._adj_indices[lo:hi]]
        w = self._adj_data[lo:hi]
        change = round(float(w[nb_area == s].sum() - w[nb_area == t].sum()))
        patches.append((self._cut, 0, self._cut[0] + change))
        source_left = self._members[s] - {u}
        patches.append((self._pieces, both, [self._count_pieces(source_left),
                                             self._count_pieces(self._members[t] | {u})]))
        self._patch_identity(u, s, t, patches)
        if self._shapes is not None:
            self._patch_shapes(u, s, t, patches)

    def _patch_identity(self, u: int, s: int, t: int, patches: list[Patch]) -> None:
        cols = self._ident.indices[self._ident.indptr[u]:self._ident.indptr[u + 1]]
        if not len(cols):
            return
        src, dst = self._id_counts[cols, s] - 1, self._id_counts[cols, t] + 1
        spread = self._spread[cols] - (src == 0) + (dst == 1)
        patches += [(self._id_counts, (cols, s), src), (self._id_counts, (cols, t), dst),
                    (self._spread, cols, spread)]

    def _patch_shapes(self, u: int, s: int, t: int, patches: list[Patch]) -> None:
        assert self._shapes is not None
        shared = self._shapes.shared
        lo, hi = shared.indptr[u], shared.indptr[u + 1]
        nb_area = self._assign[shared.indices[lo:hi]]
        length = shared.data[lo:hi]
        to_s, to_t = float(length[nb_area == s].sum()), float(length[nb_area == t].sum())
        a_u, p_u = self._shapes.area[u], self._shapes.perimeter[u]
        both = [s, t]
        patches.append((self._shape_area, both, self._shape_area[both] + np.array([-a_u, a_u])))
        patches.append((self._shape_perim, both,
                        self._shape_perim[both] + np.array([-p_u + 2 * to_s, p_u - 2 * to_t])))

    def _count_pieces(self, members: set[int]) -> int:
        """Connected pieces of a set of units (breadth-first walk restricted to the set)."""
        unseen = set(members)
        pieces = 0
        while unseen:
            pieces += 1
            stack = [unseen.pop()]
            while stack:
                for v in self._nbrs[stack.pop()]:
                    if v in unseen:
                        unseen.remove(v)
                        stack.append(v)
        return pieces

    # -- values from state --------------------------------------------------------------------
    def _names_of_values(self) -> list[str]:
        names = [f"{m}@{k}" for k in self._layer_keys for m in PAIR_MEASURES]
        names += ["contiguity.noncontiguous_areas", "contiguity.extra_pieces",
                  "balance.min_population", "balance.max_population", "balance.max_min_ratio",
                  "balance.max_deviation", "balance.outside_bounds"]
        if self._n_ind:
            names += ["homogeneity.within_variance", "homogeneity.between_share"]
        names.append("compactness.cut_edge_fraction")
        if self._shapes is not None:
            names += ["compactness.polsby_popper_mean", "compactness.polsby_popper_min"]
        names += [f"identity.split@{k}" for k in self._id_keys]
        return names

    def _value_parts(self) -> list[Callable[[], np.ndarray]]:
        parts = [self._pair_values, self._contiguity_values, self._balance_values]
        if self._n_ind:
            parts.append(self._homogeneity_values)
        parts += [self._compactness_values, self._identity_values]
        return parts

    def _pair_values(self) -> np.ndarray:
        if not self._layer_keys:
            return np.zeros(0)
        total, starts = self._total, self._offsets[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            plan_in = self._rowmax.sum(axis=0) / total
            layer_in = np.add.reduceat(self._colmax, starts) / total
            rows = _pairs(self._rowsum).sum(axis=0)
            pairs_total = _pairs(total)
            expected = rows * self._col_pairs / pairs_total
            denominator = 0.5 * (rows + self._col_pairs) - expected
            index = np.add.reduceat(self._colc2, starts)
            ari = np.where(denominator == 0, 1.0, (index - expected) / denominator)
            ari = np.where(pairs_total > 0, ari, np.nan)
        active = self._rowsum > ZERO_POPULATION
        split_plan = (active & (self._rowmax < (SPLIT_THRESHOLD - TOLERANCE) * self._rowsum)).sum(axis=0)
        col_split = (self._colsum > ZERO_POPULATION) & (self._colmax < (SPLIT_THRESHOLD - TOLERANCE)
                                                        * self._colsum)
        split_layer = np.add.reduceat(col_split.astype(np.float64), starts)
        iface = np.where(active, self._iface, 0)
        n_active = active.sum(axis=0)
        iface_mean = np.divide(iface.sum(axis=0), n_active, out=np.zeros(len(total)), where=n_active > 0)
        table = np.stack([plan_in, layer_in, 0.5 * (plan_in + layer_in), ari, split_plan, split_layer,
                          iface_mean, iface.max(axis=0)], axis=1)
        return table.ravel().astype(np.float64)

    def _contiguity_values(self) -> np.ndarray:
        return np.array([np.count_nonzero(self._pieces > 1), np.sum(self._pieces - 1)], dtype=np.float64)

    def _balance_values(self) -> np.ndarray:
        pops, opts = self._area_pop, self.options
        low, high, mean = float(pops.min()), float(pops.max()), float(pops.mean())
        outside = np.zeros(len(pops), dtype=bool)
        if opts.lower is not None:
            outside |= pops < opts.lower
        if opts.upper is not None:
            outside |= pops > opts.upper
        ratio = high / low if low > 0 else np.inf
        deviation = float(np.abs(pops / mean - 1.0).max()) if mean > 0 else 0.0
        return np.array([low, high, ratio, deviation, np.count_nonzero(outside)], dtype=np.float64)

    def _homogeneity_values(self) -> np.ndarray:
        s0 = self._s0
        with np.errstate(divide="ignore", invalid="ignore"):
            between = np.where(s0 > HOMOGENEITY_FLOOR, self._s1**2 / s0, 0.0)
        within = float((self._s2 - between).sum(axis=0).mean())
        return np.array([within, 1.0 - within])

    def _compactness_values(self) -> np.ndarray:
        cut = self._cut[0] / self._n_edges if self._n_edges else 0.0
        if self._shapes is None:
            return np.array([cut])
        pp = polsby_popper_of(self._shape_area, self._shape_perim)
        return np.array([cut, pp.mean(), pp.min()])

    def _identity_values(self) -> np.ndarray:
        split = self._spread > 1
        return np.array([np.count_nonzero(split[s:e]) for s, e in
                         zip(self._id_offsets[:-1], self._id_offsets[1:], strict=True)], dtype=np.float64)
