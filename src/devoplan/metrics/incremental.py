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

import copy
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
class _Totals:
    """Country-wide aggregates every value is read from; a move yields a new one in O(touched)."""

    rowmax_sum: np.ndarray  # per layer: sum over plan areas of the best single layer-area
    colmax_sum: np.ndarray  # per layer: sum over layer areas of the best single plan area
    colc2_sum: np.ndarray  # per layer: sum of C2(M[a, b]) (adjusted Rand index)
    rowpairs: np.ndarray  # per layer: sum over plan areas of C2(row sum)
    split_plan: np.ndarray  # per layer: plan areas split by the layer
    split_layer: np.ndarray  # per layer: layer areas split by the plan
    iface: np.ndarray  # (k, layers) interface counts, 0 for areas without common population
    n_active: np.ndarray  # per layer: plan areas with common population
    pops: np.ndarray  # (k,) area populations
    hom: np.ndarray  # per indicator: within-area variance
    noncontig: int
    extra: int
    cut: int
    pp: np.ndarray | None  # (k,) Polsby-Popper, when shapes are known
    id_split: np.ndarray  # per identity layer: areas split by the plan


@dataclass
class _Move:
    """A proposed move: the state pieces it replaces and the totals after it."""

    unit: int
    source: int
    target: int
    patches: list[Patch]
    totals: _Totals


class IncrementalScorer:
    """Running state of one plan; see the module docstring for the API."""

    REFRESH_EVERY = 1000  # applied moves between exact recomputations of the running totals

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
        self._applied = 0
        self._totals = self._full_totals()
        self._current = self._vector_from(self._totals)

    # -- set-up -------------------------------------------------------------------------------
    def _init_overlap(self, plan: Plan) -> None:
        geo = self.geography
        self._layer_keys = tuple(k for k in self.options.layer_keys(geo) if geo.layer(k).n_areas)
        widths = [geo.layer(k).n_areas for k in self._layer_keys]
        self._offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        self._col_layer = np.repeat(np.arange(len(widths)), widths)
        n = geo.n_units
        stacked = sparse.hstack([geo.layer(k).membership for k in self._layer_keys], format="csr") \
            if self._layer_keys else sparse.csr_array((n, 0))
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
        self._pairs_total = _pairs(self._total)
        if (self._total <= ZERO_POPULATION).any():
            empty = self._layer_keys[int(np.argmax(self._total <= ZERO_POPULATION))]
            raise DevoplanError(f"layer {empty} has no population in common with the plan")
        self._col_split_limit = (SPLIT_THRESHOLD - TOLERANCE) * self._colsum
        self._col_active = self._colsum > ZERO_POPULATION

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
        self._v, self._n_ind = std.v, len(std.keys)
        self._vz, self._vzz = std.v * std.z, std.v * std.z**2
        self._s0, self._s1, self._s2 = (self._area_sums(x) for x in (self._v, self._vz, self._vzz))
        self._id_keys = opts.identity_keys(geo)
        widths = [geo.layer(k).n_areas for k in self._id_keys]
        self._id_offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        self._id_layer = np.repeat(np.arange(len(widths)), widths)
        ident = sparse.hstack([geo.layer(k).membership for k in self._id_keys], format="csr") \
            if self._id_keys else sparse.csr_array((geo.n_units, 0))
        self._ident = sparse.csr_array(ident)
        self._ident.sort_indices()
        self._id_counts = unit_counts(self._ident, self._assign, k)
        self._spread = (self._id_counts > 0).sum(axis=1).astype(np.int64)
        self._shapes = opts.shapes
        if self._shapes is not None:
            self._shape_area, self._shape_perim = area_shapes(self._shapes, self._assign, k)

    def _area_sums(self, per_unit: np.ndarray) -> np.ndarray:
        k = len(self._codes)
        if not per_unit.shape[1]:
            return np.zeros((k, 0))
        return np.stack([np.bincount(self._assign, weights=per_unit[:, j], minlength=k)
                         for j in range(per_unit.shape[1])], axis=1)

    def _segment_sum(self, per_column: np.ndarray) -> np.ndarray:
        return np.bincount(self._col_layer, weights=per_column, minlength=len(self._layer_keys))

    def _row_stats(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row and layer: population, best single area, and interface count."""
        starts = self._offsets[:-1]
        if not len(starts):
            empty = np.zeros((rows.shape[0], 0))
            return empty, empty, empty.astype(np.int64)
        rowsum = np.add.reduceat(rows, starts, axis=1)
        rowmax = np.maximum.reduceat(rows, starts, axis=1)
        limit = ((INTERFACE_THRESHOLD - TOLERANCE) * rowsum)[:, self._col_layer]
        hit = (rows >= limit) & (rows > ZERO_POPULATION)
        iface = np.add.reduceat(hit.astype(np.int64), starts, axis=1)
        return rowsum, rowmax, iface

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
        source = int(self._assign[unit])
        return source == area or len(self._members[source]) > 1

    def values(self) -> dict[str, float]:
        """Every measure of the current plan, by name (same names and values as ``plan_scalars``)."""
        return dict(zip(self.keys, self._current.tolist(), strict=True))

    def vector(self) -> np.ndarray:
        """Current values in ``keys`` order."""
        return self._current.copy()

    def delta_vector(self, unit: int, area: int) -> np.ndarray:
        """Change of every measure if ``unit`` moved to ``area``; the state is not touched."""
        move = self._propose(unit, area)
        if not move.patches:
            return np.zeros(len(self.keys))
        return self._vector_from(move.totals) - self._current

    def delta(self, unit: int, area: int) -> dict[str, float]:
        return dict(zip(self.keys, self.delta_vector(unit, area).tolist(), strict=True))

    # -- change -------------------------------------------------------------------------------
    def apply(self, unit: int, area: int) -> None:
        """Move ``unit`` to ``area`` and update every measure."""
        move = self._propose(unit, area)
        if not move.patches:
            return
        for array, index, value in move.patches:
            array[index] = value
        self._assign[move.unit] = move.target
        self._members[move.source].discard(move.unit)
        self._members[move.target].add(move.unit)
        self._applied += 1
        if self._applied % self.REFRESH_EVERY == 0:
            self._totals = self._full_totals()  # shed rounding drift of the running sums
        else:
            self._totals = move.totals
        self._current = self._vector_from(self._totals)

    def _propose(self, unit: int, area: int) -> _Move:
        u, t = int(unit), int(area)
        if not 0 <= u < len(self._assign):
            raise DevoplanError(f"unit position {u} outside 0..{len(self._assign) - 1}")
        if not 0 <= t < len(self._codes):
            raise DevoplanError(f"area index {t} outside 0..{len(self._codes) - 1}")
        s = int(self._assign[u])
        if s == t:
            return _Move(u, s, t, [], self._totals)
        if len(self._members[s]) == 1:
            raise DevoplanError(f"moving {self.geography.units.codes[u]} would empty area {self._codes[s]}")
        patches: list[Patch] = []
        totals = copy.copy(self._totals)
        self._move_overlap(u, s, t, patches, totals)
        self._move_balance_homogeneity(u, s, t, patches, totals)
        self._move_graph(u, s, t, patches, totals)
        self._move_identity(u, s, t, patches, totals)
        if self._shapes is not None:
            self._move_shapes(u, s, t, patches, totals)
        return _Move(u, s, t, patches, totals)

    def _move_overlap(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        lo, hi = self._pw.indptr[u], self._pw.indptr[u + 1]
        cols, vals = self._pw.indices[lo:hi], self._pw.data[lo:hi]
        if not len(cols):
            return
        both = [s, t]
        rows = self._m[both]
        rows[0, cols] -= vals
        rows[1, cols] += vals
        column = self._m[:, cols]
        column[both] = rows[:, cols]
        rowsum, rowmax, iface = self._row_stats(rows)
        colmax, colc2 = column.max(axis=0), _pairs(column).sum(axis=0)
        old_sum, old_max = self._rowsum[both], self._rowmax[both]
        layer_of, n_layers = self._col_layer[cols], len(self._layer_keys)
        tot.rowmax_sum = tot.rowmax_sum + (rowmax[0] + rowmax[1] - old_max[0] - old_max[1])
        tot.colmax_sum = tot.colmax_sum + np.bincount(layer_of, colmax - self._colmax[cols], n_layers)
        tot.colc2_sum = tot.colc2_sum + np.bincount(layer_of, colc2 - self._colc2[cols], n_layers)
        new_pairs, old_pairs = _pairs(rowsum), _pairs(old_sum)
        tot.rowpairs = tot.rowpairs + (new_pairs[0] + new_pairs[1] - old_pairs[0] - old_pairs[1])
        new_split, old_split = _split(rowmax, rowsum), _split(old_max, old_sum)
        tot.split_plan = tot.split_plan + (np.count_nonzero(new_split, axis=0)
                                           - np.count_nonzero(old_split, axis=0))
        limit, active = self._col_split_limit[cols], self._col_active[cols]
        changed = (active & (colmax < limit)).astype(np.int64) - (active & (self._colmax[cols] < limit))
        tot.split_layer = tot.split_layer + np.bincount(layer_of, changed, n_layers)
        new_active = rowsum > ZERO_POPULATION
        tot.n_active = tot.n_active + (np.count_nonzero(new_active, axis=0)
                                       - np.count_nonzero(old_sum > ZERO_POPULATION, axis=0))
        tot.iface = tot.iface.copy()
        tot.iface[both] = np.where(new_active, iface, 0)
        patches += [(self._m, both, rows), (self._rowsum, both, rowsum), (self._rowmax, both, rowmax),
                    (self._iface, both, iface), (self._colmax, cols, colmax), (self._colc2, cols, colc2)]

    def _move_balance_homogeneity(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        both, sign = [s, t], np.array([[-1.0], [1.0]])
        pops = self._area_pop[both] + sign[:, 0] * self._pop[u]
        tot.pops = tot.pops.copy()
        tot.pops[both] = pops
        patches.append((self._area_pop, both, pops))
        if not self._n_ind:
            return
        old = [self._s0[both], self._s1[both], self._s2[both]]
        new = [old[0] + sign * self._v[u], old[1] + sign * self._vz[u], old[2] + sign * self._vzz[u]]
        change = _within(*new) - _within(*old)
        tot.hom = tot.hom + (change[0] + change[1])
        patches += [(self._s0, both, new[0]), (self._s1, both, new[1]), (self._s2, both, new[2])]

    def _move_graph(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        lo, hi = self._adj_indptr[u], self._adj_indptr[u + 1]
        nb_area = self._assign[self._adj_indices[lo:hi]]
        w = self._adj_data[lo:hi]
        tot.cut = tot.cut + round(float(w[nb_area == s].sum() - w[nb_area == t].sum()))
        patches.append((self._cut, 0, tot.cut))
        old_s, old_t = int(self._pieces[s]), int(self._pieces[t])
        new_s = self._count_pieces(self._members[s] - {u})
        new_t = 1 if old_t == 1 and bool((nb_area == t).any()) else self._count_pieces(self._members[t] | {u})
        tot.noncontig += (new_s > 1) + (new_t > 1) - (old_s > 1) - (old_t > 1)
        tot.extra += new_s + new_t - old_s - old_t
        patches.append((self._pieces, [s, t], [new_s, new_t]))

    def _move_identity(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        cols = self._ident.indices[self._ident.indptr[u]:self._ident.indptr[u + 1]]
        if not len(cols):
            return
        src, dst = self._id_counts[cols, s] - 1, self._id_counts[cols, t] + 1
        spread = self._spread[cols] - (src == 0) + (dst == 1)
        changed = (spread > 1).astype(np.int64) - (self._spread[cols] > 1)
        tot.id_split = tot.id_split + np.bincount(self._id_layer[cols], changed, len(self._id_keys))
        patches += [(self._id_counts, (cols, s), src), (self._id_counts, (cols, t), dst),
                    (self._spread, cols, spread)]

    def _move_shapes(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        assert self._shapes is not None and tot.pp is not None
        shared = self._shapes.shared
        lo, hi = shared.indptr[u], shared.indptr[u + 1]
        nb_area = self._assign[shared.indices[lo:hi]]
        length = shared.data[lo:hi]
        to_s, to_t = float(length[nb_area == s].sum()), float(length[nb_area == t].sum())
        a_u, p_u = self._shapes.area[u], self._shapes.perimeter[u]
        both = [s, t]
        area = self._shape_area[both] + np.array([-a_u, a_u])
        perim = self._shape_perim[both] + np.array([-p_u + 2 * to_s, p_u - 2 * to_t])
        tot.pp = tot.pp.copy()
        tot.pp[both] = polsby_popper_of(area, perim)
        patches += [(self._shape_area, both, area), (self._shape_perim, both, perim)]

    def _count_pieces(self, members: set[int]) -> int:
        """Connected pieces of a set of units (depth-first walk restricted to the set)."""
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

    # -- values -------------------------------------------------------------------------------
    def _full_totals(self) -> _Totals:
        """Totals recomputed exactly from the per-area state."""
        active = self._rowsum > ZERO_POPULATION
        split = self._spread > 1
        pp = None
        if self._shapes is not None:
            pp = polsby_popper_of(self._shape_area, self._shape_perim)
        return _Totals(
            rowmax_sum=self._rowmax.sum(axis=0),
            colmax_sum=self._segment_sum(self._colmax),
            colc2_sum=self._segment_sum(self._colc2),
            rowpairs=_pairs(self._rowsum).sum(axis=0),
            split_plan=_split(self._rowmax, self._rowsum).sum(axis=0),
            split_layer=np.bincount(self._col_layer, self._col_active & (self._colmax < self._col_split_limit),
                                    len(self._layer_keys)).astype(np.int64),
            iface=np.where(active, self._iface, 0),
            n_active=active.sum(axis=0),
            pops=self._area_pop.copy(),
            hom=_within(self._s0, self._s1, self._s2).sum(axis=0),
            noncontig=int(np.count_nonzero(self._pieces > 1)),
            extra=int(np.sum(self._pieces - 1)),
            cut=int(self._cut[0]),
            pp=pp,
            id_split=np.bincount(self._id_layer, split, len(self._id_keys)).astype(np.int64),
        )

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

    def _vector_from(self, tot: _Totals) -> np.ndarray:
        parts = [self._pair_values(tot), self._plan_values(tot)]
        if self._shapes is not None and tot.pp is not None:
            parts.append(np.array([tot.pp.mean(), tot.pp.min()]))
        parts.append(tot.id_split.astype(np.float64))
        return np.concatenate(parts)

    def _pair_values(self, tot: _Totals) -> np.ndarray:
        out = np.empty((len(self._layer_keys), len(PAIR_MEASURES)))
        if not self._layer_keys:
            return out.ravel()
        total, col_pairs, pairs_total = self._total, self._col_pairs, self._pairs_total
        out[:, 0] = tot.rowmax_sum / total
        out[:, 1] = tot.colmax_sum / total
        out[:, 2] = 0.5 * (out[:, 0] + out[:, 1])
        expected = tot.rowpairs * col_pairs / pairs_total
        denominator = 0.5 * (tot.rowpairs + col_pairs) - expected
        degenerate = denominator == 0
        out[:, 3] = (tot.colc2_sum - expected) / np.where(degenerate, 1.0, denominator)
        if degenerate.any():
            out[degenerate, 3] = 1.0
        out[:, 4] = tot.split_plan
        out[:, 5] = tot.split_layer
        out[:, 6] = tot.iface.sum(axis=0) / np.maximum(tot.n_active, 1)
        out[:, 7] = tot.iface.max(axis=0)
        return out.ravel()

    def _plan_values(self, tot: _Totals) -> np.ndarray:
        pops, opts = tot.pops, self.options
        low, high, mean = float(pops.min()), float(pops.max()), float(pops.mean())
        outside = 0
        if opts.lower is not None:
            outside += int(np.count_nonzero(pops < opts.lower))
        if opts.upper is not None:
            outside += int(np.count_nonzero(pops > opts.upper))
        values = [float(tot.noncontig), float(tot.extra), low, high, high / low if low > 0 else np.inf,
                  float(np.abs(pops / mean - 1.0).max()) if mean > 0 else 0.0, float(outside)]
        if self._n_ind:
            within = float(tot.hom.mean())
            values += [within, 1.0 - within]
        values.append(tot.cut / self._n_edges if self._n_edges else 0.0)
        return np.array(values)


def _split(rowmax: np.ndarray, rowsum: np.ndarray) -> np.ndarray:
    """Rows whose best column holds less than the split threshold of the row."""
    return (rowsum > ZERO_POPULATION) & (rowmax < (SPLIT_THRESHOLD - TOLERANCE) * rowsum)


def _within(s0: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """Per-area within variance contribution ``S2 - S1^2 / S0`` (0 for areas without observations)."""
    return s2 - np.divide(s1 * s1, s0, out=np.zeros_like(s0), where=s0 > HOMOGENEITY_FLOOR)
