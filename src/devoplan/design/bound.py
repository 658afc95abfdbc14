"""The term-wise relaxation bound on the design objective, and the gap of a plan to it.

The primary evidence of quality is the exact model (``design/prove.py``, ``design/exact.py``), which
on England proves the designed plan optimal. This module is its cheap companion: the per-term
figures reported beside it (``BoundResult.terms``), and the whole bound when a geography has too
many candidate areas for the exact model to list. Because every weight is non-negative,
``min sum_t w_t term_t >= sum_t w_t min term_t``, and every per-term minimum below is taken over a
superset of the feasible plans (contiguity and, except where stated, population bounds dropped;
kept-whole blocks retained). What each piece bounds, exactly:

* ``needs``: the minimum within-area variance of each standardised indicator over all partitions of
  the blocks into at most k groups (no contiguity, no population bounds). For one dimension the
  optimal weighted k-means groups are intervals of the sorted block means, so a dynamic programme
  solves it exactly; the bound is the mean over indicators (each indicator partitioned on its own).
* ``health``/``economic`` (``1 - coterminosity``): for a k x |L| overlap matrix M with total T, the
  row maxima and column maxima together pick a set E of cells plus a matching (cells that are both a
  row and a column maximum), so ``sum row max + sum col max <= T + min(sum of the min(k, |L|) largest
  L-area populations, sum over blocks of their largest L-area overlap)`` (the matched cells are row
  maxima, and an area's row maximum is at most the sum of its blocks' row maxima).
* ``identity`` (soft keep-whole, ``1 - containment(L in plan)``): 0 (no valid positive bound cheaply).
* ``compact``: k non-empty groups of a connected graph leave at least k-1 cut block-edges, so the
  cut is at least the sum of the k-1 lightest block-edge weights; with the population bounds given,
  the larger of that and the least-boundary bound of ``design/cutbound.py`` (every area holds
  ``min_pop..max_pop`` people, so its boundary is at least the least boundary of any such set
  around its blocks; population bounds kept, contiguity dropped).
* ``balance`` (``sum_a |P_a - P/k| / P``): a block bigger than P/k pushes its area above P/k by at
  least the excess, and as the deviations sum to zero the absolute ones are twice the positive ones.

The result says exactly this (``BoundResult.relaxation``). It is deterministic; without the
population-bound cut programme it takes well under a second on England.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from devoplan.design.cutbound import cut_bound
from devoplan.design.objective import Objective

RELAXATION = (
    "sum over terms of weight x a lower bound on that term alone, over all partitions of the kept-whole "
    "blocks into k groups without contiguity (needs: exact 1-D optimum per indicator without population "
    "bounds; coterminosity: matching and block-maximum bound on row+column maxima; compact: k-1 lightest block "
    "edges, or half the least total area boundary given the population bounds (design/cutbound.py); "
    "balance: twice the excess of blocks above P/k; identity: 0)"
)


@dataclass(frozen=True)
class BoundResult:
    """Lower bound on the weighted objective, its per-term parts, and the gap of a plan's value to it."""

    value: float
    terms: dict[str, float]
    relaxation: str
    method: str
    proven_optimal: bool = False
    details: dict[str, object] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per phase: not in to_dict (reproducible files)

    def gap(self, objective: float) -> float:
        """Relative gap ``(objective - bound) / objective`` (0 when the objective is 0, and when the two
        differ only by rounding: the exact model sums per-area costs, the scorer per-term totals)."""
        if objective <= 0 or objective - self.value <= 1e-12 * objective:
            return 0.0
        return (objective - self.value) / objective

    def to_dict(self, objective: float) -> dict[str, object]:
        return {
            "lower_bound": self.value,
            "gap": self.gap(objective),
            "terms": self.terms,
            "relaxation": self.relaxation,
            "method": self.method,
            "proven_optimal": self.proven_optimal,
            "details": self.details,
        }


def lower_bound(obj: Objective, population: np.ndarray, bounds: tuple[float, float] | None = None) -> BoundResult:
    """The term-wise relaxation bound for ``obj`` (``population`` per block); ``bounds`` (min, max
    population per area) let the compact term see them (``design/cutbound.py``)."""
    compact = _compact_bound(obj)
    if bounds is not None and obj.weights["compact"] > 0:  # each area's least boundary (design/cutbound.py)
        compact = max(compact, cut_bound(obj.edge_weight, population, obj.k, *bounds) / obj.n_edges)
    terms = {
        "health": _alignment_bound(obj, "health"),
        "economic": _alignment_bound(obj, "economic"),
        "police": _alignment_bound(obj, "police"),
        "needs": needs_bound(obj),
        "compact": compact,
        "balance": balance_bound(obj, population),
        "identity": 0.0,
    }
    value = float(sum(obj.weights[t] * v for t, v in terms.items()))
    return BoundResult(value, terms, RELAXATION, "closed-form relaxation + exact 1-D dynamic programme")


def _alignment_bound(obj: Objective, term: str) -> float:
    parts = [p for p in obj.layers if p.term == term]
    if not parts:
        return 0.0
    out = 0.0
    for p in parts:
        totals = obj.features[:, p.start : p.stop].sum(axis=0)
        t = float(totals.sum())
        if t <= 0:
            continue
        top = float(np.sort(totals)[::-1][: min(obj.k, len(totals))].sum())
        # a plan area's best L-area holds at most the sum of its blocks' best L-areas
        per_block = float(obj.features[:, p.start : p.stop].max(axis=1).sum())
        s = p.split_weight  # column maxima sum to at most t; row maxima to at most min(top, per_block)
        out += max(0.0, 1.0 - (s * t + (1.0 - s) * min(top, per_block)) / t)
    return out / len(parts)


def _compact_bound(obj: Objective) -> float:
    weights = sorted(obj.edge_weight.values())
    return float(sum(weights[: max(obj.k - 1, 0)])) / obj.n_edges


def balance_bound(obj: Objective, population: np.ndarray) -> float:
    """``sum_a |P_a - P/k| / P >= 2 x (sum of block excesses over P/k) / P``.

    The deviations sum to zero, so the absolute deviations are twice the positive ones; an area
    holding blocks above P/k exceeds P/k by at least the sum of their excesses."""
    mean = obj.total_pop / obj.k
    return 2.0 * float(np.maximum(population - mean, 0).sum()) / obj.total_pop


# Cells of the 1-D k-means cost table held at once (16 MB of float64 per array).
_KMEANS_CELLS = 2_000_000


def needs_bound(obj: Objective) -> float:
    """Mean over indicators of the exact 1-D minimum within-group sum of squares (<= k groups)."""
    j, s = obj.n_indicators, obj.needs_start
    if j == 0:
        return 0.0
    f = obj.features
    total = 0.0
    for c in range(j):
        v, s1, s2 = f[:, s + c], f[:, s + j + c], f[:, s + 2 * j + c]
        keep = v > 1e-300
        v, s1, s2 = v[keep], s1[keep], s2[keep]
        means = s1 / v
        internal = float(np.sum(s2 - s1 * means))
        total += internal + kmeans_1d(means, v, obj.k)
    return total / j


def kmeans_1d(x: np.ndarray, w: np.ndarray, k: int) -> float:
    """Minimum weighted within-group sum of squares of points ``x`` (weights ``w``) in at most k groups.

    Optimal groups are contiguous in sorted order; ``cost(i, j)`` is the cost of one group holding
    sorted points ``i..j-1`` and ``best[g, j]`` the best cost of the first ``j`` points in ``g + 1`` groups.
    Costs are computed a block of columns at a time (all groups for those ``j`` in turn), so memory
    stays near ``_KMEANS_CELLS`` numbers however many points there are (10,000 blocks once took 4.5 GB).
    """
    n = len(x)
    if n == 0 or k >= n:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cx = np.concatenate([[0.0], np.cumsum(w * x)])
    cxx = np.concatenate([[0.0], np.cumsum(w * x * x)])
    best = np.full((k, n + 1), np.inf)  # best[g, j]: first j points in at most g + 1 groups
    width = max(1, _KMEANS_CELLS // n)
    for a in range(1, n + 1, width):
        jj = np.arange(a, min(a + width, n + 1))[None, :]
        i = np.arange(int(jj.max()))[:, None]
        sw = cw[jj] - cw[i]
        sx = cx[jj] - cx[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            cost = np.where((jj > i) & (sw > 0), (cxx[jj] - cxx[i]) - sx * sx / np.where(sw > 0, sw, 1.0), np.inf)
        del sw, sx
        cost = np.maximum(cost, 0.0)  # rounding
        cols = jj[0]
        best[0, cols] = cost[0]
        for g in range(1, k):
            # a last group i..j-1 (i >= 1) after the first i points in at most g groups
            cand = (best[g - 1, 1 : len(i)][:, None] + cost[1:]).min(axis=0) if len(i) > 1 else np.inf
            best[g, cols] = np.minimum(best[g - 1, cols], cand)
    return float(best[k - 1, n])
