"""Column generation without a listing, and price-and-branch: a bound and a plan at any scale.

``design/exact.py`` proves optimality by scanning every feasible area; beyond about 8 million
connected sets (England with 20 areas, or without kept-whole layers) that listing is impossible.
Here the pool of areas grows only with areas that improve the restricted master LP:

1. *Heuristic pricing* (cheap, most rounds): from every area the LP uses, a steepest-descent walk
   of one-block changes (add a neighbouring block, drop a block whose loss keeps the area
   contiguous), each step priced exactly by ``column_costs`` (the objective's own per-area costs);
   every area met with a negative reduced cost joins the pool.
2. *Exact pricing* (``design/pricing.py``) when the heuristic finds nothing, and every
   ``EXACT_EVERY`` rounds: a MIP over the blocks for the least reduced cost. Its dual bound ``low``
   gives the Lagrangian bound ``pi.1 + k mu - rho.1 + const + k min(0, low)``, valid for every plan
   of contiguous areas within the bounds, whatever the pool holds (``design/exact.py`` derives it).
   When it finds no negative area the bound equals the LP relaxation of the full model. It prices
   at duals smoothed towards those of the best bound so far (Wentges smoothing, ``_ExactPricing``),
   each side of a do-not-cross boundary on its own, and the bound counts areas per side
   (``side_counts``, ``worst_total``); after each exact pricing a short MIP over the pool updates the
   plan, and generation stops once the bound is within ``STOP_GAP`` of it.
3. *Price and branch*: the set-partitioning MIP over the pool (``exact.run_mip``) gives a plan; the
   search's plan is in the pool, so the result is never worse. The gap is measured to the bound.

This is a heuristic for the plan (branching would need new columns at each node) but the bound is
proven. Deterministic: round, node and column caps stop the work; the wall clock only guards.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from devoplan.design.blocks import Blocks
from devoplan.design.column_costs import ColumnCosts, column_costs, plan_value
from devoplan.design.columns import Columns, _allowed, to_words
from devoplan.design.exact import _Master, run_mip
from devoplan.design.objective import Objective
from devoplan.design.options import DEFAULT_BOUND_SECONDS
from devoplan.design.pricing import PricingModel, sides

MAX_ROUNDS = 400  # master LP solves
EXACT_EVERY = 25  # rounds between exact pricings while the heuristic still finds areas
# heuristic rounds in a row that leave the restricted LP's value where it was before exact pricing is called
# anyway: on a 300-unit grid ten rounds added 4,000 areas at a reduced cost below zero and the LP value did
# not move (degenerate pivots), while the LP grew to 45,000 rows and each solve to 5 s
STALL_ROUNDS = 3
MAX_EXACT = 12  # exact pricings at most (each a MIP per side with a node cap)
SMOOTHING = 0.7  # Wentges smoothing: weight of the best-bound duals in the duals priced at
STOP_GAP = 0.005  # stop generating once the bound is within this share of the best plan
ROUND_MIP_NODES = 200  # a quick price-and-branch MIP after each exact pricing (a better plan shrinks the gap)
DEPTH = 6  # one-block steps per heuristic walk
BATCH = 400  # areas added per round at most, most negative reduced cost first
MIP_NODES = 5_000
# An exact pricing is not started when less than this share of the last one's wall time is left of the
# budget: cut by the time limit, its MIPs prove a weaker bound than the last and find nothing new.
FINISH_SHARE = 0.5
TOL = 1e-9


@dataclass
class ColGenResult:
    """The proven bound, the LP value, the best plan (as block sets) and what it took."""

    lower_bound: float
    lp_value: float
    incumbent: float
    best_value: float
    best_columns: list[int]
    pool_areas: ColumnPool
    rounds: int
    exact_pricings: int
    pool: int
    converged: bool  # the last exact pricing found no area with negative reduced cost
    mip_status: str
    stopped_by: str  # why column generation ended (converged, gap reached, a cap, the wall-clock guard)
    seconds: dict[str, float] = field(default_factory=dict)


class ColumnPool:
    """The areas generated so far, with their costs and layer overlaps from ``column_costs``."""

    def __init__(self, obj: Objective, n_blocks: int) -> None:
        self.obj, self.n = obj, n_blocks
        self.n_words = max(1, -(-n_blocks // 64))
        self.masks: list[int] = []
        self.index: dict[int, int] = {}
        self._cost: list[float] = []
        self._blocks: list[np.ndarray] = []
        self._over: list[list[tuple[np.ndarray, np.ndarray]]] = []
        probe = self.price([1])
        self.alpha, self.const = probe.alpha, probe.const
        self.layer_sizes = probe.layer_sizes
        self._array = np.zeros(0)

    @property
    def cost(self) -> np.ndarray:
        if len(self._array) != len(self._cost):
            self._array = np.array(self._cost)
        return self._array

    @property
    def n_columns(self) -> int:
        return len(self.masks)

    def blocks_of(self, c: int) -> np.ndarray:
        return self._blocks[c]

    def overlap(self, layer: int, c: int) -> tuple[np.ndarray, np.ndarray]:
        return self._over[c][layer]

    def price(self, masks: list[int]) -> ColumnCosts:
        """Costs of these areas (bitmasks over blocks), by the objective's own per-area formula."""
        return column_costs(self.obj, Columns(to_words(masks, self.n_words), self.n, len(masks)))

    def add(self, masks: list[int], priced: ColumnCosts | None = None) -> list[int]:
        """Pool ids of ``masks`` (new ones stored; ``priced`` holds their costs if already computed)."""
        priced = priced if priced is not None else self.price(masks)
        out = []
        for i, m in enumerate(masks):
            if m not in self.index:
                self.index[m] = len(self.masks)
                self.masks.append(m)
                self._cost.append(float(priced.cost[i]))
                self._blocks.append(priced.blocks_of(i).astype(np.int64))
                self._over.append([priced.overlap(li, i) for li in range(len(self.layer_sizes))])
            out.append(self.index[m])
        return out

    def plan_value(self, columns: list[int]) -> float:
        """Objective of the plan made of these pool areas (the same formula as ``ColumnCosts.plan_value``)."""
        return plan_value(self, columns)


class _Neighbourhood:
    """One-block changes of an area that keep it a feasible area (contiguous, within the bounds,
    locks and apart pairs respected, no frozen block)."""

    def __init__(self, blocks: Blocks, lo: float, hi: float) -> None:
        self.blocks, self.lo, self.hi = blocks, lo, hi
        self.pop = blocks.population.astype(np.float64)
        self.free = [blocks.frozen[b] is None for b in range(blocks.n_blocks)]
        self.n_words = max(1, -(-blocks.n_blocks // 64))

    def population(self, mask: int) -> float:
        return float(self.pop[_bits(mask)].sum())

    def additions(self, mask: int) -> list[int]:
        """The area with one neighbouring block more, within the upper bound (the floor not checked)."""
        members = _bits(mask)
        total = float(self.pop[members].sum())
        nbrs = self.blocks.neighbours
        outside = {j for b in members for j in nbrs[b] if not mask >> j & 1 and self.free[j]}
        out = [mask | 1 << j for j in sorted(outside) if total + self.pop[j] <= self.hi]
        if not out:
            return out
        keep = _allowed(to_words(out, self.n_words), self.blocks, self.n_words)
        return [m for m, ok in zip(out, keep.tolist(), strict=True) if ok]

    def variants(self, mask: int) -> list[int]:
        members = _bits(mask)
        if not all(self.free[b] for b in members):
            return []
        total = float(self.pop[members].sum())
        nbrs = self.blocks.neighbours
        out: list[int] = []
        outside = {j for b in members for j in nbrs[b] if not mask >> j & 1 and self.free[j]}
        out.extend(mask | 1 << j for j in sorted(outside) if total + self.pop[j] <= self.hi)
        if len(members) > 1:
            out.extend(mask & ~(1 << b) for b in members
                       if total - self.pop[b] >= self.lo and _connected(nbrs, mask & ~(1 << b)))
        if not out:
            return out
        keep = _allowed(to_words(out, self.n_words), self.blocks, self.n_words)
        return [m for m, ok in zip(out, keep.tolist(), strict=True) if ok]


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _connected(nbrs: tuple[tuple[int, ...], ...], mask: int) -> bool:
    members = _bits(mask)
    seen = {members[0]}
    queue = deque([members[0]])
    while queue:
        b = queue.popleft()
        for j in nbrs[b]:
            if mask >> j & 1 and j not in seen:
                seen.add(j)
                queue.append(j)
    return len(seen) == len(members)


def _mask(members: np.ndarray | list[int]) -> int:
    m = 0
    for b in members:
        m |= 1 << int(b)
    return m


def _descend(
    pool: ColumnPool, hood: _Neighbourhood, seeds: list[int], duals: _Duals
) -> tuple[list[int], ColumnCosts | None]:
    """Steepest-descent walks from ``seeds``; the areas met with negative reduced cost, best first."""
    found: dict[int, float] = {}
    frontier = {m: duals.of_pool(pool, m) for m in seeds}
    for _ in range(DEPTH):
        cands = sorted({v for m in frontier for v in hood.variants(m)} - set(frontier))
        if not cands:
            break
        rc = duals.reduced(pool.price(cands))
        value = dict(zip(cands, rc.tolist(), strict=True))
        found.update((m, r) for m, r in value.items() if r < -TOL and m not in pool.index)
        nxt = {}
        for m, r in frontier.items():
            vs = [v for v in hood.variants(m) if v in value]
            if vs:
                best = min(vs, key=lambda v: (value[v], v))
                if value[best] < r - TOL:
                    nxt[best] = value[best]
        if not nxt:
            break
        frontier = nxt
    chosen = sorted(found, key=lambda m: (found[m], m))[:BATCH]
    return chosen, (pool.price(chosen) if chosen else None)


def _grow(pool: ColumnPool, hood: _Neighbourhood, duals: _Duals) -> list[int]:
    """From every free block, grow an area greedily (the neighbour of least reduced cost first, while
    the area is below the population floor or the cost falls); the feasible ends, for ``_descend``."""
    frontier = {_mask([b]): float(np.inf) for b in range(hood.blocks.n_blocks) if hood.free[b]}
    ends: set[int] = set()
    while frontier:
        moves = {m: hood.additions(m) for m in frontier}
        cands = sorted({v for vs in moves.values() for v in vs})
        value = dict(zip(cands, duals.reduced(pool.price(cands)).tolist(), strict=True)) if cands else {}
        nxt: dict[int, float] = {}
        for m, r in frontier.items():
            vs = moves[m]
            best = min(vs, key=lambda v: (value[v], v)) if vs else None
            below = hood.population(m) < hood.lo
            if best is not None and (below or value[best] < r - TOL):
                nxt[best] = value[best]
            elif not below:
                ends.add(m)
        frontier = nxt
    return sorted(ends)


@dataclass(frozen=True)
class _Duals:
    pi: np.ndarray
    mu: float
    rho: tuple[np.ndarray, ...]

    def value(self, const: float, k: int) -> float:
        """``pi.1 + k mu - rho.1 + const``: the Lagrangian bound before the areas' reduced costs."""
        return float(self.pi.sum() + k * self.mu - sum(float(r.sum()) for r in self.rho)) + const

    def reduced(self, priced: ColumnCosts) -> np.ndarray:
        return priced.reduced_costs(self.pi, self.mu, self.rho)

    def of_pool(self, pool: ColumnPool, mask: int) -> float:
        c = pool.index.get(mask)
        if c is None:
            return float(self.reduced(pool.price([mask]))[0])
        rc = pool.cost[c] - float(self.pi[pool.blocks_of(c)].sum()) - self.mu
        for li, r in enumerate(self.rho):
            idx, vals = pool.overlap(li, c)
            rc -= float(np.maximum(pool.alpha[li] * vals - r[idx], 0.0).sum())
        return float(rc)


def side_counts(
    blocks: Blocks, regions: list[np.ndarray], lo: float, hi: float, k: int
) -> list[tuple[int, int]] | None:
    """Per side, the fewest and most areas a plan can have there: its population over ``hi`` rounded
    up, over ``lo`` rounded down (every area lies in one side and holds ``lo..hi`` people). ``None``
    when that says nothing safe: frozen areas (which need not fit the bounds) or a single side."""
    if len(regions) < 2 or any(f is not None for f in blocks.frozen) or lo <= 0:
        return None
    pop = blocks.population.astype(np.float64)
    out = []
    for region in regions:
        total = float(pop[region].sum())
        out.append((int(np.ceil(total / hi - 1e-9)), int(np.floor(total / lo + 1e-9))))
    if sum(a for a, _ in out) > k or sum(b for _, b in out) < k:
        return None
    return out


def worst_total(lows: list[float], counts: list[tuple[int, int]] | None, k: int) -> float:
    """The least sum of the k areas' reduced costs given a lower bound ``lows[s]`` on the reduced cost of
    any area in side s and the sides' area counts: ``min sum_s k_s min(0, lows[s])`` over counts within
    ``counts`` summing to k (the most areas go to the side with the lowest bound). Without counts:
    ``k min(0, min lows)``, the classic Lagrangian term."""
    neg = [min(0.0, v) for v in lows]
    if counts is None:
        return k * min(neg)
    total = sum(a * v for (a, _), v in zip(counts, neg, strict=True))
    left = k - sum(a for a, _ in counts)
    for s in sorted(range(len(neg)), key=lambda i: (neg[i], i)):
        extra = min(left, counts[s][1] - counts[s][0])
        total += extra * neg[s]
        left -= extra
    return total


class _ExactPricing:
    """Exact pricing rounds with Wentges smoothing, and the best Lagrangian bound they prove.

    The Lagrangian bound ``L(duals) = pi.1 + k mu - rho.1 + const + worst_total(least reduced cost per
    side)`` is valid at *any* duals with ``rho >= 0`` and is concave in them. The LP's own duals jump
    about between rounds (the master is degenerate), so pricing at them gives a poor bound and areas
    that soon stop mattering; each round prices instead at ``alpha center + (1 - alpha) LP duals``,
    the center being the duals of the best bound so far (Wentges 1997). When none of the areas found
    there has a negative reduced cost at the LP's duals (a *mis-price*: the bound still improves), the
    round prices again at the LP's duals, which either gives areas for the LP or proves it optimal."""

    def __init__(self, obj: Objective, blocks: Blocks, lo: float, hi: float, pool: ColumnPool, tol: float) -> None:
        self.obj, self.blocks, self.lo, self.hi, self.pool, self.tol = obj, blocks, lo, hi, pool, tol
        self.regions = sides(blocks)
        self.counts = side_counts(blocks, self.regions, lo, hi, obj.k)
        self.frozen = [b for b in range(blocks.n_blocks) if blocks.frozen[b] is not None]  # areas of their own
        self.pricers: list[PricingModel] = []
        self.center = _Center(None, -np.inf)
        self.count = 0
        self.last_seconds = 0.0  # wall time of the last exact pricing (its MIPs over every side)
        self.skipped = False  # the last call started no pricing: too little time left to finish one

    def run(self, lp: _Duals, deadline: float) -> tuple[list[int], float]:
        """Areas with negative reduced cost at the LP's duals ``lp`` (best first), and the least
        reduced cost bound of the last pricing (at ``lp`` when it ran there)."""
        if not self.pricers:
            self.pricers = [PricingModel(self.obj, self.blocks, self.lo, self.hi, r) for r in self.regions]
        at = lp if self.center.duals is None else _smooth(self.center.duals, lp, SMOOTHING)
        while True:
            started = time.perf_counter()
            self.skipped = deadline - started < FINISH_SHARE * self.last_seconds
            if self.skipped:
                return [], -np.inf
            found = [p.solve(at.pi, at.mu, at.rho, deadline) for p in self.pricers]
            self.last_seconds = time.perf_counter() - started
            self.count += 1
            lows = [f.lower for f in found]
            for b in self.frozen:  # a frozen block is an area of its own, priced directly
                s = next(i for i, r in enumerate(self.regions) if r[b])
                lows[s] = min(lows[s], at.of_pool(self.pool, _mask([b])))
            value = at.value(self.pool.const, self.obj.k) + worst_total(lows, self.counts, self.obj.k)
            if value > self.center.bound:
                self.center = _Center(at, value)
            masks = dict.fromkeys(_mask(list(a)) for f in found for a in (f.blocks, *f.others) if a is not None)
            scored = sorted((lp.of_pool(self.pool, m), m) for m in masks)
            negative = [m for r, m in scored if r < -self.tol]
            if negative or at is lp or self.count >= MAX_EXACT or time.perf_counter() > deadline:
                return negative, min(lows) if at is lp else -np.inf
            at = lp  # a mis-price: price at the LP's own duals


@dataclass(frozen=True)
class _Center:
    duals: _Duals | None
    bound: float


def _smooth(center: _Duals, lp: _Duals, alpha: float) -> _Duals:
    """``alpha center + (1 - alpha) lp``, component by component (``rho`` stays non-negative)."""
    return _Duals(alpha * center.pi + (1 - alpha) * lp.pi, alpha * center.mu + (1 - alpha) * lp.mu,
                  tuple(alpha * c + (1 - alpha) * r for c, r in zip(center.rho, lp.rho, strict=True)))


def generate(
    obj: Objective,
    blocks: Blocks,
    lo: float,
    hi: float,
    areas: list[np.ndarray],
    seconds: float = DEFAULT_BOUND_SECONDS,
    tick: Callable[[str], None] | None = None,
) -> ColGenResult:
    """Bound the objective over every plan and find a plan from generated areas (``areas`` is the
    incumbent plan as block lists). ``seconds`` is the wall-clock budget of the whole run
    (``DesignOptions.bound_seconds``): 80% for generating areas, each pricing MIP's time limit cut to
    what is left, the rest for the last MIP. The round, pricing and node caps stop small problems first;
    on England at 20 areas or without kept-whole layers the budget does."""
    t0 = time.perf_counter()
    deadline = t0 + 0.8 * seconds  # column generation's share of the guard; the last MIP has the rest
    k = obj.k
    pool = ColumnPool(obj, blocks.n_blocks)
    start = pool.add([_mask(a) for a in areas])
    incumbent = pool.plan_value(start)
    scale = incumbent if incumbent > 0 else 1.0
    tol = TOL * scale
    master = _Master(pool, blocks.n_blocks, k, scale)
    master.add(start)
    hood = _Neighbourhood(blocks, lo, hi)
    exact_step = _ExactPricing(obj, blocks, lo, hi, pool, tol)
    bound, lp_value, converged, rounds = 0.0, np.inf, False, 0
    stopped_by = f"{MAX_ROUNDS} rounds"
    best_cols, best_value = start, incumbent
    since_exact = stalled = 0
    for rounds in range(1, MAX_ROUNDS + 1):
        last_lp = lp_value
        lp_value, pi, mu, rho = master.solve()
        stalled = stalled + 1 if lp_value > last_lp - tol else 0
        duals = _Duals(pi, mu, master.split(rho))
        out_of_time = time.perf_counter() > deadline  # a guard only: the caps normally stop first
        seeds = [pool.masks[c] for c in master.support()]
        new, priced = _descend(pool, hood, seeds, duals)
        if not new:  # the walks from the LP's areas are stuck: start from every block
            new, priced = _descend(pool, hood, _grow(pool, hood, duals), duals)
        if new and since_exact < EXACT_EVERY and stalled < STALL_ROUNDS and not out_of_time:
            since_exact += 1
            master.add(pool.add(new, priced))
            if tick is not None:
                tick(f"column generation round {rounds}: {pool.n_columns:,} areas")
            continue
        since_exact = stalled = 0
        found, low = exact_step.run(duals, deadline)
        bound = max(bound, exact_step.center.bound)  # a pricing before a skipped mis-price retry counts
        if exact_step.skipped:
            stopped_by = "wall-clock budget: too little left to finish another exact pricing"
            break
        out_of_time = time.perf_counter() > deadline
        mip = run_mip(pool, blocks.n_blocks, k, np.arange(pool.n_columns), scale, nodes=ROUND_MIP_NODES,
                      seconds=max(5.0, deadline - time.perf_counter()))
        if mip.chosen is not None and pool.plan_value(mip.chosen) < best_value - tol:
            best_cols, best_value = mip.chosen, pool.plan_value(mip.chosen)
        if tick is not None:
            tick(f"exact pricing {exact_step.count}: bound {bound:.6f}, plan {best_value:.6f}, "
                 f"least reduced cost {low:.6f}")
        new = [*found, *[v for v in new if v not in found]]
        if not new and low >= -tol:
            converged, stopped_by = True, "converged: no area has a negative reduced cost"
            break
        if best_value - bound <= STOP_GAP * best_value:
            stopped_by = f"the bound is within {STOP_GAP:.1%} of the plan"
            break
        if out_of_time or not new or exact_step.count >= MAX_EXACT:
            stopped_by = ("wall-clock guard" if out_of_time else "pricing found no area within its node cap"
                          if not new else f"{MAX_EXACT} exact pricings")
            break
        master.add(pool.add(new))
    t_cg = time.perf_counter()
    if tick is not None:
        tick(f"price and branch: MIP over {pool.n_columns:,} areas")
    left = max(seconds - (t_cg - t0), 5.0)
    mip = run_mip(pool, blocks.n_blocks, k, np.arange(pool.n_columns), scale,
                  nodes=MIP_NODES, seconds=left)
    if mip.chosen is not None and pool.plan_value(mip.chosen) < best_value - tol:
        best_cols, best_value = mip.chosen, pool.plan_value(mip.chosen)
    return ColGenResult(
        lower_bound=min(bound, best_value), lp_value=lp_value + pool.const, incumbent=incumbent,
        best_value=best_value, best_columns=best_cols, pool_areas=pool, rounds=rounds,
        exact_pricings=exact_step.count, pool=pool.n_columns, converged=converged, mip_status=mip.status,
        stopped_by=stopped_by,
        seconds={"column_generation": t_cg - t0, "mip": time.perf_counter() - t_cg},
    )
