"""The most areas the blocks can make: a counting argument checked before optimising.

Every area must reach ``min_pop``. Call a block *large* if it reaches ``min_pop`` on its own (a
kept-whole county or combined authority, or a frozen area) and *small* otherwise. An area holding a
large block is one of at most as many areas as there are large blocks. Any other area is a contiguous
set of small blocks on one side of the do-not-cross boundary, so it lies inside one *cluster*: a
connected piece of the graph of small blocks with the boundary's edges removed. Inside a cluster the
areas are disjoint connected sets reaching ``min_pop``, and each contains a smallest such set (no
block can leave it without breaking it or dropping below ``min_pop``), whose population is below
``min_pop`` plus its largest block. So the most areas a cluster can give is the largest number of
disjoint minimal sets: the sets are listed with the ESU listing of ``columns.py`` and packed by a
small MIP (HiGHS, a node cap rather than a clock, so the count is the same on any machine).

``most`` = large blocks + the clusters' counts is an upper bound on the number of areas of any plan
(locks, ``apart`` pairs and ``max_pop`` only lower it); asking for more is refused with these numbers
(``feasibility.check_capacity``). The packing is also a start for the search where construction and
repair find no plan (:func:`packed_start`): large blocks and packed sets as seeds, the other small
blocks joined to a touching seed, then touching areas merged until ``k`` remain.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from devoplan.design.blocks import Blocks
from devoplan.design.columns import enumerate_columns
from devoplan.solver import quiet_highs

# Sets listed per cluster, as 64-block words of bitsets (200,000 sets on England's 103 blocks, 2,500 on a
# 10,000-district geography, where listing more would cost seconds); above it the cluster is bounded by
# its population alone.
MAX_CLUSTER_WORDS = 400_000
MAX_CLUSTER_BLOCKS = 4_096  # larger clusters are bounded by population alone (their sets are far too many)
PACKING_NODES = 10_000  # the packing MIP's node cap (deterministic); its dual bound is used if it stops


@dataclass(frozen=True)
class Cluster:
    """A connected piece of small blocks: the most areas it can make of its own, and a packing
    achieving it (``sets``; empty when bounded by population alone, ``exact`` False)."""

    blocks: tuple[int, ...]
    population: int
    most: int
    exact: bool
    sets: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class Capacity:
    """Large blocks and clusters of small ones at a given ``min_pop``; ``most`` areas at most."""

    min_pop: int
    large: tuple[int, ...]
    clusters: tuple[Cluster, ...]

    @property
    def most(self) -> int:
        return len(self.large) + sum(c.most for c in self.clusters)


def capacity(blocks: Blocks, min_pop: int) -> Capacity:
    """Count the most areas of at least ``min_pop`` people the blocks can make (module docstring)."""
    pop = blocks.population
    large = tuple(b for b in range(blocks.n_blocks) if pop[b] >= min_pop or blocks.frozen[b] is not None)
    small = np.ones(blocks.n_blocks, dtype=bool)
    small[list(large)] = False
    graph = _small_graph(blocks, small)
    clusters = tuple(_cluster(blocks, graph, members, min_pop) for members in _pieces(graph, small))
    return Capacity(int(min_pop), large, clusters)


def _small_graph(blocks: Blocks, small: np.ndarray) -> tuple[tuple[int, ...], ...]:
    """Neighbours among small blocks, without the do-not-cross boundary's edges."""
    return tuple(
        tuple(y for y in blocks.neighbours[x] if small[x] and small[y] and (min(x, y), max(x, y)) not in blocks.fences)
        for x in range(blocks.n_blocks)
    )


def _pieces(graph: tuple[tuple[int, ...], ...], small: np.ndarray) -> list[tuple[int, ...]]:
    seen = ~small
    out = []
    for s in np.flatnonzero(small):
        if seen[s]:
            continue
        seen[s] = True
        piece, stack = [int(s)], [int(s)]
        while stack:
            for y in graph[stack.pop()]:
                if not seen[y]:
                    seen[y] = True
                    piece.append(y)
                    stack.append(y)
        out.append(tuple(sorted(piece)))
    return out


def _cluster(blocks: Blocks, graph: tuple[tuple[int, ...], ...], members: tuple[int, ...], min_pop: int) -> Cluster:
    pop = blocks.population
    total = int(pop[list(members)].sum())
    if total < 2 * min_pop:  # zero or one area: the cluster itself is connected
        return Cluster(members, total, int(total >= min_pop), True, (members,) if total >= min_pop else ())
    if len(members) > MAX_CLUSTER_BLOCKS:
        return Cluster(members, total, total // min_pop, False)
    cap = min_pop + int(pop[list(members)].max()) - 1  # a minimal set is below min_pop + its largest block
    local = _local(blocks, graph, members)
    columns = enumerate_columns(local, min_pop, cap, MAX_CLUSTER_WORDS // -(-len(members) // 64))
    if columns is None:
        return Cluster(members, total, total // min_pop, False)
    listed = columns.membership()
    member = listed[_minimal(columns.words, listed)]
    count, chosen = _pack(member, total // min_pop)
    sets = tuple(tuple(members[int(b)] for b in np.flatnonzero(member[c])) for c in chosen)
    return Cluster(members, total, count, len(chosen) == count, sets if len(chosen) == count else ())


def _local(blocks: Blocks, graph: tuple[tuple[int, ...], ...], members: tuple[int, ...]) -> Blocks:
    """The cluster as blocks of its own (numbered in ``members`` order), without locks, ``apart`` pairs
    or frozen areas: a relaxation, so the count stays an upper bound."""
    index = {b: i for i, b in enumerate(members)}
    n = len(members)
    neighbours = tuple(tuple(index[y] for y in graph[b]) for b in members)
    edges = {(min(i, j), max(i, j)): 1 for i, ns in enumerate(neighbours) for j in ns}
    return Blocks(
        unit_block=np.arange(n), members=tuple(np.array([i]) for i in range(n)),
        population=blocks.population[list(members)], neighbours=neighbours, edge_weight=edges,
        origin=tuple(blocks.origin[b] for b in members), locks=(frozenset(),) * n, frozen=(None,) * n,
        apart=(), apart_codes=(), n_unit_edges=len(edges),
    )


def _minimal(words: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Which listed sets are smallest: none of them minus one block is also listed. (A set holding a
    smaller listed one can shed blocks one at a time down to it, staying connected and in the list,
    so checking one block less is enough.) Packing only these gives the same count with far fewer
    sets (London at 1.5m: 30,835 listed, 7,793 smallest; 0.9 s instead of 6 s)."""
    row, block = np.nonzero(member)
    less = words[row].copy()
    less[np.arange(len(row)), block // 64] ^= np.left_shift(np.uint64(1), (block % 64).astype(np.uint64))
    void = np.dtype((np.void, words.dtype.itemsize * words.shape[1]))
    listed = np.isin(np.ascontiguousarray(less).view(void).ravel(), np.ascontiguousarray(words).view(void).ravel())
    keep = np.ones(len(words), dtype=bool)
    keep[row[listed]] = False
    return keep


def _pack(member: np.ndarray, most: int) -> tuple[int, list[int]]:
    """Most disjoint rows of ``member`` (0/1, sets x blocks), at most ``most`` (the population bound):
    (bound, rows of the best packing found). Greedy first, fewest blocks first: when it reaches
    ``most`` it is optimal and the MIP is not needed (London at 1.5m: 30,000 sets, 5 s of MIP saved)."""
    chosen = _greedy(member)
    if len(chosen) >= most:
        return most, chosen[:most]
    n = member.shape[0]
    # one row per block (at most one set holds it), and a last row: at most ``most`` sets in all, so the
    # MIP stops as soon as it finds that many instead of proving the population bound it already meets
    a = sparse.csc_array(np.vstack([member.T, np.ones((1, n))]).astype(np.float64))
    rows = member.shape[1] + 1
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, rows
    lp.col_cost_ = np.full(n, -1.0)
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.full(rows, -highspy.kHighsInf), np.r_[np.ones(rows - 1), float(most)]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = quiet_highs()
    for option, value in (("threads", 1), ("mip_max_nodes", PACKING_NODES), ("mip_rel_gap", 0.0), ("presolve", "off")):
        h.setOptionValue(option, value)
    h.passModel(lp)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    if h.getInfo().primal_solution_status == 2 and (x > 0.5).sum() > len(chosen):
        chosen = np.flatnonzero(x > 0.5).tolist()
    bound = int(np.floor(-h.getInfo().mip_dual_bound + 1e-6))
    return max(min(bound, most), len(chosen)), chosen


def _greedy(member: np.ndarray) -> list[int]:
    """Disjoint rows taken in order of size (then listing order), each if it clashes with none taken."""
    used = np.zeros(member.shape[1], dtype=bool)
    out = []
    for c in np.argsort(member.sum(axis=1), kind="stable"):
        row = member[c].astype(bool)
        if not (used & row).any():
            used |= row
            out.append(int(c))
    return out


def packed_start(blocks: Blocks, cap: Capacity, k: int, max_pop: int) -> np.ndarray | None:
    """A block assignment of exactly ``k`` contiguous areas within ``cap.min_pop``..``max_pop``, built
    from the packing; None when it does not apply (locks, ``apart`` pairs, a cluster not packed) or
    gets stuck. Deterministic."""
    if any(blocks.locks) or (set(blocks.apart) - blocks.fences) or not all(c.exact for c in cap.clusters):
        return None
    seeds = [(b,) for b in cap.large] + [s for c in cap.clusters for s in c.sets]
    if len(seeds) < k:
        return None
    assign = np.full(blocks.n_blocks, -1, dtype=np.int64)
    for a, seed in enumerate(seeds):
        assign[list(seed)] = a
    pops = np.array([int(blocks.population[list(s)].sum()) for s in seeds], dtype=np.int64)
    if not _attach(blocks, assign, pops, max_pop):
        return None
    return _merge_down(blocks, assign, pops, k, max_pop)


def _joinable(blocks: Blocks, x: int, y: int) -> bool:
    return (min(x, y), max(x, y)) not in blocks.fences and blocks.frozen[x] is None and blocks.frozen[y] is None


def _attach(blocks: Blocks, assign: np.ndarray, pops: np.ndarray, max_pop: int) -> bool:
    """Join every unassigned block to the least populous touching area it fits in (repeat until done)."""
    while (assign < 0).any():
        moved = False
        for x in (int(b) for b in np.flatnonzero(assign < 0)):
            areas = {int(assign[y]) for y in blocks.neighbours[x] if assign[y] >= 0 and _joinable(blocks, x, y)}
            fits = sorted((int(pops[a]), a) for a in areas if pops[a] + blocks.population[x] <= max_pop)
            if fits:
                a = fits[0][1]
                assign[x] = a
                pops[a] += blocks.population[x]
                moved = True
        if not moved:
            return False
    return True


def _merge_down(blocks: Blocks, assign: np.ndarray, pops: np.ndarray, k: int, max_pop: int) -> np.ndarray | None:
    """Merge the least populous pair of touching areas (within ``max_pop``) until ``k`` remain."""
    alive = set(range(len(pops)))
    while len(alive) > k:
        pairs = {(int(min(assign[x], assign[y])), int(max(assign[x], assign[y])))
                 for x, y in blocks.edge_weight if assign[x] != assign[y] and _joinable(blocks, x, y)}
        fits = sorted((int(pops[a] + pops[b]), a, b) for a, b in pairs if pops[a] + pops[b] <= max_pop)
        if not fits:
            return None
        _, a, b = fits[0]
        assign[assign == b] = a
        pops[a] += pops[b]
        alive.discard(b)
    order = {a: i for i, a in enumerate(dict.fromkeys(int(x) for x in assign))}
    return np.array([order[int(x)] for x in assign], dtype=np.int64)
