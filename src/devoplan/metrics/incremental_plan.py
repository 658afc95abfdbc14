"""Running plan-level state for :class:`~devoplan.metrics.incremental.IncrementalScorer`.

Balance, contiguity, needs homogeneity, compactness and local identity of a plan, kept as plain
Python lists per area so a move of one unit from area ``s`` to ``t`` is scored from the unit's own
precomputed data (population, indicator weights, neighbours, shared boundary lengths, identity
areas) and the two touched areas' entries:

* balance: the two area populations; min, max and mean deviation read over the area list;
* homogeneity: per area and indicator ``S0 = sum v`` and ``S1 = sum v z``, per area ``S2 = sum v z²``;
  the within-area variance of an area is ``S2 - sum_k S1_k² / S0_k``;
* contiguity: pieces per area. Leaving ``s``: a unit with no neighbour in ``s`` was a piece of its
  own, one with a single neighbour there cannot disconnect it, otherwise a walk over ``s`` (never
  beyond it) counts the pieces its neighbours fall into. Joining ``t``: a unit touching no unit of
  ``t`` is a new piece, touching a contiguous ``t`` keeps it whole, otherwise a walk over ``t``
  counts the pieces it merges. Cut edges from the unit's neighbours;
* compactness: per area area and dissolved perimeter, hence Polsby-Popper;
* identity: units of every identity area (UTLA, CA) in every plan area.
"""

from __future__ import annotations

import math
from operator import add, mul, sub, truediv
from typing import NamedTuple

import numpy as np
from scipy import sparse

from devoplan.geography.model import Geography
from devoplan.metrics.compactness import area_shapes, cut_edges
from devoplan.metrics.contiguity import pieces_per_area
from devoplan.metrics.homogeneity import standardise
from devoplan.metrics.identity import unit_counts
from devoplan.metrics.scalars import ScoreOptions

HOMOGENEITY_FLOOR = 1e-12  # an area whose indicator weight is below this holds no observed unit


class Homogeneity(NamedTuple):
    """Indicator sums S0, S1 of the two touched areas after a move, and the new country within variance."""

    s0_s: list[float]
    s1_s: list[float]
    s0_t: list[float]
    s1_t: list[float]
    s2_s: float
    s2_t: float
    within_s: float
    within_t: float
    total: float


class Shapes(NamedTuple):
    """Area and dissolved perimeter of the two touched areas, their Polsby-Popper, and the new mean and min."""

    area_s: float
    area_t: float
    perim_s: float
    perim_t: float
    pp_s: float
    pp_t: float
    pp_sum: float
    pp_min: float


class PlanChange(NamedTuple):
    """Everything a move changes in the plan-level measures."""

    pop_s: float
    pop_t: float
    low: float
    high: float
    outside: int
    hom: Homogeneity | None
    cut: int
    pieces_s: int
    pieces_t: int
    noncontig: int
    extra: int
    ident: list[tuple[int, int, int, int]]  # (identity area, units in s, units in t, plan areas it spans)
    id_split: list[int]
    shapes: Shapes | None


class PlanState:
    """Plan-level measures of the plan, updated move by move (see the module docstring).

    ``assignment`` is the scorer's live list of every unit's area; the scorer updates it after
    :meth:`commit`.
    """

    def __init__(self, geography: Geography, options: ScoreOptions, assignment: list[int], n_areas: int) -> None:
        self.assign, self.options = assignment, options
        k, n = n_areas, geography.n_units
        assign = np.array(assignment, dtype=np.int64)
        adj = geography.adjacency.matrix
        self.nbrs: list[list[int]] = [adj.indices[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(n)]
        nbw: list[list[float]] = [adj.data[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(n)]
        # per unit: its neighbours adjacent to each of its neighbours (for the cheap contiguity test)
        near = [set(x) for x in self.nbrs]
        self.ring: list[dict[int, list[int]]] = [{v: [w for w in self.nbrs[v] if w in near[u]] for v in self.nbrs[u]}
                                                 for u in range(n)]
        # per unit: (neighbour, edge multiplicity, shared boundary length); boundary with non-neighbours apart
        lengths: list[dict[int, float]] = [{} for _ in range(n)]
        if options.shapes is not None:
            shared = options.shapes.shared
            for u in range(n):
                lo, hi = shared.indptr[u], shared.indptr[u + 1]
                lengths[u] = dict(zip(shared.indices[lo:hi].tolist(), shared.data[lo:hi].tolist(), strict=True))
        self.around: list[list[tuple[int, float, float]]] = [
            [(v, w, lengths[u].get(v, 0.0)) for v, w in zip(self.nbrs[u], nbw[u], strict=True)] for u in range(n)]
        self.shared_only: list[list[tuple[int, float]]] = [
            [(v, x) for v, x in lengths[u].items() if v not in near[u]] for u in range(n)]
        self.n_edges = len(geography.adjacency.edges)
        self.cut = cut_edges(geography.adjacency.edges, assign)
        self.pieces: list[int] = pieces_per_area(geography.adjacency, assign, k).tolist()
        pop = geography.units.population.astype(np.float64)
        self.unit_pop: list[float] = pop.tolist()
        self.pops: list[float] = np.bincount(assign, weights=pop, minlength=k).tolist()
        self.mean_pop = float(pop.sum()) / k
        self._init_homogeneity(geography, assign, k)
        self._init_identity(geography, assign, k)
        self.bounded = options.lower is not None or options.upper is not None
        self.shapes = options.shapes
        if options.shapes is not None:
            area, perim = area_shapes(options.shapes, assign, k)
            self.shape_area: list[float] = area.tolist()
            self.shape_perim: list[float] = perim.tolist()
            self.unit_area: list[float] = options.shapes.area.tolist()
            self.unit_perim: list[float] = options.shapes.perimeter.tolist()
        self.refresh()

    def _init_homogeneity(self, geography: Geography, assign: np.ndarray, k: int) -> None:
        std = standardise(geography, self.options.indicators)
        self.n_ind = len(std.keys)
        vz = std.v * std.z
        self.unit_v: list[list[float]] = std.v.tolist()
        self.unit_vz: list[list[float]] = vz.tolist()
        self.unit_zz: list[float] = (vz * std.z).sum(axis=1).tolist()
        self.s0: list[list[float]] = _per_area(std.v, assign, k)
        self.s1: list[list[float]] = _per_area(vz, assign, k)
        self.s2: list[float] = np.bincount(assign, weights=np.array(self.unit_zz), minlength=k).tolist()

    def _init_identity(self, geography: Geography, assign: np.ndarray, k: int) -> None:
        self.id_keys = self.options.identity_keys(geography)
        widths = [geography.layer(key).n_areas for key in self.id_keys]
        self.id_layer: list[int] = np.repeat(np.arange(len(widths)), widths).astype(np.int64).tolist()
        ident = sparse.csr_array(sparse.hstack([geography.layer(key).membership for key in self.id_keys],
                                               format="csr")) if self.id_keys \
            else sparse.csr_array((geography.n_units, 0))
        ident.sort_indices()
        self.id_counts: list[list[int]] = unit_counts(ident, assign, k).tolist()
        self.spread: list[int] = [sum(1 for x in row if x > 0) for row in self.id_counts]
        self.unit_ident = [ident.indices[ident.indptr[u]:ident.indptr[u + 1]].tolist()
                           for u in range(geography.n_units)]

    def refresh(self) -> None:
        """Country totals recomputed exactly from the per-area state (sheds drift of running sums)."""
        self.within = [x - _between(a, b) for x, a, b in zip(self.s2, self.s0, self.s1, strict=True)]
        self.hom = math.fsum(self.within)
        self.low, self.high = min(self.pops), max(self.pops)
        self.outside = sum(self.is_outside(p) for p in self.pops)
        self.noncontig = sum(p > 1 for p in self.pieces)
        self.extra = sum(p - 1 for p in self.pieces)
        self.id_split = [0] * len(self.id_keys)
        for c, spread in enumerate(self.spread):
            self.id_split[self.id_layer[c]] += spread > 1
        self.pp: list[float] = [] if self.shapes is None else \
            [_polsby_popper(a, p) for a, p in zip(self.shape_area, self.shape_perim, strict=True)]
        self.pp_sum, self.pp_min = math.fsum(self.pp), min(self.pp, default=0.0)

    def is_outside(self, population: float) -> bool:
        lower, upper = self.options.lower, self.options.upper
        return (lower is not None and population < lower) or (upper is not None and population > upper)

    # -- a proposed move --------------------------------------------------------------------
    def propose(self, u: int, s: int, t: int) -> tuple[PlanChange, list[float]]:
        """What moving unit ``u`` from ``s`` to ``t`` changes, and the measures after it (``names`` order)."""
        pops, p, low, high = self.pops, self.unit_pop[u], self.low, self.high
        old_s, old_t = pops[s], pops[t]
        pop_s, pop_t = old_s - p, old_t + p
        if p >= 0 and old_t > low and old_s < high:  # s shrinks, t grows: neither can leave an extreme
            low, high = min(low, pop_s), max(high, pop_t)
        else:
            low, high = self._extremes(pops, s, t, pop_s, pop_t, low, high)
        outside = self.outside
        if self.bounded:
            outside += self.is_outside(pop_s) + self.is_outside(pop_t) - self.is_outside(old_s) \
                - self.is_outside(old_t)
        cut, pieces_s, pieces_t, to_s, to_t = self._graph(u, s, t)
        was_s, was_t = self.pieces[s], self.pieces[t]
        noncontig = self.noncontig + (pieces_s > 1) + (pieces_t > 1) - (was_s > 1) - (was_t > 1)
        extra = self.extra + pieces_s + pieces_t - was_s - was_t
        ident, id_split = self._identity(u, s, t) if self.unit_ident[u] else ([], self.id_split)
        hom = self._homogeneity(u, s, t) if self.n_ind else None
        shapes = self._shapes(u, s, t, to_s, to_t) if self.shapes is not None else None
        change = PlanChange(pop_s, pop_t, low, high, outside, hom, cut, pieces_s, pieces_t, noncontig, extra, ident,
                            id_split, shapes)
        return change, self._values(low, high, outside, noncontig, extra, self.hom if hom is None else hom.total, cut,
                                    0.0 if shapes is None else shapes.pp_sum, 0.0 if shapes is None else shapes.pp_min,
                                    id_split)

    @staticmethod
    def _extremes(values: list[float], s: int, t: int, new_s: float, new_t: float, low: float,
                  high: float) -> tuple[float, float]:
        """Min and max of ``values`` after entries s and t change, scanning only when an extreme may have left.

        The unchanged entries lie within ``[low, high]``, so the old extreme and the two new entries
        decide it unless s or t held that extreme and moved away from it (then: a full scan).
        """
        old_s, old_t = values[s], values[t]
        low_known = (old_s > low or new_s <= old_s) and (old_t > low or new_t <= old_t)
        high_known = (old_s < high or new_s >= old_s) and (old_t < high or new_t >= old_t)
        if low_known and high_known:
            return min(low, new_s, new_t), max(high, new_s, new_t)
        changed = values.copy()
        changed[s], changed[t] = new_s, new_t
        return (min(low, new_s, new_t) if low_known else min(changed),
                max(high, new_s, new_t) if high_known else max(changed))

    def _homogeneity(self, u: int, s: int, t: int) -> Homogeneity:
        v, vz, zz = self.unit_v[u], self.unit_vz[u], self.unit_zz[u]
        s0_s, s1_s = list(map(sub, self.s0[s], v)), list(map(sub, self.s1[s], vz))
        s0_t, s1_t = list(map(add, self.s0[t], v)), list(map(add, self.s1[t], vz))
        s2_s, s2_t = self.s2[s] - zz, self.s2[t] + zz
        within_s, within_t = s2_s - _between(s0_s, s1_s), s2_t - _between(s0_t, s1_t)
        total = self.hom + within_s + within_t - self.within[s] - self.within[t]
        return Homogeneity(s0_s, s1_s, s0_t, s1_t, s2_s, s2_t, within_s, within_t, total)

    def _graph(self, u: int, s: int, t: int) -> tuple[int, int, int, float, float]:
        """Cut edges and the pieces of s and t after the move; boundary the unit shares with s and with t."""
        assign = self.assign
        change, in_s, in_t, to_s, to_t = 0.0, [], [], 0.0, 0.0
        for v, w, length in self.around[u]:
            a = assign[v]
            if a == s:
                change += w
                in_s.append(v)
                to_s += length
            elif a == t:
                change -= w
                in_t.append(v)
                to_t += length
        for v, length in self.shared_only[u]:  # boundary shared with units that are not neighbours (normally none)
            a = assign[v]
            if a == s:
                to_s += length
            elif a == t:
                to_t += length
        old_s, old_t = self.pieces[s], self.pieces[t]
        if len(in_s) < 2:  # no neighbour left behind: the unit was a piece; one: it was a leaf of its piece
            new_s = old_s - 1 + len(in_s)
        elif self._linked_around(u, in_s):  # neighbours left behind stay linked to each other directly
            new_s = old_s
        else:
            new_s = old_s - 1 + self._pieces_touched(in_s, s, u)
        if not in_t:
            new_t = old_t + 1  # a new piece of its own
        elif old_t == 1 or len(in_t) == 1:
            new_t = old_t  # joins one piece
        else:
            new_t = old_t + 1 - self._pieces_touched(in_t, t, -1)
        return self.cut + round(change), new_s, new_t, to_s, to_t

    def _linked_around(self, u: int, group: list[int]) -> bool:
        """Are the units of ``group`` (neighbours of ``u``) connected by edges among themselves?

        A cheap sufficient test that the area left behind stays in one piece around ``u``; when it
        fails the caller walks the area.
        """
        ring, members = self.ring[u], set(group)
        reached, stack = {group[0]}, [group[0]]
        while stack:
            for w in ring[stack.pop()]:
                if w in members and w not in reached:
                    reached.add(w)
                    stack.append(w)
        return len(reached) == len(members)

    def _pieces_touched(self, starts: list[int], area: int, skip: int) -> int:
        """How many pieces of ``area`` without unit ``skip`` the units ``starts`` lie in.

        A depth-first walk that never leaves the area; it stops as soon as every start is reached.
        """
        assign, nbrs = self.assign, self.nbrs
        seen = {skip}
        left = set(starts)
        pieces = 0
        for start in starts:
            if start in seen:
                continue
            pieces += 1
            seen.add(start)
            left.discard(start)
            stack = [start]
            while stack and left:
                for v in nbrs[stack.pop()]:
                    if v not in seen and assign[v] == area:
                        seen.add(v)
                        left.discard(v)
                        stack.append(v)
            if not left:
                break
        return pieces

    def _identity(self, u: int, s: int, t: int) -> tuple[list[tuple[int, int, int, int]], list[int]]:
        id_split, out = list(self.id_split), []
        for c in self.unit_ident[u]:
            row = self.id_counts[c]
            src, dst = row[s] - 1, row[t] + 1
            old = self.spread[c]
            spread = old - (src == 0) + (dst == 1)
            id_split[self.id_layer[c]] += (spread > 1) - (old > 1)
            out.append((c, src, dst, spread))
        return out, id_split

    def _shapes(self, u: int, s: int, t: int, to_s: float, to_t: float) -> Shapes:
        a_u, p_u = self.unit_area[u], self.unit_perim[u]
        area_s, area_t = self.shape_area[s] - a_u, self.shape_area[t] + a_u
        perim_s, perim_t = self.shape_perim[s] - p_u + 2 * to_s, self.shape_perim[t] + p_u - 2 * to_t
        pp = self.pp
        pp_s, pp_t = _polsby_popper(area_s, perim_s), _polsby_popper(area_t, perim_t)
        pp_min = self._extremes(pp, s, t, pp_s, pp_t, self.pp_min, math.inf)[0]
        return Shapes(area_s, area_t, perim_s, perim_t, pp_s, pp_t, self.pp_sum + pp_s + pp_t - pp[s] - pp[t], pp_min)

    def commit(self, ch: PlanChange, s: int, t: int) -> None:
        """Make a proposed move (the scorer then updates the assignment)."""
        self.pops[s], self.pops[t], self.low, self.high, self.outside = ch.pop_s, ch.pop_t, ch.low, ch.high, ch.outside
        if ch.hom is not None:
            h = ch.hom
            self.s0[s], self.s1[s], self.s0[t], self.s1[t] = h.s0_s, h.s1_s, h.s0_t, h.s1_t
            self.s2[s], self.s2[t] = h.s2_s, h.s2_t
            self.within[s], self.within[t], self.hom = h.within_s, h.within_t, h.total
        self.cut, self.pieces[s], self.pieces[t] = ch.cut, ch.pieces_s, ch.pieces_t
        self.noncontig, self.extra = ch.noncontig, ch.extra
        for c, src, dst, spread in ch.ident:
            self.id_counts[c][s], self.id_counts[c][t], self.spread[c] = src, dst, spread
        self.id_split = ch.id_split
        if ch.shapes is not None:
            sh = ch.shapes
            self.shape_area[s], self.shape_area[t] = sh.area_s, sh.area_t
            self.shape_perim[s], self.shape_perim[t] = sh.perim_s, sh.perim_t
            self.pp[s], self.pp[t], self.pp_sum, self.pp_min = sh.pp_s, sh.pp_t, sh.pp_sum, sh.pp_min

    # -- values -----------------------------------------------------------------------------
    def names(self) -> list[str]:
        names = ["contiguity.noncontiguous_areas", "contiguity.extra_pieces",
                 "balance.min_population", "balance.max_population", "balance.max_min_ratio",
                 "balance.max_deviation", "balance.outside_bounds"]
        if self.n_ind:
            names += ["homogeneity.within_variance", "homogeneity.between_share"]
        names.append("compactness.cut_edge_fraction")
        if self.shapes is not None:
            names += ["compactness.polsby_popper_mean", "compactness.polsby_popper_min"]
        return names + [f"identity.split@{k}" for k in self.id_keys]

    def values(self) -> list[float]:
        """The measures (``names`` order) of the current plan."""
        return self._values(self.low, self.high, self.outside, self.noncontig, self.extra, self.hom, self.cut,
                            self.pp_sum, self.pp_min, self.id_split)

    def _values(self, low: float, high: float, outside: int, noncontig: int, extra: int, hom: float, cut: int,
                pp_sum: float, pp_min: float, id_split: list[int]) -> list[float]:
        mean = self.mean_pop
        deviation = max(high / mean - 1.0, 1.0 - low / mean) if mean > 0 else 0.0
        out = [noncontig, extra, low, high, high / low if low > 0 else math.inf, deviation, outside]
        if self.n_ind:
            within = hom / self.n_ind
            out += [within, 1.0 - within]
        out.append(cut / self.n_edges if self.n_edges else 0.0)
        if self.shapes is not None:
            out += [pp_sum / len(self.pp), pp_min]
        return out + id_split  # counts stay ints here; the scorer turns values into floats


def _per_area(x: np.ndarray, assign: np.ndarray, k: int) -> list[list[float]]:
    """Column sums of ``x`` (units by indicators) per area, as a list of rows."""
    out = np.zeros((k, x.shape[1]))
    np.add.at(out, assign, x)
    return out.tolist()


def _between(s0: list[float], s1: list[float]) -> float:
    """``sum_k S1_k² / S0_k`` over the indicators observed in the area."""
    if min(s0, default=1.0) > HOMOGENEITY_FLOOR:  # every indicator observed: no filter needed
        return sum(map(truediv, map(mul, s1, s1), s0))
    return sum([b * b / a for a, b in zip(s0, s1, strict=True) if a > HOMOGENEITY_FLOOR])


def _polsby_popper(area: float, perimeter: float) -> float:
    return 4 * math.pi * area / perimeter**2 if perimeter > 0 else 0.0
