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

*Closing the gap.* With ``D`` the dual value and ``bound = D + k min(0, min rc)``, a plan using
column c is worth at least ``D + rc_c + (k-1) min(0, min rc) = bound + rc_c - min(0, min rc)``, so a
plan better than the incumbent can only use columns with ``rc_c <= best - bound + min(0, min rc)``.
The MIP over exactly those columns finds the optimum (or proves the incumbent optimal); its dual
bound is then a bound for the whole problem. When a weak incumbent leaves too many such columns, a
heuristic MIP over the most promising ones finds a better incumbent first. Deterministic: an
iteration cap and a node cap stop the work, the wall clock only guards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import highspy
import numpy as np
from scipy import sparse

from devoplan.design.column_costs import ColumnCosts, PricedColumns
from devoplan.solver import quiet_highs

MAX_ITERATIONS = 300  # column generation rounds
BATCH = 300  # columns added per round, most negative reduced cost first
MAX_MIP_COLUMNS = 60_000  # the closing MIP is skipped above this many columns within the gap
HEURISTIC_COLUMNS = 5_000  # when it would be: first a MIP over this many lowest-reduced-cost areas, for a better plan
# The MIPs' work budget is their node cap (deterministic: one thread, same model, same nodes), not the
# clock. HiGHS's presolve is off: on the demo's closing MIP (1,101 areas) it took 97 s of 98 (the solve
# itself 0.3 s), long enough for the wall-clock guard to cut it on a loaded machine and change the plan;
# without it the whole MIP takes 0.3 s with the same optimum (docs/design.md).
MIP_NODES = 20_000
MIP_PRESOLVE = "off"
MIP_SECONDS = 120.0  # guard only: hundreds of times what the MIPs take, so load does not change results
TOL = 1e-9


class PricedAreas(PricedColumns, Protocol):
    """What the master LP and the MIP read of a set of columns: what :func:`plan_value` reads plus each
    column's blocks (``ColumnCosts``: every listed area; ``colgen.ColumnPool``: the areas generated so far)."""

    def blocks_of(self, c: int) -> np.ndarray: ...


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
    """Bound the objective over every plan and close the gap to the incumbent plan where it can.

    Every term is non-negative, so 0 bounds any plan and a plan worth 0 is optimal. HiGHS works on
    the objective divided by the incumbent's value (so its absolute tolerances are relative ones),
    and "proven" means the plan is within ``TOL`` of the bound *relative to its value*."""
    t0 = time.perf_counter()
    incumbent = costs.plan_value(incumbent_columns)
    scale = incumbent if incumbent > 0 else 1.0
    tol = TOL * scale
    lp = _Master(costs, n_blocks, k, scale)
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
        bound = max(float(pi.sum() + k * mu - rho.sum()) + costs.const + k * min(low, 0.0), 0.0)
        if best is None or bound > best[0]:
            best = (bound, rc, low)
        if low >= -tol:
            break
        neg = np.flatnonzero(rc < -tol)
        lp.add(neg[np.argsort(rc[neg], kind="stable")[:BATCH]].tolist())
    assert best is not None
    bound, rc, low = best
    t_cg = time.perf_counter()
    result = ExactResult(
        lower_bound=min(bound, incumbent), lp_bound=lp_value + costs.const, incumbent=incumbent,
        best_value=incumbent, best_columns=list(incumbent_columns), proven_optimal=incumbent - bound <= tol,
        iterations=it, pool=lp.n_pool, gap_columns=0, mip_status="not needed",
    )
    if not result.proven_optimal:
        within = _within_gap(rc, result.best_value, bound, low, tol)
        if len(within) > MAX_MIP_COLUMNS:  # a weak plan leaves too many: find a better one first
            if tick is not None:
                tick(f"heuristic MIP over the {HEURISTIC_COLUMNS:,} most promising areas")
            promising = np.argsort(rc, kind="stable")[:HEURISTIC_COLUMNS]
            pool = np.union1d(np.union1d(promising, sorted(lp.in_pool)), result.best_columns)
            _close(costs, n_blocks, k, pool, result, scale, complete=False)
            within = _within_gap(rc, result.best_value, bound, low, tol)
        result.gap_columns = len(within)
        if result.best_value - bound <= tol:
            result.proven_optimal, result.lower_bound = True, bound
        elif len(within) > MAX_MIP_COLUMNS:
            result.mip_status = f"skipped: {len(within):,} columns within the gap (limit {MAX_MIP_COLUMNS:,})"
        else:
            if tick is not None:
                tick(f"closing MIP over {len(within):,} areas")
            _close(costs, n_blocks, k, within, result, scale, complete=True)
            result.proven_optimal = result.best_value - result.lower_bound <= tol
    result.seconds = {"column_generation": t_cg - t0, "mip": time.perf_counter() - t_cg}
    return result


def _within_gap(rc: np.ndarray, best: float, bound: float, low: float, tol: float) -> np.ndarray:
    """Columns that a plan better than ``best`` could use.

    ``bound = D + k min(0, low)`` with ``D`` the dual value; a plan using column c is worth at least
    ``D + rc_c + (k-1) min(0, low) = bound + rc_c - min(0, low)``, so only columns with
    ``rc_c <= best - bound + min(0, low)`` can be in a better plan."""
    return np.flatnonzero(rc <= best - bound + min(low, 0.0) + tol)


class _Master:
    """The restricted LP over a pool of columns, grown by ``add`` (HiGHS, warm-started)."""

    def __init__(self, costs: PricedAreas, n_blocks: int, k: int, scale: float) -> None:
        self.costs, self.n, self.k, self.scale = costs, n_blocks, k, scale
        sizes = list(costs.layer_sizes)
        self.layer_offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.n_layer_rows = int(self.layer_offsets[-1])
        self.in_pool: set[int] = set()
        self.x_col: dict[int, int] = {}  # pool column -> its x variable in the LP
        h = quiet_highs()
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
        """Add x_c and its z_{plc} (one linking row each) for columns not yet in the pool.

        The model is the same as adding them one by one (columns in the order x_c, then its z's; one
        linking row per z, in that order), but built in two HiGHS calls: one call per row or column cost
        about 0.25 ms, 17 of 74 s of column generation on a 300-unit grid."""
        fresh = [c for c in dict.fromkeys(columns) if c not in self.in_pool]
        if not fresh:
            return
        h = self.h
        first_row, first_col = h.getNumRow(), h.getNumCol()
        cost: list[float] = []
        entries: list[tuple[np.ndarray, np.ndarray]] = []
        links = 0
        for c in fresh:
            self.in_pool.add(c)
            self.x_col[c] = first_col + len(cost)
            links += self._column(c, first_row + links, cost, entries)
        sizes = np.array([len(index) for index, _ in entries])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int32)
        empty = np.zeros(0, dtype=np.int32)
        h.addRows(links, np.full(links, -highspy.kHighsInf), np.zeros(links), 0, empty, empty, np.zeros(0))
        h.addCols(len(cost), np.array(cost), np.zeros(len(cost)), np.full(len(cost), highspy.kHighsInf),
                  int(sizes.sum()), starts, np.concatenate([i for i, _ in entries]).astype(np.int32),
                  np.concatenate([v for _, v in entries]))

    def _column(self, c: int, first_link: int, cost: list[float],
                entries: list[tuple[np.ndarray, np.ndarray]]) -> int:
        """Append x_c and its z's (costs and (row, value) entries); returns how many linking rows they use
        (numbered from ``first_link``): ``z_{plc} <= x_c`` and ``sum_c z_{plc} <= 1`` per layer area."""
        n = self.n
        pairs = [(li, a, v) for li in range(len(self.costs.layer_sizes))
                 for a, v in zip(*(t.tolist() for t in self.costs.overlap(li, c)), strict=True)]
        link = first_link + np.arange(len(pairs))
        blocks = self.costs.blocks_of(c)
        cost.append(float(self.costs.cost[c]) / self.scale)
        entries.append((np.concatenate([blocks, [n], link]),
                        np.concatenate([np.ones(len(blocks) + 1), -np.ones(len(pairs))])))
        for (li, area, overlap), row in zip(pairs, link.tolist(), strict=True):
            cost.append(-float(self.costs.alpha[li]) * overlap / self.scale)
            entries.append((np.array([n + 1 + int(self.layer_offsets[li]) + area, row]), np.array([1.0, 1.0])))
        return len(pairs)

    def support(self) -> list[int]:
        """Pool columns with a positive value in the last LP solution."""
        values = np.asarray(self.h.getSolution().col_value)
        return [c for c, x in self.x_col.items() if values[x] > 1e-9]

    def split(self, rho: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per layer, its slice of the layer-row multipliers."""
        o = self.layer_offsets
        return tuple(rho[o[i] : o[i + 1]] for i in range(len(o) - 1))

    def solve(self) -> tuple[float, np.ndarray, float, np.ndarray]:
        """LP value and duals ``(pi, mu, rho)``, in objective units, with ``rho >= 0`` (clipped: any
        rho >= 0 keeps the bound valid)."""
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"exact model: the restricted LP ended {self.h.modelStatusToString(status)}")
        y = np.asarray(self.h.getSolution().row_dual) * self.scale
        n = self.n
        rho = np.maximum(-y[n + 1 : n + 1 + self.n_layer_rows], 0.0)
        return float(self.h.getInfo().objective_function_value) * self.scale, y[:n], float(y[n]), rho


@dataclass(frozen=True)
class MipOutcome:
    status: str
    infeasible: bool
    chosen: list[int] | None  # columns of the best plan found, if any
    dual: float  # the MIP's dual bound on the (scaled) objective without const


def run_mip(
    costs: PricedAreas, n_blocks: int, k: int, cols: np.ndarray, scale: float,
    nodes: int = MIP_NODES, seconds: float = MIP_SECONDS,
) -> MipOutcome:
    """The set-partitioning MIP over ``cols`` (zero gaps, node cap, wall-clock guard)."""
    h = quiet_highs()
    for option, value in (("output_flag", False), ("threads", 1), ("mip_rel_gap", 0.0), ("mip_abs_gap", 0.0),
                          ("mip_max_nodes", nodes), ("presolve", MIP_PRESOLVE), ("time_limit", seconds)):
        h.setOptionValue(option, value)
    h.passModel(_mip_model(costs, n_blocks, k, cols, scale))
    h.run()
    model_status = h.getModelStatus()
    x = np.asarray(h.getSolution().col_value)
    chosen = None
    if len(x) >= len(cols) and h.getInfo().primal_solution_status == 2:  # a feasible solution exists
        picked = cols[np.flatnonzero(x[: len(cols)] > 0.5)].tolist()
        chosen = picked if len(picked) == k else None
    return MipOutcome(h.modelStatusToString(model_status), model_status == highspy.HighsModelStatus.kInfeasible,
                      chosen, float(h.getInfo().mip_dual_bound))


def _close(
    costs: ColumnCosts, n_blocks: int, k: int, cols: np.ndarray, result: ExactResult, scale: float, complete: bool
) -> None:
    """MIP over ``cols``; update the result's plan, and, when ``cols`` holds every column within the
    gap (``complete``), its bound from the MIP's dual bound (never from its status alone)."""
    out = run_mip(costs, n_blocks, k, cols, scale)
    if complete:
        result.mip_status = out.status
    if out.chosen is not None:
        value = costs.plan_value(out.chosen)
        if value < result.best_value - TOL * scale:
            result.best_value, result.best_columns = value, out.chosen
    if complete and np.isfinite(out.dual):
        result.lower_bound = max(result.lower_bound, min(result.best_value, out.dual * scale + costs.const))


def _mip_model(costs: PricedAreas, n_blocks: int, k: int, cols: np.ndarray, scale: float) -> highspy.HighsLp:
    """The set-partitioning MIP over ``cols`` (x binary, then z continuous), objective divided by ``scale``."""
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
    ]).tocsc()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nc + nz, a.shape[0]
    lp.col_cost_ = np.concatenate([costs.cost[cols], z_cost]) / scale
    lp.col_lower_, lp.col_upper_ = np.zeros(nc + nz), np.ones(nc + nz)
    lp.row_lower_ = np.concatenate([np.ones(n_blocks), [k], np.full(n_layer + nz, -inf)])
    lp.row_upper_ = np.concatenate([np.ones(n_blocks), [k], np.ones(n_layer), np.zeros(nz)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * nc + [highspy.HighsVarType.kContinuous] * nz
    return lp
