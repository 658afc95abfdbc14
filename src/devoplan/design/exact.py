"""The exact model: a set partition over every feasible area, solved by column generation and a MIP.

Model (columns ``c`` are the feasible areas of ``design/columns.py``, costs from
``design/column_costs.py``)::

    min  const + sum_c cost_c x_c - sum_{p,l} alpha_p sum_c M_p[c,l] z_{plc}
    s.t. sum_{c holds b} x_c = 1          every block b          (dual pi_b)
         sum_c x_c = k                                          (dual mu)
         sum_c z_{plc} <= 1               every layer area l     (dual -rho_pl, rho >= 0)
         0 <= z_{plc} <= x_c,  x_c in {0, 1}

``z`` picks, for each layer area, the one plan area whose overlap counts as its column maximum;
with ``x`` integral the best choice is the true maximum, so the model is exactly the objective.

*Lower bound.* For any multipliers with ``rho >= 0``, dualising the first three rows gives, for every
plan, ``value >= pi.1 + k mu - rho.1 + const + sum_c rc_c x_c`` where the reduced cost of a column
(with its best ``z``) is ``rc_c = cost_c - pi(c) - mu - sum_l max(0, alpha_p M_p[c,l] - rho_pl)``.
A plan has exactly k areas, so ``value >= pi.1 + k mu - rho.1 + const + k min(0, min_c rc_c)``.
The multipliers come from the LP over a growing pool of columns; pricing scans *every* column, so
the bound holds over all contiguous plans whatever the LP solver's tolerances, and when no column
has negative reduced cost it equals the LP relaxation of the full model.

*Closing the gap.* A plan using column c is worth at least ``bound + rc_c (+ k-1 times a negative
min rc)``, so a plan better than the incumbent can only use columns whose reduced cost is below the
gap. The MIP over exactly those columns finds the optimum (or proves the incumbent optimal); its
dual bound is then a bound for the whole problem. Deterministic: an iteration cap and a node cap
stop the work, the wall clock only guards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from devoplan.design.column_costs import ColumnCosts

MAX_ITERATIONS = 300  # column generation rounds
BATCH = 300  # columns added per round, most negative reduced cost first
MAX_MIP_COLUMNS = 60_000  # the closing MIP is skipped above this many columns within the gap
HEURISTIC_COLUMNS = 5_000  # when it would be: first a MIP over this many lowest-reduced-cost areas, for a better plan
MIP_NODES = 20_000
MIP_SECONDS = 120.0  # guard only
TOL = 1e-9


@dataclass
class ExactResult:
    """What the exact model proved: a bound, and the best plan it found (as column ids)."""

    lower_bound: float
    lp_bound: float
    incumbent: float
    best_value: float
    best_columns: list[int]
    proven_optimal: bool
    iterations: int
    pool: int
    gap_columns: int
    mip_status: str
    seconds: dict[str, float] = field(default_factory=dict)


def solve_exact(
    costs: ColumnCosts,
    n_blocks: int,
    k: int,
    incumbent_columns: list[int],
    tick: Callable[[str], None] | None = None,
) -> ExactResult:
    """Bound the objective over every plan and close the gap to the incumbent plan where it can."""
    t0 = time.perf_counter()
    incumbent = costs.plan_value(incumbent_columns)
    lp = _Master(costs, n_blocks, k)
    lp.add(incumbent_columns)
    best: tuple[float, np.ndarray, float] | None = None  # (bound, reduced costs, min rc) of the best round
    lp_value = -np.inf
    it = 0
    for it in range(1, MAX_ITERATIONS + 1):
        if tick is not None:
            tick(f"column generation round {it}")
        lp_value, pi, mu, rho = lp.solve()
        rc = costs.reduced_costs(pi, mu, lp.split(rho))
        low = float(rc.min())
        bound = float(pi.sum() + k * mu - rho.sum()) + costs.const + k * min(low, 0.0)
        if best is None or bound > best[0]:
            best = (bound, rc, low)
        if low >= -TOL:
            break
        neg = np.flatnonzero(rc < -TOL)
        lp.add(neg[np.argsort(rc[neg], kind="stable")[:BATCH]].tolist())
    assert best is not None
    bound, rc, low = best
    t_cg = time.perf_counter()
    result = ExactResult(
        lower_bound=min(bound, incumbent), lp_bound=lp_value + costs.const, incumbent=incumbent,
        best_value=incumbent, best_columns=list(incumbent_columns), proven_optimal=incumbent - bound <= TOL,
        iterations=it, pool=lp.n_pool, gap_columns=0, mip_status="not needed",
    )
    if not result.proven_optimal:
        within = _within_gap(rc, result.best_value, bound, low, k)
        if len(within) > MAX_MIP_COLUMNS:  # a weak plan leaves too many: find a better one first
            if tick is not None:
                tick(f"heuristic MIP over the {HEURISTIC_COLUMNS:,} most promising areas")
            promising = np.argsort(rc, kind="stable")[:HEURISTIC_COLUMNS]
            pool = np.union1d(np.union1d(promising, sorted(lp.in_pool)), result.best_columns)
            _close(costs, n_blocks, k, pool, result, complete=False)
            within = _within_gap(rc, result.best_value, bound, low, k)
        result.gap_columns = len(within)
        if result.best_value - bound <= TOL:
            result.proven_optimal, result.lower_bound = True, result.best_value
        elif len(within) > MAX_MIP_COLUMNS:
            result.mip_status = f"skipped: {len(within):,} columns within the gap (limit {MAX_MIP_COLUMNS:,})"
        else:
            if tick is not None:
                tick(f"closing MIP over {len(within):,} areas")
            _close(costs, n_blocks, k, within, result, complete=True)
    result.seconds = {"column_generation": t_cg - t0, "mip": time.perf_counter() - t_cg}
    return result


def _within_gap(rc: np.ndarray, best: float, bound: float, low: float, k: int) -> np.ndarray:
    """Columns that a plan better than ``best`` could use: reduced cost below the gap (see the docstring)."""
    return np.flatnonzero(rc <= best - bound - (k - 1) * min(low, 0.0) + TOL)


class _Master:
    """The restricted LP over a pool of columns, grown by ``add`` (HiGHS, warm-started)."""

    def __init__(self, costs: ColumnCosts, n_blocks: int, k: int) -> None:
        self.costs, self.n, self.k = costs, n_blocks, k
        sizes = list(costs.layer_sizes)
        self.layer_offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.n_layer_rows = int(self.layer_offsets[-1])
        self.in_pool: set[int] = set()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        inf = highspy.kHighsInf
        lower = np.concatenate([np.ones(n_blocks), [k], np.full(self.n_layer_rows, -inf)])
        upper = np.concatenate([np.ones(n_blocks), [k], np.ones(self.n_layer_rows)])
        empty = np.zeros(0, dtype=np.int32)
        h.addRows(len(lower), lower, upper, 0, empty, empty, np.zeros(0))
        self.h = h

    @property
    def n_pool(self) -> int:
        return len(self.in_pool)

    def add(self, columns: list[int]) -> None:
        """Add x_c and its z_{plc} (one linking row each) for columns not yet in the pool."""
        h, n, inf = self.h, self.n, highspy.kHighsInf
        for c in columns:
            if c in self.in_pool:
                continue
            self.in_pool.add(c)
            rows = np.concatenate([self.costs.blocks_of(c), [n]]).astype(np.int32)
            h.addCol(float(self.costs.cost[c]), 0.0, inf, len(rows), rows, np.ones(len(rows)))
            x = h.getNumCol() - 1
            for li in range(len(self.costs.layer_sizes)):
                idx, vals = self.costs.overlap(li, c)
                for layer_area, overlap in zip(idx.tolist(), vals.tolist(), strict=True):
                    h.addRow(-inf, 0.0, 1, np.array([x], dtype=np.int32), np.array([-1.0]))
                    link = h.getNumRow() - 1
                    row = n + 1 + int(self.layer_offsets[li]) + layer_area
                    h.addCol(-float(self.costs.alpha[li]) * overlap, 0.0, inf, 2,
                             np.array([row, link], dtype=np.int32), np.array([1.0, 1.0]))

    def split(self, rho: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per layer, its slice of the layer-row multipliers."""
        o = self.layer_offsets
        return tuple(rho[o[i] : o[i + 1]] for i in range(len(o) - 1))

    def solve(self) -> tuple[float, np.ndarray, float, np.ndarray]:
        """LP value and duals ``(pi, mu, rho)`` with ``rho >= 0`` (clipped: any rho >= 0 keeps the bound valid)."""
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"exact model: the restricted LP ended {self.h.modelStatusToString(status)}")
        y = np.asarray(self.h.getSolution().row_dual)
        n = self.n
        rho = np.maximum(-y[n + 1 : n + 1 + self.n_layer_rows], 0.0)
        return float(self.h.getInfo().objective_function_value), y[:n], float(y[n]), rho


def _close(costs: ColumnCosts, n_blocks: int, k: int, cols: np.ndarray, result: ExactResult, complete: bool) -> None:
    """MIP over ``cols``; update the result's plan, and, when ``cols`` holds every column within the
    gap (``complete``), its bound from what the MIP proves."""
    nc = len(cols)
    z_col, z_row, z_cost = [], [], []
    offset = 0
    for li, size in enumerate(costs.layer_sizes):
        for pos, c in enumerate(cols.tolist()):
            idx, vals = costs.overlap(li, c)
            z_col.extend([pos] * len(idx))
            z_row.extend((offset + idx).tolist())
            z_cost.extend((-costs.alpha[li] * vals).tolist())
        offset += size
    nz, n_layer = len(z_col), offset
    member_rows = np.concatenate([costs.blocks_of(c) for c in cols.tolist()]).astype(np.int64)
    member_cols = np.repeat(np.arange(nc), [len(costs.blocks_of(c)) for c in cols.tolist()])
    zr, zc = np.asarray(z_row, dtype=np.int64), np.asarray(z_col, dtype=np.int64)
    a = sparse.vstack([
        sparse.hstack([sparse.csr_array((np.ones(len(member_rows)), (member_rows, member_cols)), shape=(n_blocks, nc)),
                       sparse.csr_array((n_blocks, nz))]),
        sparse.hstack([sparse.csr_array(np.ones((1, nc))), sparse.csr_array((1, nz))]),
        sparse.hstack([sparse.csr_array((n_layer, nc)),
                       sparse.csr_array((np.ones(nz), (zr, np.arange(nz))), shape=(n_layer, nz))]),
        sparse.hstack([sparse.csr_array((-np.ones(nz), (np.arange(nz), zc)), shape=(nz, nc)), sparse.eye_array(nz)]),
    ]).tocsr()
    lower = np.concatenate([np.ones(n_blocks), [k], np.full(n_layer + nz, -np.inf)])
    upper = np.concatenate([np.ones(n_blocks), [k], np.ones(n_layer), np.zeros(nz)])
    res = milp(
        np.concatenate([costs.cost[cols], z_cost]),
        constraints=LinearConstraint(a, lower, upper),
        integrality=np.concatenate([np.ones(nc), np.zeros(nz)]),
        bounds=Bounds(0, 1),
        options={"disp": False, "node_limit": MIP_NODES, "time_limit": MIP_SECONDS, "mip_rel_gap": 0.0},
    )
    if complete:
        result.mip_status = str(res.message)
    if res.x is not None:
        chosen = cols[np.flatnonzero(res.x[:nc] > 0.5)].tolist()
        value = costs.plan_value(chosen)
        if len(chosen) == k and value < result.best_value - TOL:
            result.best_value, result.best_columns = value, chosen
    dual = getattr(res, "mip_dual_bound", None)
    if not complete:
        return
    if res.status == 0:
        result.lower_bound = result.best_value
        result.proven_optimal = True
    elif dual is not None and np.isfinite(dual):
        result.lower_bound = max(result.lower_bound, min(result.best_value, float(dual) + costs.const))
