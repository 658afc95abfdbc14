"""The pricing problem of column generation, solved as a MIP instead of by listing every area.

Column generation (``design/colgen.py``) needs, for duals ``(pi, mu, rho)`` of the restricted master,
the feasible area S of least reduced cost (``design/exact.py`` has the model)::

    rc(S) = cost(S) - pi(S) - mu - sum_{p,l} max(0, alpha_p M_p[S, l] - rho_pl)

``design/exact.py`` scans a full listing of the feasible areas; that listing explodes beyond about
8 million connected sets (England without kept-whole layers, or 20 areas). Here the best area is one
MIP over the blocks, so nothing is listed:

* ``x_b`` binary picks the blocks; population ``lo <= sum p_b x_b <= hi``;
* contiguity by a single-commodity flow: one root ``r_b`` (the lowest-numbered block of the area,
  which breaks the symmetry between roots) sends one unit to every other chosen block along arcs
  between chosen blocks (Shirabe 2005's flow formulation for contiguous regions);
* boundary (compactness): ``deg(S) - 2 sum_{e inside} w_e``, with ``y_e <= x_i, x_j`` per block edge;
* balance ``|P_S - P/k|`` by one variable above both signs;
* each column-maximum part ``max(0, alpha M[S,l] - rho_l)``: a binary ``u_l`` (the area counts for
  layer area l) and ``q_lb <= u_l, x_b`` (the product), so the gain is ``sum_b alpha M_bl q_lb - rho_l u_l``,
  with a capacity row ``sum_b pop_b q_lb <= hi u_l`` that stops the LP relaxation from collecting a
  fraction of the gain of a layer area too big for any one area;
* each row maximum (``beta`` times the area's largest overlap with one layer area): a binary choice
  ``v_l`` of one layer area, ``s_lb <= v_l, x_b``;
* locks (all or none of a name's blocks, at most one name), ``--apart`` pairs, frozen blocks (never
  in a priced area: each frozen area is its own column) as linear rows and bounds;
* needs: the within-area variance is not linear; the model uses the sum of the blocks' own
  within-variances, which never exceeds the area's (merging groups adds the between-group part), so
  the MIP's value under-estimates ``rc`` and its dual bound is still a valid lower bound on min rc.
  With the needs weight 0 the model is exact.

Why a MIP and not a combinatorial branch and bound or a Lagrangian scheme: HiGHS is already the
project's solver, a MIP gives a *proven* lower bound on the least reduced cost (its dual bound) even
when stopped early by a node or time cap, and every side constraint (locks, apart, bounds) is one row.
The model is built once; each round only changes the objective coefficients of ``x`` and ``u``.
One model is built per do-not-cross side (``region``; ``sides``), since every area lies in one side.
HiGHS's presolve is off: on England's London side it left the dual bound at -0.027 after 3,000 nodes,
where without it the MIP proves the optimum (-0.0031) in 349 nodes (docs/design.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from devoplan.design.blocks import Blocks
from devoplan.design.column_costs import _layer_weights
from devoplan.design.objective import Objective, _within
from devoplan.errors import InfeasibleError
from devoplan.solver import quiet_highs

NODES = 2_000  # branch-and-bound nodes per pricing MIP (deterministic cap)
SECONDS = 120.0  # wall-clock guard per pricing MIP (the node cap stops it first; England's take 1-20 s)
CUT_ROUNDS = 30  # runs of the separator-row MIP per pricing (each adds rows for a disconnected set)
FLOW_SHARE = 0.05  # the flow model for a side where at least this share of blocks are areas on their own
SYMMETRY_ROWS = 1_500  # root = lowest chosen block, stated up to this many blocks (the rows grow as n^2)
KEEP_IMPROVING = True  # every improving solution of a pricing MIP with a negative reduced cost joins the master


@dataclass(frozen=True)
class Priced:
    """What one pricing MIP found: its best area (blocks), that area's model value and a proven lower
    bound on the least reduced cost over every feasible area (the MIP's dual bound, minus mu)."""

    blocks: tuple[int, ...] | None
    value: float
    lower: float
    status: str
    others: tuple[tuple[int, ...], ...] = ()  # the other improving solutions met on the way with value < 0


def row_weights(obj: Objective) -> np.ndarray:
    """Per layer, the weight of one resident in an area's row maximum (inside ``cost`` in ``column_costs``:
    ``(1 - split weight)`` of the layer's share)."""
    _, beta, _ = _layer_weights(obj, obj.term_counts())
    return beta


class PricingModel:
    """The pricing MIP over ``blocks`` for ``obj``; ``solve(pi, mu, rho)`` per round."""

    def __init__(self, obj: Objective, blocks: Blocks, lo: float, hi: float,
                 region: np.ndarray | None = None, flow: bool | None = None) -> None:
        self.obj, self.n = obj, blocks.n_blocks
        self.alpha, _, _ = _layer_weights(obj, obj.term_counts())
        self.beta = row_weights(obj)
        self.hi = float(hi)
        # the blocks an area may hold here (one do-not-cross side, see ``sides``); the others are fixed to 0
        self.region = np.ones(self.n, dtype=bool) if region is None else np.asarray(region, dtype=bool)
        self.flow = _flow_suits(blocks.population[self.region], lo) if flow is None else flow
        self.neighbours = blocks.neighbours
        b = _Builder(self.n)
        self._structure(b, obj, blocks, lo, hi)
        self.u_cols = b.u_cols
        self.base_cost = np.array(b.cost)
        h = quiet_highs()
        for option, value in (("threads", 1), ("mip_max_nodes", NODES), ("time_limit", SECONDS),
                              ("mip_rel_gap", 1e-6), ("mip_abs_gap", 1e-9), ("random_seed", 0),
                              ("presolve", "off"), ("mip_improving_solution_save", True)):
            h.setOptionValue(option, value)
        h.passModel(b.model())
        self.h = h

    def _structure(self, b: _Builder, obj: Objective, blocks: Blocks, lo: float, hi: float) -> None:
        n, w = self.n, obj.weights
        pop = obj.features[:, 0]
        degree = np.zeros(n)
        for (i, j), ew in obj.edge_weight.items():
            degree[i] += ew
            degree[j] += ew
        within = _within(obj, obj.features) if w["needs"] > 0 else np.zeros(n)
        frozen = [blocks.frozen[i] is not None or len(blocks.locks[i]) > 1 or not self.region[i] for i in range(n)]
        x = [b.col(w["compact"] * 0.5 * degree[i] / obj.n_edges + w["needs"] * within[i], 0.0,
                   0.0 if frozen[i] else 1.0, True) for i in range(n)]
        self.x_cols = x
        if not self.flow:
            self._cut_structure(b, obj, blocks, lo, hi, x, pop)
            return
        r = [b.col(0.0, 0.0, 0.0 if frozen[i] else 1.0, True) for i in range(n)]
        g = [b.col(0.0, 0.0, highspy.kHighsInf, False) for _ in range(n)]
        big = float(_most_blocks(pop[self.region], hi))
        b.row({ri: 1.0 for ri in r}, 1.0, 1.0)
        for i in range(n):
            b.row({r[i]: 1.0, x[i]: -1.0}, -np.inf, 0.0)
            b.row({g[i]: 1.0, r[i]: -big}, -np.inf, 0.0)
            if i > 0 and n <= SYMMETRY_ROWS:  # the root is the lowest-numbered chosen block
                b.row({**{x[j]: 1.0 for j in range(i)}, r[i]: float(i)}, -np.inf, float(i))
        inflow: list[dict[int, float]] = [{g[i]: 1.0, x[i]: -1.0} for i in range(n)]
        for (i, j), ew in obj.edge_weight.items():
            y = b.col(-w["compact"] * ew / obj.n_edges, 0.0, 1.0, False)
            b.row({y: 1.0, x[i]: -1.0}, -np.inf, 0.0)
            b.row({y: 1.0, x[j]: -1.0}, -np.inf, 0.0)
            for s, t in ((i, j), (j, i)):  # flow only into chosen blocks (so none leaves an unchosen one)
                f = b.col(0.0, 0.0, big - 1.0, False)
                b.row({f: 1.0, x[t]: 1.0 - big}, -np.inf, 0.0)
                inflow[t][f] = 1.0
                inflow[s][f] = -1.0
        for i in range(n):
            b.row(inflow[i], 0.0, 0.0)
            if blocks.neighbours[i]:  # a chosen block other than the root has a chosen neighbour
                b.row({x[i]: 1.0, r[i]: -1.0, **{x[j]: -1.0 for j in blocks.neighbours[i]}}, -np.inf, 0.0)
        self._common(b, obj, blocks, lo, hi, x, pop)

    def _cut_structure(self, b: _Builder, obj: Objective, blocks: Blocks, lo: float, hi: float, x: list[int],
                       pop: np.ndarray) -> None:
        """Boundary edges and the rows shared with the flow model, no contiguity rows: separator rows are
        added when a solution is disconnected (``solve``)."""
        w = obj.weights
        for (i, j), ew in obj.edge_weight.items():
            y = b.col(-w["compact"] * ew / obj.n_edges, 0.0, 1.0, False)
            b.row({y: 1.0, x[i]: -1.0}, -np.inf, 0.0)
            b.row({y: 1.0, x[j]: -1.0}, -np.inf, 0.0)
        for i in range(self.n):  # a block too small to be an area alone has a chosen neighbour
            if pop[i] < lo and self.region[i]:
                b.row({x[i]: 1.0, **{x[j]: -1.0 for j in blocks.neighbours[i]}}, -np.inf, 0.0)
        self._common(b, obj, blocks, lo, hi, x, pop)

    def _common(self, b: _Builder, obj: Objective, blocks: Blocks, lo: float, hi: float, x: list[int],
                pop: np.ndarray) -> None:
        """Population, balance, layer gains, locks and apart pairs (both models)."""
        n, w = self.n, obj.weights
        b.row({x[i]: float(pop[i]) for i in range(n)}, float(lo), float(hi))
        d = b.col(w["balance"] / obj.total_pop, 0.0, highspy.kHighsInf, False)
        mean = obj.total_pop / obj.k
        b.row({d: 1.0, **{x[i]: -float(pop[i]) for i in range(n)}}, -mean, np.inf)
        b.row({d: 1.0, **{x[i]: float(pop[i]) for i in range(n)}}, mean, np.inf)
        for li, p in enumerate(obj.layers):
            m = obj.features[:, p.start : p.stop]
            areas = np.flatnonzero(m[self.region].sum(axis=0) > 0)
            if self.alpha[li] > 0:
                for la in areas.tolist():
                    u = b.col(0.0, 0.0, 1.0, True)
                    b.u_cols.append((li, la, u))
                    self._product(b, x, u, m[:, la], self.alpha[li], pop, hi)
            if self.beta[li] > 0:
                vs = []
                for la in areas.tolist():
                    v = b.col(0.0, 0.0, 1.0, True)
                    vs.append(v)
                    self._product(b, x, v, m[:, la], self.beta[li], pop, hi)
                b.row(dict.fromkeys(vs, 1.0), -np.inf, 1.0)
        self._side_rows(b, x, blocks)

    def _product(self, b: _Builder, x: list[int], choice: int, overlap: np.ndarray, weight: float,
                 pop: np.ndarray, hi: float) -> None:
        """Gain ``weight * sum_b overlap_b * x_b * choice`` as ``q_b <= choice, q_b <= x_b``, and the
        capacity row ``sum_b pop_b q_b <= hi * choice``.

        The capacity row is implied by the population bound for 0-1 values (the blocks counted are in
        the area) but not for fractions: without it the LP relaxation takes a fraction of a layer area
        too big for any one area (all of London's 33 boroughs at 0.29 on England at 20 areas) and
        collects that fraction of its whole gain; with it the gain is paid for by ``choice`` in
        proportion to the population it counts."""
        members = [i for i in np.flatnonzero(overlap > 0).tolist() if self.region[i]]
        capacity: dict[int, float] = {}
        for i in members:
            q = b.col(-weight * float(overlap[i]), 0.0, 1.0, False)
            b.row({q: 1.0, choice: -1.0}, -np.inf, 0.0)
            b.row({q: 1.0, x[i]: -1.0}, -np.inf, 0.0)
            capacity[q] = float(pop[i])
        if members and sum(capacity.values()) > hi:
            b.row({**capacity, choice: -float(hi)}, -np.inf, 0.0)

    @staticmethod
    def _side_rows(b: _Builder, x: list[int], blocks: Blocks) -> None:
        """Locks (all or none of a name's blocks, at most one name) and apart pairs."""
        names: dict[str, list[int]] = {}
        for i, locked in enumerate(blocks.locks):
            for name in locked:
                names.setdefault(name, []).append(i)
        heads = []
        for _, members in sorted(names.items()):
            heads.append(x[members[0]])
            for other in members[1:]:
                b.row({x[members[0]]: 1.0, x[other]: -1.0}, 0.0, 0.0)
        if len(heads) > 1:
            b.row(dict.fromkeys(heads, 1.0), -np.inf, 1.0)
        for i, j in blocks.apart:
            b.row({x[i]: 1.0} if i == j else {x[i]: 1.0, x[j]: 1.0}, -np.inf, 0.0 if i == j else 1.0)

    def solve(self, pi: np.ndarray, mu: float, rho: tuple[np.ndarray, ...], deadline: float = np.inf) -> Priced:
        """The least-reduced-cost area under these duals (and a proven lower bound on that cost).

        Without the flow rows the MIP may choose a disconnected set: then a separator row per pair of
        its pieces is added (kept for every later round: they hold whatever the duals) and it runs
        again, at most ``CUT_ROUNDS`` times. Every run is a relaxation, so each dual bound is valid
        and the best is kept. ``deadline`` (``time.perf_counter()``) is a wall-clock guard: each run's
        time limit is cut to what is left, and no run starts after it."""
        cost = self.base_cost.copy()
        cost[self.x_cols] -= pi
        for li, la, u in self.u_cols:
            cost[u] = float(rho[li][la])
        self.h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        lower, chosen, value, name = -np.inf, None, np.inf, ""
        others: dict[tuple[int, ...], None] = {}
        for _ in range(1 if self.flow else CUT_ROUNDS):
            left = deadline - time.perf_counter()
            if left <= 0 and lower > -np.inf:
                break
            self.h.setOptionValue("time_limit", float(max(1.0, min(SECONDS, left))))
            name, run_lower, chosen, value = self._run(mu)
            if KEEP_IMPROVING:
                others.update(dict.fromkeys(self._improving(mu)))
            lower = max(lower, run_lower)
            pieces = [] if chosen is None else _pieces(self.neighbours, chosen)
            if len(pieces) <= 1:
                break
            self._separate(pieces)
            chosen, value = None, np.inf
        if chosen is not None and name == "Optimal":
            lower = min(lower, value)
        if chosen is not None:
            others.pop(chosen, None)
        return Priced(chosen, value, lower, name, tuple(others))

    def _improving(self, mu: float) -> list[tuple[int, ...]]:
        """The connected areas among the improving solutions HiGHS met in the last run with a negative
        value (reduced cost at these duals): more areas per MIP for the master, at no extra solve
        (HiGHS's ``mip_improving_solution_save``; a callback did the same but slowed HiGHS down)."""
        out = []
        for sol in self.h.getSavedMipSolutions():
            if float(sol.objective) - mu >= 0:
                continue
            area = tuple(np.flatnonzero(np.asarray(sol.col_value)[self.x_cols] > 0.5).tolist())
            if area and len(_pieces(self.neighbours, area)) == 1:
                out.append(area)
        return out

    def _run(self, mu: float) -> tuple[str, float, tuple[int, ...] | None, float]:
        """One MIP run: its status, dual bound, chosen blocks and value (reduced costs, ``mu`` taken off)."""
        h = self.h
        h.run()
        status = h.getModelStatus()
        name = h.modelStatusToString(status)
        if status == highspy.HighsModelStatus.kInfeasible:
            raise InfeasibleError(
                "no contiguous area of blocks fits the population bounds, the locks and the apart pairs")
        ok = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit,
              highspy.HighsModelStatus.kSolutionLimit, highspy.HighsModelStatus.kInterrupt)
        if status not in ok and "node" not in name.lower():
            raise RuntimeError(f"pricing MIP ended {name}")
        info = h.getInfo()
        lower = float(info.mip_dual_bound) - mu
        if info.primal_solution_status != 2:
            return name, lower, None, np.inf
        xs = np.asarray(h.getSolution().col_value)[self.x_cols]
        value = float(info.objective_function_value) - mu
        if status == highspy.HighsModelStatus.kOptimal:
            lower = min(lower, value)
        return name, lower, tuple(np.flatnonzero(xs > 0.5).tolist()), value

    def _separate(self, pieces: list[list[int]]) -> None:
        """For pieces A and B of a chosen set, ``x_a + x_b - sum_{s in S} x_s <= 1`` with S the blocks
        next to A that separate it from B (minimal: only those a path from B can reach): a contiguous
        area holding a and b holds a block of S (the a-b separator inequalities of Fischetti et al.
        2017, used for districting by Validi, Buchanan and Lykhovyd 2022)."""
        inf = highspy.kHighsInf
        for i, here in enumerate(pieces):
            for j, there in enumerate(pieces):
                if i != j:
                    sep = _separator(self.neighbours, self.region, here, there[0])
                    coefs = {self.x_cols[here[0]]: 1.0, self.x_cols[there[0]]: 1.0}
                    coefs.update((self.x_cols[v], -1.0) for v in sep)
                    idx = np.array(list(coefs), dtype=np.int32)
                    self.h.addRow(-inf, 1.0, len(idx), idx, np.array(list(coefs.values())))


def _flow_suits(pop: np.ndarray, lo: float) -> bool:
    """Whether the flow model suits a side better than separator rows: where at least ``FLOW_SHARE`` of
    its blocks are areas on their own (England's counties at 20 areas: flow 27 s, separator rows 229 s
    on the same duals) rather than fine-grained (London's boroughs: 8.4 s against 1.9 s; England's 263
    districts outside London: 120 s without finishing against 50 s). Measured, docs/design.md."""
    return bool(len(pop)) and float((pop >= lo).mean()) >= FLOW_SHARE


def _pieces(neighbours: tuple[tuple[int, ...], ...], chosen: tuple[int, ...]) -> list[list[int]]:
    """The connected pieces of a set of blocks, each sorted, in order of their lowest block."""
    left = set(chosen)
    out = []
    while left:
        start = min(left)
        seen, stack = {start}, [start]
        while stack:
            for j in neighbours[stack.pop()]:
                if j in left and j not in seen:
                    seen.add(j)
                    stack.append(j)
        out.append(sorted(seen))
        left -= seen
    return out


def _separator(neighbours: tuple[tuple[int, ...], ...], region: np.ndarray, piece: list[int], target: int) -> list[int]:
    """The blocks next to ``piece`` that a path from ``target`` (avoiding the piece and them) reaches,
    within ``region``: every path from ``target`` to the piece inside the region meets one of them."""
    inside = set(piece)
    border = {j for v in piece for j in neighbours[v] if j not in inside and region[j]}
    seen, stack = {target}, [target]
    while stack:
        for j in neighbours[stack.pop()]:
            if j not in seen and j not in border and j not in inside and region[j]:
                seen.add(j)
                stack.append(j)
    return sorted(j for j in border if any(t in seen for t in neighbours[j]))


def sides(blocks: Blocks) -> list[np.ndarray]:
    """Per do-not-cross side (``Blocks.side``), the mask of its blocks; one mask of every block when
    there is no fence. Every area lies in one side: it is contiguous, and every edge between two sides
    is a fence (an apart pair), so each side is priced on its own."""
    if blocks.side is None or not blocks.fences:
        return [np.ones(blocks.n_blocks, dtype=bool)]
    side = np.asarray(blocks.side)
    return [side == s for s in np.unique(side).tolist()]


def _most_blocks(pop: np.ndarray, hi: float) -> int:
    """The most blocks one area within ``hi`` residents can hold (the smallest blocks first)."""
    return max(1, int(np.searchsorted(np.cumsum(np.sort(pop)), hi, side="right")))


class _Builder:
    """Columns and rows of a MIP, collected as lists and passed to HiGHS once."""

    def __init__(self, n: int) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.rows: list[dict[int, float]] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []
        self.u_cols: list[tuple[int, int, int]] = []

    def col(self, cost: float, lo: float, hi: float, integer: bool) -> int:
        self.cost.append(float(cost))
        self.lower.append(lo)
        self.upper.append(hi)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, coefs: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append(coefs)
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def model(self) -> highspy.HighsLp:
        inf = highspy.kHighsInf
        ri = np.repeat(np.arange(len(self.rows)), [len(r) for r in self.rows])
        ci = np.array([c for r in self.rows for c in r], dtype=np.int64)
        vals = np.array([v for r in self.rows for v in r.values()], dtype=np.float64)
        a = sparse.csc_array((vals, (ri, ci)), shape=(len(self.rows), len(self.cost)))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.cost), len(self.rows)
        lp.col_cost_ = np.array(self.cost)
        lp.col_lower_ = np.array(self.lower)
        lp.col_upper_ = np.clip(np.array(self.upper), -inf, inf)
        lp.row_lower_ = np.clip(np.array(self.row_lo), -inf, inf)
        lp.row_upper_ = np.clip(np.array(self.row_hi), -inf, inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(np.float64)
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in self.integer]
        return lp
