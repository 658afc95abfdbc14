"""A valid lower bound on the design objective, and the gap of a plan to it.

The full problem (contiguity, population bounds, locks, on ~100 blocks x 38 areas, with a quadratic
homogeneity term and max-terms for coterminosity) is far out of reach of an exact solver within a
design's time limit, so this module bounds a *relaxation*, term by term. Because every weight is
non-negative, ``min sum_t w_t term_t >= sum_t w_t min term_t``, and every per-term minimum below is
taken over a superset of the feasible plans (contiguity and, except where stated, population bounds
dropped; kept-whole blocks retained). What each piece bounds, exactly:

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

The result says exactly this (``BoundResult.relaxation``). It is deterministic and takes well under
a second on England. When the blocks are few enough that every partition into k groups can be tried
(at most 20,000, e.g. 10 blocks into 3 areas), the bound is instead the exact contiguous optimum by
enumeration, so the gap is exact (``terms`` then still hold the per-term relaxation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devoplan.design.cutbound import cut_bound
from devoplan.design.objective import Objective

EXACT = (
    "exact minimum over every contiguous partition of the blocks into k areas within the population bounds "
    "(locks, --apart and frozen areas not enforced), by enumeration (small cases only)"
)
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

    def gap(self, objective: float) -> float:
        """Relative gap ``(objective - bound) / objective`` (0 when the objective is 0)."""
        return 0.0 if objective <= 0 else max(objective - self.value, 0.0) / objective

    def to_dict(self, objective: float) -> dict[str, object]:
        return {
            "lower_bound": self.value,
            "gap": self.gap(objective),
            "terms": self.terms,
            "relaxation": self.relaxation,
            "method": self.method,
        }


def lower_bound(
    obj: Objective,
    population: np.ndarray,
    neighbours: tuple[tuple[int, ...], ...] | None = None,
    bounds: tuple[float, float] | None = None,
) -> BoundResult:
    """The term-wise relaxation bound for ``obj`` (``population`` per block); with ``neighbours`` and
    ``bounds`` given and few enough blocks, the exact contiguous optimum by enumeration instead."""
    compact = _compact_bound(obj)
    if bounds is not None and obj.weights["compact"] > 0:  # each area's least boundary (design/cutbound.py)
        compact = max(compact, cut_bound(obj.edge_weight, population, obj.k, *bounds) / obj.n_edges)
    terms = {
        "health": _alignment_bound(obj, "health"),
        "economic": _alignment_bound(obj, "economic"),
        "needs": needs_bound(obj),
        "compact": compact,
        "balance": balance_bound(obj, population),
        "identity": 0.0,
    }
    value = float(sum(obj.weights[t] * v for t, v in terms.items()))
    if neighbours is not None and bounds is not None:
        exact = exact_small(obj, neighbours, population, *bounds)
        if exact is not None and exact >= value:
            return BoundResult(exact, terms, EXACT, "exact enumeration")
    return BoundResult(value, terms, RELAXATION, "closed-form relaxation + exact 1-D dynamic programme")


MAX_ENUMERATED = 20_000


def stirling2(n: int, k: int) -> int:
    """Number of ways to partition n items into exactly k non-empty groups."""
    row = [1] + [0] * k
    for i in range(1, n + 1):
        new = [0] * (k + 1)
        for j in range(1, min(i, k) + 1):
            new[j] = j * row[j] + row[j - 1]
        row = new
    return row[k]


def exact_small(
    obj: Objective, neighbours: tuple[tuple[int, ...], ...], population: np.ndarray, min_pop: float, max_pop: float
) -> float | None:
    """Exact minimum over every contiguous partition of the blocks into k areas within the population
    bounds (locks, --apart and frozen areas not enforced, so it is still a lower bound), by enumeration;
    ``None`` when there are more than ``MAX_ENUMERATED`` partitions to try."""
    n, k = len(population), obj.k
    if n == 0 or stirling2(n, k) > MAX_ENUMERATED:
        return None
    from devoplan.design.objective import Scorer

    best = np.inf
    labels = np.zeros(n, dtype=np.int64)

    def contiguous(lab: np.ndarray) -> bool:
        for a in range(k):
            nodes = set(np.flatnonzero(lab == a).tolist())
            start = next(iter(nodes))
            seen, stack = {start}, [start]
            while stack:
                for y in neighbours[stack.pop()]:
                    if y in nodes and y not in seen:
                        seen.add(y)
                        stack.append(y)
            if len(seen) != len(nodes):
                return False
        return True

    def rec(i: int, used: int) -> None:
        nonlocal best
        if n - i < k - used:
            return
        if i == n:
            pops = np.bincount(labels, weights=population, minlength=k)
            if pops.min() >= min_pop and pops.max() <= max_pop and contiguous(labels):
                best = min(best, Scorer(obj, labels).value)
            return
        for a in range(min(used + 1, k)):
            labels[i] = a
            rec(i + 1, max(used, a + 1))

    rec(0, 0)
    return float(best) if np.isfinite(best) else None


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
        out += max(0.0, 1.0 - (t + min(top, per_block)) / (2.0 * t))
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

    Optimal groups are contiguous in sorted order; ``cost[i, j]`` is the cost of one group holding
    sorted points ``i..j`` and ``D[g, j]`` the best cost of the first ``j`` points in ``g`` groups.
    """
    n = len(x)
    if n == 0 or k >= n:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cx = np.concatenate([[0.0], np.cumsum(w * x)])
    cxx = np.concatenate([[0.0], np.cumsum(w * x * x)])
    i = np.arange(n)[:, None]
    jj = np.arange(1, n + 1)[None, :]
    sw = cw[jj] - cw[i]
    sx = cx[jj] - cx[i]
    sxx = cxx[jj] - cxx[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = np.where((jj > i) & (sw > 0), sxx - sx * sx / np.where(sw > 0, sw, 1.0), np.inf)
    cost = np.maximum(cost, 0.0)  # rounding
    best = cost[0].copy()  # one group: points 0..j-1 -> index j-1
    for _ in range(1, k):
        # best_new[j] = min_i best[i-1] + cost[i, j]  (group i..j), i >= 1
        cand = best[:-1, None] + cost[1:, :]
        best = np.minimum(best, cand.min(axis=0))
    return float(best[-1])
