"""A lower bound on the cut-edge (compact) term that sees the population bounds.

Every area ``S`` of a feasible plan holds between ``min_pop`` and ``max_pop`` people, and the cut
weight of a plan is half the sum of its areas' boundary weights (each cut edge borders two areas).
For each block ``b`` let ``beta(b)`` be the least boundary weight of *any* set of blocks (connected
or not) that contains ``b`` and holds ``min_pop..max_pop`` people; it is a small 0-1 programme
(a knapsack-constrained minimum cut) that HiGHS solves at its root node on England's blocks. An area
containing ``b`` has boundary at least ``beta(b)``, so its boundary is at least the largest
``beta`` among its blocks. If ``c(t)`` areas hold a block with ``beta >= t``, those areas hold all
the people of such blocks, so ``c(t) >= ceil(Pop(beta >= t) / max_pop)``, and every area (non-empty)
has ``c(t) = k`` for ``t <= min beta``. Hence

    cut >= 1/2 * sum_a max_{b in a} beta(b) = 1/2 * integral_0^inf c(t) dt
        >= 1/2 * integral_0^inf max(ceil(Pop(beta >= t) / max_pop), k [t <= min beta]) dt.

Each ``beta(b)`` used is HiGHS's proven dual bound (never above the true minimum), so the bound
stays valid even when a solve stops early. To keep the cost bounded the programme is solved for at
most ``MAX_WORK // n**3`` blocks (the most populous first); the others count with ``beta = 0``,
which keeps the bound valid. One solve's cost grows about as n^3 (measured on one core under load:
0.06 s at England's 109 county blocks, 0.26 s at its 296 districts, 1-2 s on a 289-cell grid, whose
symmetry makes the knapsack cut hard and whose bound came out trivial), so every block is solved
up to 109 blocks (all of England's default blocks: ~7 s), 296 districts get 5 solves (~1 s), and
none is tried beyond 521 blocks, where the 20-node solves cost minutes for a term of about 1% of
the objective. Deterministic: a node limit, not a time limit, stops a solve.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

MAX_WORK = 142_000_000  # blocks solved x (blocks in the graph)^3: every block up to 109 blocks
NODE_LIMIT = 20


def boundary_minima(
    edge_weight: dict[tuple[int, int], int], population: np.ndarray, min_pop: float, max_pop: float
) -> np.ndarray:
    """``beta(b)`` lower bounds per block (0 for blocks not solved, see the module docstring)."""
    n = len(population)
    edges = sorted(edge_weight.items())
    m = len(edges)
    beta = np.zeros(n)
    if n == 0 or m == 0:
        return beta
    # variables: x_0..x_{n-1} (block in S), then y_e >= |x_u - x_v| per edge
    rows, cols, vals = [], [], []
    for e, ((u, v), _) in enumerate(edges):
        rows += [2 * e] * 3 + [2 * e + 1] * 3
        cols += [n + e, u, v, n + e, u, v]
        vals += [1.0, -1.0, 1.0, 1.0, 1.0, -1.0]
    cut_rows = LinearConstraint(sparse.csr_array((vals, (rows, cols)), shape=(2 * m, n + m)), 0.0, np.inf)
    size = LinearConstraint(np.concatenate([population, np.zeros(m)])[None, :], min_pop, max_pop)
    cost = np.concatenate([np.zeros(n), [float(w) for _, w in edges]])
    integrality = np.concatenate([np.ones(n), np.zeros(m)])
    order = sorted(range(n), key=lambda b: (-float(population[b]), b))
    for b in order[: min(n, MAX_WORK // n**3)]:
        lower = np.zeros(n + m)
        lower[b] = 1.0
        upper = np.concatenate([np.ones(n), np.full(m, np.inf)])
        res = milp(cost, constraints=[cut_rows, size], integrality=integrality, bounds=Bounds(lower, upper),
                   options={"node_limit": NODE_LIMIT, "presolve": True})
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            beta[b] = max(float(dual) - 1e-7, 0.0)
        elif res.status == 2:  # infeasible: no set holding b fits the bounds; stay conservative
            beta[b] = 0.0
    return beta


def area_boundary_sum_bound(beta: np.ndarray, population: np.ndarray, k: int, max_pop: float) -> float:
    """``integral_0^inf max(ceil(Pop(beta >= t) / max_pop), k [t <= min beta]) dt`` (see above)."""
    if len(beta) == 0 or max_pop <= 0:
        return 0.0
    levels = np.unique(beta)
    floor = float(beta.min())
    total, prev = 0.0, 0.0
    for t in levels:
        if t <= 0:
            continue
        need = int(np.ceil(float(population[beta >= t].sum()) / max_pop - 1e-9))
        total += max(need, k if t <= floor else 1) * (float(t) - prev)
        prev = float(t)
    return total


def cut_bound(
    edge_weight: dict[tuple[int, int], int], population: np.ndarray, k: int, min_pop: float, max_pop: float
) -> float:
    """A lower bound on the plan's cut weight (same units as ``edge_weight``)."""
    beta = boundary_minima(edge_weight, population, min_pop, max_pop)
    return 0.5 * area_boundary_sum_bound(beta, population, k, max_pop)
