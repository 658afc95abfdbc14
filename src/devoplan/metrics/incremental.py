"""Incremental scoring: every plan measure kept up to date as single units move between areas.

An optimiser proposes thousands of moves a second; rescoring the whole country each time is
wasteful because a move touches two areas. :class:`IncrementalScorer` keeps running state

* the overlap rows of every area with every layer (all layers stacked side by side in one matrix),
  with per-area/per-layer row sums, row maxima and interface counts, and per-column maxima (for
  containment); the adjusted Rand index's sums of pairs are running totals;
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
Patch = tuple[Any, Any, Any]  # (state array or list, index, new value)
HOMOGENEITY_FLOOR = 1e-12  # an area whose indicator weight is below this holds no observed unit


def _pairs(x: np.ndarray) -> np.ndarray:
    return x * (x - 1.0) / 2.0


@dataclass
class _Totals:
    """Country-wide aggregates every value is read from; a move yields a new one in O(touched).

    Per-layer quantities are Python lists (a handful of layers: plain floats beat array calls).
    """

    rowmax_sum: list[float]  # per layer: sum over plan areas of the best single layer-area
    colmax_sum: list[float]  # per layer: sum over layer areas of the best single plan area
    colc2_sum: list[float]  # per layer: sum of C2(M[a, b]) (adjusted Rand index)
    rowpairs: list[float]  # per layer: sum over plan areas of C2(row sum)
    split_plan: list[int]  # per layer: plan areas split by the layer
    split_layer: list[int]  # per layer: layer areas split by the plan
    iface_sum: list[float]  # per layer: interface counts summed over active plan areas
    n_active: list[int]  # per layer: plan areas with common population
    iface_max: list[float]  # per layer: largest interface count
    iface_at_max: list[int]  # per layer: plan areas with that largest count
    pops: list[float]  # per area population
    outside: int  # areas outside the population bounds
    hom: float  # sum over areas and indicators of the within-area variance
    noncontig: int
    extra: int
    cut: int
    pp: list[float] | None  # per area Polsby-Popper, when shapes are known
    id_split: list[int]  # per identity layer: areas split by the plan

    def copy(self) -> _Totals:
        return _Totals(**self.__dict__)


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
        self._assign_list: list[int] = self._assign.tolist()
        self._k = plan.n_areas
        self._members: list[set[int]] = [set() for _ in range(self._k)]
        for u, a in enumerate(self._assign_list):
            self._members[a].add(u)
        self._pop = geography.units.population.astype(np.float64)
        self._init_overlap(plan)
        self._init_plan_state()
        self.keys: tuple[str, ...] = tuple(self._names_of_values())
        self._applied = 0
        self._totals = self._full_totals()
        self._current = self._vector_from(self._totals)

    # -- set-up -------------------------------------------------------------------------------
    def _init_overlap(self, plan: Plan) -> None:
        geo = self.geography
        self._layer_keys = tuple(k for k in self.options.layer_keys(geo) if geo.layer(k).n_areas)
        n_layers = len(self._layer_keys)
        widths = [geo.layer(k).n_areas for k in self._layer_keys]
        self._offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        self._starts = self._offsets[:-1]
        self._col_layer = np.repeat(np.arange(n_layers), widths)
        n = geo.n_units
        stacked = sparse.hstack([geo.layer(k).membership for k in self._layer_keys], format="csr") \
            if self._layer_keys else sparse.csr_array((n, 0))
        weighted = sparse.csr_array(sparse.dia_array((self._pop, 0), shape=(n, n)) @ stacked)
        weighted.sort_indices()
        self._m = np.asarray((plan_weights(plan).T @ weighted).toarray(), dtype=np.float64)
        colsum = self._m.sum(axis=0)
        self._total = np.bincount(self._col_layer, weights=colsum, minlength=n_layers)
        if (self._total <= ZERO_POPULATION).any():
            empty = self._layer_keys[int(np.argmax(self._total <= ZERO_POPULATION))]
            raise DevoplanError(f"layer {empty} has no population in common with the plan")
        col_pairs = np.bincount(self._col_layer, weights=_pairs(colsum), minlength=n_layers)
        self._layer_consts = list(zip(self._total.tolist(), col_pairs.tolist(), _pairs(self._total).tolist(),
                                      strict=True))
        self._colmax = self._m.max(axis=0) if self._m.shape[0] else np.zeros(self._m.shape[1])
        self._col_split_limit = (SPLIT_THRESHOLD - TOLERANCE) * colsum
        self._col_active = colsum > ZERO_POPULATION
        self._col_split = self._col_active & (self._colmax < self._col_split_limit)
        # per plan area and layer: row sum, row max, interface count, in one array (views below)
        self._rstat = np.stack(self._row_stats(self._m), axis=1).astype(np.float64)
        self._rowsum, self._rowmax, self._iface = self._rstat[:, 0], self._rstat[:, 1], self._rstat[:, 2]
        self._u_cols, self._u_sv, self._u_colinfo = [], [], []
        for u in range(n):
            lo, hi = weighted.indptr[u], weighted.indptr[u + 1]
            cols, vals = weighted.indices[lo:hi].astype(np.int64), weighted.data[lo:hi]
            self._u_cols.append(cols)
            self._u_sv.append(np.stack([-vals, vals]))
            self._u_colinfo.append(list(zip(self._col_layer[cols].tolist(), self._col_split_limit[cols].tolist(),
                                            self._col_active[cols].tolist(), strict=True)))

    def _init_plan_state(self) -> None:
        geo, opts, k = self.geography, self.options, self._k
        adj = geo.adjacency.matrix
        self._u_nbrs = [adj.indices[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(geo.n_units)]
        self._u_nbw = [adj.data[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(geo.n_units)]
        self._n_edges = len(geo.adjacency.edges)
        self._cut = [cut_edges(geo.adjacency.edges, self._assign)]  # a box, so a patch can replace it
        self._pieces: list[int] = pieces_per_area(geo.adjacency, self._assign, k).tolist()
        self._pop_list: list[float] = self._pop.tolist()
        self._area_pop: list[float] = np.bincount(self._assign, weights=self._pop, minlength=k).tolist()
        self._mean_pop = float(self._pop.sum()) / k
        std = standardise(geo, opts.indicators)
        self._n_ind = len(std.keys)
        per_unit = (std.v, std.v * std.z)
        # per area: sum of v and of v z per indicator (k, 2, m); sum of v z^2 over all indicators (k,)
        self._hsum = np.stack([np.stack([np.bincount(self._assign, weights=x[:, j], minlength=k)
                                         for j in range(self._n_ind)], axis=1) if self._n_ind
                               else np.zeros((k, 0)) for x in per_unit], axis=1)
        self._u_hsv = [np.stack([-np.stack([x[u] for x in per_unit]), np.stack([x[u] for x in per_unit])])
                       for u in range(geo.n_units)]
        zz = (std.v * std.z**2).sum(axis=1)
        self._u_zz: list[float] = zz.tolist()
        self._s2: list[float] = np.bincount(self._assign, weights=zz, minlength=k).tolist()
        self._hom_area: list[float] = (np.array(self._s2) - _between(self._hsum)).tolist()
        self._id_keys = opts.identity_keys(geo)
        widths = [geo.layer(key).n_areas for key in self._id_keys]
        id_layer = np.repeat(np.arange(len(widths)), widths)
        ident = sparse.hstack([geo.layer(key).membership for key in self._id_keys], format="csr") \
            if self._id_keys else sparse.csr_array((geo.n_units, 0))
        ident = sparse.csr_array(ident)
        ident.sort_indices()
        self._id_counts = unit_counts(ident, self._assign, k)
        self._spread: list[int] = (self._id_counts > 0).sum(axis=1).tolist()
        self._id_layer: list[int] = id_layer.tolist()
        self._u_ident = [ident.indices[ident.indptr[u]:ident.indptr[u + 1]].tolist() for u in range(geo.n_units)]
        self._shapes = opts.shapes
        if self._shapes is not None:
            area, perim = area_shapes(self._shapes, self._assign, k)
            self._shape_area: list[float] = area.tolist()
            self._shape_perim: list[float] = perim.tolist()
            shared = self._shapes.shared
            self._u_shared = [list(zip(shared.indices[shared.indptr[u]:shared.indptr[u + 1]].tolist(),
                                       shared.data[shared.indptr[u]:shared.indptr[u + 1]].tolist(), strict=True))
                              for u in range(geo.n_units)]
            self._u_area: list[float] = self._shapes.area.tolist()
            self._u_perim: list[float] = self._shapes.perimeter.tolist()

    def _row_stats(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row and layer: population, best single area, and interface count."""
        if not len(self._starts):
            empty = np.zeros((rows.shape[0], 0))
            return empty, empty, empty.astype(np.int64)
        rowsum = np.add.reduceat(rows, self._starts, axis=1)
        rowmax = np.maximum.reduceat(rows, self._starts, axis=1)
        limit = ((INTERFACE_THRESHOLD - TOLERANCE) * rowsum).take(self._col_layer, axis=1)  # faster than [:, idx]
        hit = (rows >= limit) & (rows > ZERO_POPULATION)
        iface = np.add.reduceat(hit, self._starts, axis=1, dtype=np.int64)
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
        source = self._assign_list[unit]
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
        self._assign_list[move.unit] = move.target
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
        if not 0 <= u < len(self._assign_list):
            raise DevoplanError(f"unit position {u} outside 0..{len(self._assign_list) - 1}")
        if not 0 <= t < self._k:
            raise DevoplanError(f"area index {t} outside 0..{self._k - 1}")
        s = self._assign_list[u]
        if s == t:
            return _Move(u, s, t, [], self._totals)
        if len(self._members[s]) == 1:
            raise DevoplanError(f"moving {self.geography.units.codes[u]} would empty area {self._codes[s]}")
        patches: list[Patch] = []
        totals = self._totals.copy()
        if len(self._u_cols[u]):
            self._move_overlap(u, s, t, patches, totals)
        self._move_balance(u, s, t, patches, totals)
        if self._n_ind:
            self._move_homogeneity(u, s, t, patches, totals)
        self._move_graph(u, s, t, patches, totals)
        if self._u_ident[u]:
            self._move_identity(u, s, t, patches, totals)
        if self._shapes is not None:
            self._move_shapes(u, s, t, patches, totals)
        return _Move(u, s, t, patches, totals)

    def _move_overlap(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        cols, both = self._u_cols[u], [s, t]
        rows = self._m[both]
        old_sub = rows[:, cols]
        sub = old_sub + self._u_sv[u]
        rows[:, cols] = sub
        stats = np.empty((2, 3, len(self._layer_keys)))
        stats[:, 0], stats[:, 1], stats[:, 2] = self._row_stats(rows)
        column = self._m[:, cols]
        column[both] = sub
        colmax = column.max(axis=0)
        if not self._row_totals(stats, self._rstat[both], tot):
            table = self._iface.copy()  # a layer's only busiest area got quieter: look at all areas
            table[both] = stats[:, 2]
            tot.iface_max, tot.iface_at_max = _max_and_count(table)
        col_split = self._column_totals(u, colmax, old_sub, sub, tot)
        patches += [(self._m, both, rows), (self._rstat, both, stats), (self._colmax, cols, colmax),
                    (self._col_split, cols, col_split)]

    def _row_totals(self, new: np.ndarray, old: np.ndarray, tot: _Totals) -> bool:
        """Per-layer totals after rows s and t change (Python floats over the few layers).

        ``new`` and ``old`` are ``(2, 3, layers)``: row sum, row max and interface count of s and t.
        Interface counts are 0 for rows without common population (no entry exceeds the zero level).
        """
        z, lim = ZERO_POPULATION, SPLIT_THRESHOLD - TOLERANCE
        (ns0, nm0, ni0), (ns1, nm1, ni1), (os0, om0, oi0), (os1, om1, oi1) = np.concatenate([new, old]).tolist()
        tot.rowmax_sum = [x + a + b - c - d for x, a, b, c, d in zip(tot.rowmax_sum, nm0, nm1, om0, om1, strict=True)]
        tot.rowpairs = [x + (a * (a - 1.0) + b * (b - 1.0) - c * (c - 1.0) - d * (d - 1.0)) * 0.5
                        for x, a, b, c, d in zip(tot.rowpairs, ns0, ns1, os0, os1, strict=True)]
        tot.split_plan = [x + (a > z and ma < lim * a) + (b > z and mb < lim * b)
                          - (c > z and mc < lim * c) - (d > z and md < lim * d)
                          for x, a, b, c, d, ma, mb, mc, md in zip(tot.split_plan, ns0, ns1, os0, os1, nm0, nm1,
                                                                    om0, om1, strict=True)]
        tot.n_active = [x + (a > z) + (b > z) - (c > z) - (d > z)
                        for x, a, b, c, d in zip(tot.n_active, ns0, ns1, os0, os1, strict=True)]
        tot.iface_sum = [x + a + b - c - d for x, a, b, c, d in zip(tot.iface_sum, ni0, ni1, oi0, oi1, strict=True)]
        return self._iface_max(tot, ni0, ni1, oi0, oi1)

    @staticmethod
    def _iface_max(tot: _Totals, ni0: list[float], ni1: list[float], oi0: list[float], oi1: list[float]) -> bool:
        """Update the largest interface count per layer and how many areas reach it.

        Returns False when some layer's maximum can no longer be known from the counts (every area at
        the maximum was s or t and both dropped below it); the caller then recomputes it.
        """
        maxima, at_max, known = list(tot.iface_max), list(tot.iface_at_max), True
        for j, (a, b, c, d) in enumerate(zip(ni0, ni1, oi0, oi1, strict=True)):
            top, count = maxima[j], at_max[j] - (c == maxima[j]) - (d == maxima[j])
            for v in (a, b):
                if v > top:
                    top, count = v, 1
                elif v == top:
                    count += 1
            known = known and count > 0
            maxima[j], at_max[j] = top, count
        tot.iface_max, tot.iface_at_max = maxima, at_max
        return known

    def _column_totals(self, u: int, colmax: np.ndarray, old_sub: np.ndarray, sub: np.ndarray,
                       tot: _Totals) -> np.ndarray:
        """Per-layer totals after the unit's columns change; returns the columns' new split flags.

        ``old_sub``/``sub`` are the overlap entries of rows s and t in those columns before/after.
        """
        cols = self._u_cols[u]
        new_max, old_max, old_split, old_s, old_t, new_s, new_t = np.concatenate(
            [colmax[None], self._colmax[cols][None], self._col_split[cols][None], old_sub, sub]).tolist()
        colmax_sum, colc2_sum, split_layer = list(tot.colmax_sum), list(tot.colc2_sum), list(tot.split_layer)
        flags = []
        for i, (layer, limit, active) in enumerate(self._u_colinfo[u]):
            colmax_sum[layer] += new_max[i] - old_max[i]
            a, b, c, d = new_s[i], new_t[i], old_s[i], old_t[i]
            colc2_sum[layer] += (a * (a - 1.0) + b * (b - 1.0) - c * (c - 1.0) - d * (d - 1.0)) * 0.5
            split = bool(active and new_max[i] < limit)
            split_layer[layer] += split - bool(old_split[i])
            flags.append(split)
        tot.colmax_sum, tot.colc2_sum, tot.split_layer = colmax_sum, colc2_sum, split_layer
        return np.array(flags, dtype=bool)

    def _move_balance(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        p, pops = self._pop_list[u], list(tot.pops)
        old_s, old_t = pops[s], pops[t]
        pops[s], pops[t] = old_s - p, old_t + p
        tot.pops = pops
        tot.outside += (self._outside(pops[s]) + self._outside(pops[t]) - self._outside(old_s)
                        - self._outside(old_t))
        patches += [(self._area_pop, s, pops[s]), (self._area_pop, t, pops[t])]

    def _outside(self, population: float) -> int:
        lower, upper = self.options.lower, self.options.upper
        return int((lower is not None and population < lower) or (upper is not None and population > upper))

    def _move_homogeneity(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        both = [s, t]
        sums = self._hsum[both] + self._u_hsv[u]
        between_s, between_t = _between(sums).tolist()
        zz = self._u_zz[u]
        s2_s, s2_t = self._s2[s] - zz, self._s2[t] + zz
        within_s, within_t = s2_s - between_s, s2_t - between_t
        tot.hom += within_s + within_t - self._hom_area[s] - self._hom_area[t]
        patches += [(self._hsum, both, sums), (self._s2, s, s2_s), (self._s2, t, s2_t),
                    (self._hom_area, s, within_s), (self._hom_area, t, within_t)]

    def _move_graph(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        assign = self._assign_list
        change, in_s, in_t = 0.0, 0, 0
        for v, w in zip(self._u_nbrs[u], self._u_nbw[u], strict=True):
            a = assign[v]
            if a == s:
                change += w
                in_s += 1
            elif a == t:
                change -= w
                in_t += 1
        tot.cut += round(change)
        patches.append((self._cut, 0, tot.cut))
        old_s, old_t = self._pieces[s], self._pieces[t]
        # leaving: a unit with no neighbour in s was a piece of its own; a leaf cannot disconnect its piece
        new_s = old_s - 1 if in_s == 0 else old_s if in_s == 1 else self._count_pieces(self._members[s] - {u})
        # joining: a unit touching no unit of t is a new piece; touching a contiguous t keeps it whole
        new_t = old_t + 1 if in_t == 0 else 1 if old_t == 1 else self._count_pieces(self._members[t] | {u})
        tot.noncontig += (new_s > 1) + (new_t > 1) - (old_s > 1) - (old_t > 1)
        tot.extra += new_s + new_t - old_s - old_t
        patches += [(self._pieces, s, new_s), (self._pieces, t, new_t)]

    def _move_identity(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        counts, id_split = self._id_counts, list(tot.id_split)
        for c in self._u_ident[u]:
            src, dst = int(counts[c, s]) - 1, int(counts[c, t]) + 1
            old = self._spread[c]
            spread = old - (src == 0) + (dst == 1)
            id_split[self._id_layer[c]] += (spread > 1) - (old > 1)
            patches += [(counts, (c, s), src), (counts, (c, t), dst), (self._spread, c, spread)]
        tot.id_split = id_split

    def _move_shapes(self, u: int, s: int, t: int, patches: list[Patch], tot: _Totals) -> None:
        assert tot.pp is not None
        assign, to_s, to_t = self._assign_list, 0.0, 0.0
        for v, length in self._u_shared[u]:
            if assign[v] == s:
                to_s += length
            elif assign[v] == t:
                to_t += length
        a_u, p_u = self._u_area[u], self._u_perim[u]
        area_s, area_t = self._shape_area[s] - a_u, self._shape_area[t] + a_u
        perim_s = self._shape_perim[s] - p_u + 2 * to_s
        perim_t = self._shape_perim[t] + p_u - 2 * to_t
        pp = list(tot.pp)
        pp[s], pp[t] = _polsby_popper(area_s, perim_s), _polsby_popper(area_t, perim_t)
        tot.pp = pp
        patches += [(self._shape_area, s, area_s), (self._shape_area, t, area_t),
                    (self._shape_perim, s, perim_s), (self._shape_perim, t, perim_t)]

    def _count_pieces(self, members: set[int]) -> int:
        """Connected pieces of a set of units (depth-first walk restricted to the set)."""
        unseen = set(members)
        pieces = 0
        while unseen:
            pieces += 1
            stack = [unseen.pop()]
            while stack:
                for v in self._u_nbrs[stack.pop()]:
                    if v in unseen:
                        unseen.remove(v)
                        stack.append(v)
        return pieces

    # -- values -------------------------------------------------------------------------------
    def _full_totals(self) -> _Totals:
        """Totals recomputed exactly from the per-area state."""
        iface_max, iface_at_max = _max_and_count(self._iface)
        active = self._rowsum > ZERO_POPULATION
        n_layers = len(self._layer_keys)
        split = np.array(self._spread) > 1
        pops = list(self._area_pop)
        pp = None
        if self._shapes is not None:
            pp = polsby_popper_of(np.array(self._shape_area), np.array(self._shape_perim)).tolist()
        return _Totals(
            rowmax_sum=self._rowmax.sum(axis=0).tolist(),
            colmax_sum=np.bincount(self._col_layer, self._colmax, n_layers).tolist(),
            colc2_sum=np.bincount(self._col_layer, _pairs(self._m).sum(axis=0), n_layers).tolist(),
            rowpairs=_pairs(self._rowsum).sum(axis=0).tolist(),
            split_plan=(active & (self._rowmax < (SPLIT_THRESHOLD - TOLERANCE) * self._rowsum)).sum(axis=0).tolist(),
            split_layer=np.bincount(self._col_layer, self._col_split, n_layers).astype(np.int64).tolist(),
            iface_sum=self._iface.sum(axis=0).tolist(),
            n_active=active.sum(axis=0).tolist(),
            iface_max=iface_max,
            iface_at_max=iface_at_max,
            pops=pops,
            outside=sum(self._outside(p) for p in pops),
            hom=float(sum(self._hom_area)),
            noncontig=sum(p > 1 for p in self._pieces),
            extra=sum(p - 1 for p in self._pieces),
            cut=self._cut[0],
            pp=pp,
            id_split=np.bincount(self._id_layer, split, len(self._id_keys)).astype(np.int64).tolist()
            if self._id_keys else [],
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
        out: list[float] = []
        for j, (total, col_pairs, pairs_total) in enumerate(self._layer_consts):
            plan_in, layer_in = tot.rowmax_sum[j] / total, tot.colmax_sum[j] / total
            rows = tot.rowpairs[j]
            expected = rows * col_pairs / pairs_total if pairs_total > 0 else float("nan")
            denominator = 0.5 * (rows + col_pairs) - expected
            ari = 1.0 if denominator == 0 else (tot.colc2_sum[j] - expected) / denominator
            n_active = tot.n_active[j]
            out += [plan_in, layer_in, 0.5 * (plan_in + layer_in), ari, tot.split_plan[j], tot.split_layer[j],
                    tot.iface_sum[j] / n_active if n_active else 0.0, tot.iface_max[j]]
        low, high, mean = min(tot.pops), max(tot.pops), self._mean_pop
        deviation = max(high / mean - 1.0, 1.0 - low / mean) if mean > 0 else 0.0
        out += [tot.noncontig, tot.extra, low, high, high / low if low > 0 else float("inf"), deviation,
                tot.outside]
        if self._n_ind:
            within = tot.hom / self._n_ind
            out += [within, 1.0 - within]
        out.append(tot.cut / self._n_edges if self._n_edges else 0.0)
        if tot.pp is not None:
            out += [sum(tot.pp) / len(tot.pp), min(tot.pp)]
        out += tot.id_split
        return np.array(out, dtype=np.float64)


def _between(sums: np.ndarray) -> np.ndarray:
    """Per area ``sum_k S1_k^2 / S0_k`` from ``(areas, 2, indicators)`` sums (0 where S0 is empty)."""
    s0, s1 = sums[:, 0], sums[:, 1]
    return (s1 * s1 / np.where(s0 > HOMOGENEITY_FLOOR, s0, np.inf)).sum(axis=1)


def _max_and_count(table: np.ndarray) -> tuple[list[float], list[int]]:
    """Per column: the largest value and how many rows reach it."""
    top = table.max(axis=0)
    return top.tolist(), (table == top).sum(axis=0).tolist()


def _polsby_popper(area: float, perimeter: float) -> float:
    return 4 * np.pi * area / perimeter**2 if perimeter > 0 else 0.0
