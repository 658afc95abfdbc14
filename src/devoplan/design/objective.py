"""The design objective and its incremental evaluation on blocks.

Objective (lower is better) = sum of weight x term, every term a share in [0, 1] (balance up to 2):

* ``health``   = mean over health layers L of
  ``1 - [s * containment(L in plan) + (1 - s) * containment(plan in L)]`` with ``s`` the split weight
  (``DesignOptions.split_weight``, 0.75 by default): splitting an L-area between areas costs more than
  nesting whole L-areas inside one area; ``s = 0.5`` is ``1 - coterminosity(L, plan)``
* ``economic`` = the same over the economic layers; ``police`` the same over the police layers
* ``needs``    = mean over indicators of the within-area share of variance of the population-weighted
  standardised indicator (``devoplan.metrics.homogeneity``); weight 0 by default
* ``compact``  = cut-edge fraction: adjacency edges joining two different areas / all edges
* ``balance``  = ``sum_a |P_a - P/k| / P``
* ``identity`` = mean over soft keep-whole layers L of ``1 - containment(L in plan)``

Containment(L in plan) is the column-maximum sum of the overlap matrix M (plan areas x L-areas) over the
population covered: how many people's L-area lies mostly in one plan area; containment(plan in L) is the
row-maximum sum. These are the formulas of ``devoplan.metrics.overlap`` (``alignment_of``,
``containment_of``: sums of row/column maxima of the overlap matrix M / population covered). The search
moves whole blocks, so every quantity is kept as per-area sums of per-block features: a move of a few
blocks touches two rows of the area-sum matrix and the columns of the layer areas those blocks overlap,
nothing else. The oracle test (tests/test_design_objective.py) checks these incremental values against
the metrics module's from-scratch functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from devoplan.design.blocks import Blocks
from devoplan.design.options import DesignOptions, full_weights
from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.metrics.homogeneity import standardise
from devoplan.zoning import frozen_array

TERMS: tuple[str, ...] = ("health", "economic", "police", "needs", "compact", "balance", "identity")
ALIGNMENT_TERMS: tuple[str, ...] = ("health", "economic", "police")
REPORT = "report"  # layer parts tracked for their containments only, in no term


@dataclass(frozen=True, eq=False)
class LayerPart:
    """One layer's block-by-area overlap: columns ``start..stop`` of the feature matrix."""

    term: str
    key: str
    start: int
    stop: int
    total: float
    split_weight: float  # share on containment(L in plan) (column maxima); the rest on the row maxima
    nonzero: tuple[np.ndarray, ...]  # per block: local column indices with weight


@dataclass(frozen=True, eq=False)
class LayerIndex:
    """The layers' overlap columns (features ``1 .. needs_start``) as one block.

    ``starts`` are each layer's first column within the block (for ``np.maximum.reduceat``),
    ``col_layer`` the layer of every column, ``block_cols[b]`` the columns block ``b`` has weight in.
    """

    starts: np.ndarray
    col_layer: np.ndarray
    block_cols: tuple[np.ndarray, ...]

    @classmethod
    def build(cls, obj: Objective) -> LayerIndex:
        starts = np.array([p.start - 1 for p in obj.layers], dtype=np.int64)
        widths = [p.stop - p.start for p in obj.layers]
        if any(w <= 0 for w in widths):
            raise DevoplanError("a layer of the objective has no areas")
        col_layer = np.repeat(np.arange(len(widths), dtype=np.int64), widths)
        n_blocks = obj.features.shape[0]
        block_cols = tuple(
            np.concatenate([p.start - 1 + p.nonzero[b] for p in obj.layers]).astype(np.int64)
            if obj.layers else np.zeros(0, dtype=np.int64)
            for b in range(n_blocks))
        return cls(frozen_array(starts), frozen_array(col_layer), tuple(frozen_array(c) for c in block_cols))


def _row_maxima(overlaps: np.ndarray, ix: LayerIndex) -> np.ndarray:
    """``(rows, layers)``: each row's largest overlap within each layer's columns."""
    if len(ix.starts) == 0:
        return np.zeros((overlaps.shape[0], 0))
    return np.maximum.reduceat(overlaps, ix.starts, axis=1)


@dataclass(frozen=True, eq=False)
class Objective:
    """Static data: per-block features, term weights and normalisers."""

    k: int
    weights: dict[str, float]
    features: np.ndarray  # (n_blocks, d): pop | layer overlaps | needs (v, v z, v z^2) per indicator
    layers: tuple[LayerPart, ...]
    needs_start: int
    n_indicators: int
    total_pop: float
    n_edges: int
    neighbours: tuple[tuple[int, ...], ...]
    edge_weight: dict[tuple[int, int], int]
    indicator_keys: tuple[str, ...]

    @cached_property
    def layer_index(self) -> LayerIndex:
        """Where each layer's columns are, for evaluating all layers with a few array operations."""
        return LayerIndex.build(self)

    def term_counts(self) -> dict[str, int]:
        return {t: sum(1 for p in self.layers if p.term == t) for t in (*ALIGNMENT_TERMS, "identity")}


def build_objective(geography: Geography, blocks: Blocks, opts: DesignOptions,
                    report_layers: Sequence[str] = ()) -> Objective:
    """Aggregate unit data into block features for the chosen layers and indicators.

    ``report_layers`` are tracked as well (term :data:`REPORT`, weight 0): their containments are read
    with :meth:`Scorer.alignment` (the session layer reports alignment with every layer this way).
    """
    pop = geography.units.population.astype(np.float64)
    nb = blocks.n_blocks
    agg = _aggregator(blocks.unit_block, nb)
    cols: list[np.ndarray] = [agg @ pop[:, None]]
    parts: list[LayerPart] = []
    start = 1
    s = float(opts.split_weight)
    specs = [("health", k, s) for k in opts.health] + [("economic", k, s) for k in opts.economic]
    specs += [("police", k, s) for k in opts.police] + [("identity", k, 1.0) for k in opts.keep_whole_soft]
    specs += [(REPORT, k, s) for k in report_layers]  # weight 0: read through Scorer.alignment only
    for term, key, split_weight in specs:
        layer = geography.layer(key)
        m = agg @ (layer.membership.toarray() * pop[:, None])
        nonzero = tuple(np.flatnonzero(m[i] > 0) for i in range(nb))
        parts.append(LayerPart(term, layer.key, start, start + m.shape[1], float(m.sum()), split_weight, nonzero))
        cols.append(m)
        start += m.shape[1]
    std = standardise(geography, opts.needs_indicators)
    v, z = std.v, std.z
    for arr in (v, v * z, v * z * z):
        cols.append(agg @ arr if arr.shape[1] else np.zeros((nb, 0)))
    return Objective(
        k=opts.areas,
        weights=full_weights(opts),
        features=frozen_array(np.ascontiguousarray(np.hstack(cols))),  # shared by sessions in threads
        layers=tuple(parts),
        needs_start=start,
        n_indicators=v.shape[1],
        total_pop=float(pop.sum()),
        n_edges=max(blocks.n_unit_edges, 1),
        neighbours=blocks.neighbours,
        edge_weight=blocks.edge_weight,
        indicator_keys=std.keys,
    )


def _aggregator(unit_block: np.ndarray, n_blocks: int) -> np.ndarray:
    agg = np.zeros((n_blocks, len(unit_block)))
    agg[unit_block, np.arange(len(unit_block))] = 1.0
    return agg


# -- per-area pieces ------------------------------------------------------------------------------
def _within(obj: Objective, rows: np.ndarray) -> np.ndarray:
    """Per-area within sum of squares, summed over indicators and divided by their number."""
    j, s = obj.n_indicators, obj.needs_start
    if j == 0:
        return np.zeros(len(rows))
    v, s1, s2 = rows[:, s : s + j], rows[:, s + j : s + 2 * j], rows[:, s + 2 * j : s + 3 * j]
    safe = np.where(v > 1e-300, v, 1.0)
    w = np.where(v > 1e-300, s2 - s1 * s1 / safe, 0.0)
    return w.sum(axis=1) / j


def _balance(obj: Objective, pops: np.ndarray) -> np.ndarray:
    return np.abs(pops - obj.total_pop / obj.k)


@dataclass
class Change:
    """An evaluated but not yet applied change: new values for the touched areas/columns and new totals."""

    blocks: list[int]
    targets: list[int]
    areas: np.ndarray
    rows: np.ndarray
    rowmax: np.ndarray  # (touched areas, layers)
    colidx: np.ndarray  # touched layer columns (positions among all layers' columns)
    colmax: np.ndarray  # their new maxima
    rowsum: np.ndarray  # (layers,) running totals of row maxima
    colsum: np.ndarray  # (layers,) and of column maxima
    within: np.ndarray
    within_sum: float
    balance: np.ndarray
    balance_sum: float
    cut: int
    value: float


class Scorer:
    """Mutable per-area sums for one block assignment; ``evaluate`` a change, ``apply`` it if accepted.

    Besides the per-area sums it keeps each layer's row and column maxima and their running totals,
    and the per-area within-variance and balance terms with their totals, so evaluating a change
    costs work proportional to the touched areas and layer columns only.
    """

    def __init__(self, obj: Objective, assignment: np.ndarray) -> None:
        self.obj = obj
        self.assign = np.array(assignment, dtype=np.int64)
        k = obj.k
        self.sums = np.zeros((k, obj.features.shape[1]))
        np.add.at(self.sums, self.assign, obj.features)
        ix = obj.layer_index
        self._ix = ix
        overlaps = self.sums[:, 1 : obj.needs_start]
        self.rowmax = _row_maxima(overlaps, ix)  # (k, layers)
        self.colmax = overlaps.max(axis=0) if k else np.zeros(overlaps.shape[1])  # (layer columns,)
        # totals summed layer by layer over contiguous arrays, exactly as one array per layer would be
        self.rowsum = np.ascontiguousarray(self.rowmax.T).sum(axis=1)
        bounds = [*ix.starts.tolist(), len(self.colmax)]
        self.colsum = np.array([self.colmax[a:b].sum() for a, b in itertools.pairwise(bounds)])
        self.within = _within(obj, self.sums)
        self.within_sum = float(self.within.sum())
        self.balance = _balance(obj, self.sums[:, 0])
        self.balance_sum = float(self.balance.sum())
        self.cut = sum(w for (i, j), w in obj.edge_weight.items() if self.assign[i] != self.assign[j])
        self._counts = obj.term_counts()
        self.evaluations = 0
        self.value = self._value(self.rowsum, self.colsum, self.within_sum, self.cut, self.balance_sum)

    # -- whole-objective formulas -------------------------------------------------------------------
    def _terms(
        self, rowsum: np.ndarray, colsum: np.ndarray, within_sum: float, cut: int, balance_sum: float
    ) -> dict[str, float]:
        obj = self.obj
        out = dict.fromkeys(TERMS, 0.0)
        for p, rs, cs in zip(obj.layers, rowsum, colsum, strict=True):
            if p.total <= 0 or p.term == REPORT:
                continue
            miss = 1.0 - (p.split_weight * cs + (1.0 - p.split_weight) * rs) / p.total
            out[p.term] += miss / self._counts[p.term]
        out["needs"] = within_sum
        out["compact"] = cut / obj.n_edges
        out["balance"] = balance_sum / obj.total_pop
        return out

    def _value(
        self, rowsum: np.ndarray, colsum: np.ndarray, within_sum: float, cut: int, balance_sum: float
    ) -> float:
        t = self._terms(rowsum, colsum, within_sum, cut, balance_sum)
        w = self.obj.weights
        return float(sum(w[k] * v for k, v in t.items()))

    def terms(self) -> dict[str, float]:
        """Unweighted terms of the current assignment."""
        return self._terms(self.rowsum, self.colsum, self.within_sum, self.cut, self.balance_sum)

    def change_terms(self, change: Change) -> dict[str, float]:
        """Unweighted terms after an evaluated (not yet applied) change."""
        return self._terms(change.rowsum, change.colsum, change.within_sum, change.cut, change.balance_sum)

    def alignment(self, change: Change | None = None) -> list[tuple[float, float]]:
        """Per layer part: ``(containment(plan in L), containment(L in plan))`` now, or after ``change``.

        The shares of the population covered by layer ``L`` whose plan area lies mostly in one
        L-area (row maxima) and whose L-area lies mostly in one plan area (column maxima), as
        ``devoplan.metrics.overlap.containment`` computes them from scratch; NaN for a layer covering nobody.
        """
        rows, cols = (self.rowsum, self.colsum) if change is None else (change.rowsum, change.colsum)
        return [(float(r) / p.total, float(c) / p.total) if p.total > 0 else (float("nan"), float("nan"))
                for p, r, c in zip(self.obj.layers, rows, cols, strict=True)]

    @property
    def pops(self) -> np.ndarray:
        return self.sums[:, 0]

    # -- incremental ---------------------------------------------------------------------------------
    def evaluate(self, blocks: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray) -> Change:
        """Value of the objective if ``blocks[i]`` moved to area ``targets[i]`` (nothing changes yet)."""
        obj = self.obj
        self.evaluations += 1
        b = [int(x) for x in blocks]
        t = [int(x) for x in targets]
        old = [int(self.assign[x]) for x in b]
        area_list = sorted(set(old) | set(t))
        areas = np.array(area_list, dtype=np.int64)
        pos = {a: i for i, a in enumerate(area_list)}
        rows = self.sums[areas]
        feats = obj.features
        for x, o, n in zip(b, old, t, strict=True):
            if o != n:
                rows[pos[o]] -= feats[x]
                rows[pos[n]] += feats[x]
        ix = self._ix
        overlaps = rows[:, 1 : obj.needs_start]
        rowmax = _row_maxima(overlaps, ix)
        rowsum = self.rowsum + (rowmax.sum(axis=0) - self.rowmax[areas].sum(axis=0))
        cols = ix.block_cols[b[0]] if len(b) == 1 else np.unique(np.concatenate([ix.block_cols[x] for x in b]))
        col = self.sums[:, 1 + cols]
        col[areas] = overlaps[:, cols]
        colmax = col.max(axis=0)
        layer_of = ix.col_layer[cols]
        n = len(obj.layers)
        colsum = self.colsum + (np.bincount(layer_of, weights=colmax, minlength=n) -
                                np.bincount(layer_of, weights=self.colmax[cols], minlength=n))
        within = _within(obj, rows)
        within_sum = self.within_sum + float(within.sum() - self.within[areas].sum())
        bal = _balance(obj, rows[:, 0])
        balance_sum = self.balance_sum + float(bal.sum() - self.balance[areas].sum())
        cut = self.cut + self._cut_delta(b, t)
        value = self._value(rowsum, colsum, within_sum, cut, balance_sum)
        return Change(b, t, areas, rows, rowmax, cols, colmax, rowsum, colsum, within, within_sum, bal,
                      balance_sum, cut, value)

    def _cut_delta(self, b: list[int], t: list[int]) -> int:
        new = dict(zip(b, t, strict=True))
        delta = 0
        assign = self.assign
        weights = self.obj.edge_weight
        for x, nx_ in new.items():
            ox = int(assign[x])
            for y in self.obj.neighbours[x]:
                if y in new and y < x:
                    continue  # edge between two moved blocks: counted once, from the smaller block
                oy = int(assign[y])
                ny = new.get(y, oy)
                if (nx_ != ny) != (ox != oy):
                    w = weights[(x, y) if x < y else (y, x)]
                    delta += w if nx_ != ny else -w
        return delta

    def apply(self, change: Change) -> None:
        """Make an evaluated change the current state."""
        areas = change.areas
        self.sums[areas] = change.rows
        self.rowmax[areas] = change.rowmax
        self.colmax[change.colidx] = change.colmax
        self.rowsum, self.colsum = change.rowsum, change.colsum
        self.within[areas] = change.within
        self.within_sum = change.within_sum
        self.balance[areas] = change.balance
        self.balance_sum = change.balance_sum
        self.cut = change.cut
        self.assign[change.blocks] = change.targets
        self.value = change.value


def score_assignment(obj: Objective, assignment: np.ndarray) -> tuple[float, dict[str, float]]:
    """From-scratch objective value and unweighted terms of a block assignment."""
    s = Scorer(obj, assignment)
    return s.value, s.terms()
