"""The ReCom merge-split Markov chain on the block graph (docs/ensemble.md).

One step, from a valid plan (block assignment):

1. **Proposal.** Pick uniformly at random one *cut edge*: an edge of the block graph whose two blocks
   lie in different areas, among the edges that may be merged (both blocks on the same side of every
   do-not-cross boundary, neither in a frozen area). Its two areas are merged.
2. **Tree.** Draw a random spanning tree of the merged region: the minimum spanning tree under
   independent uniform edge weights (``scipy.sparse.csgraph.minimum_spanning_tree``), the tree
   distribution of GerryChain's ReCom.
3. **Cut.** Root the tree, sum populations over every subtree (``depth_first_order``: a subtree is a
   contiguous run of the preorder) and list the tree edges whose removal leaves both sides within
   ``min_pop..max_pop``; drop those that would put an ``apart`` pair (or two differently locked
   blocks) on one side or a locked group on two sides; take one uniformly at random.
4. If no tree out of ``max_trees`` has such an edge, the chain stays where it is (the step counts).

Both sides of a tree cut are connected, the blocks are whole kept-whole areas, so every plan the chain
visits is contiguous (ferry links are adjacency edges like any other), within the bounds, with every
kept-whole area, ``together`` group and frozen area whole and no area across a do-not-cross boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import depth_first_order, minimum_spanning_tree

from devoplan.design.blocks import Blocks

MAX_TREES = 16  # spanning trees drawn per step before the chain stays put


@dataclass(frozen=True, eq=False)
class ChainModel:
    """What the chain needs of the blocks: graph, populations, bounds and the pairs a cut must respect.

    ``edges`` are the block-graph edges ``(i, j)``, ``i < j``; ``mergeable`` marks those a proposal may
    pick. ``apart`` pairs must end in different areas (``apart`` codes, do-not-cross fences and blocks
    locked to different area names); ``together`` pairs in the same one (blocks locked to one name).
    """

    n_blocks: int
    k: int
    edges: np.ndarray
    mergeable: np.ndarray
    population: np.ndarray
    min_pop: int
    max_pop: int
    apart: np.ndarray
    together: np.ndarray

    @classmethod
    def build(cls, blocks: Blocks, k: int, min_pop: int, max_pop: int) -> ChainModel:
        edges = np.array(sorted(blocks.edge_weight), dtype=np.int64).reshape(-1, 2)
        frozen = np.array([f is not None for f in blocks.frozen], dtype=bool)
        same_side = np.ones(len(edges), dtype=bool)
        if blocks.side is not None and len(edges):
            same_side = blocks.side[edges[:, 0]] == blocks.side[edges[:, 1]]
        mergeable = same_side & ~frozen[edges[:, 0]] & ~frozen[edges[:, 1]] if len(edges) else same_side
        by_name: dict[str, list[int]] = {}
        for b in range(blocks.n_blocks):
            name = blocks.lock_of(b)
            if name is not None:
                by_name.setdefault(name, []).append(b)
        together = [(g[i], g[i + 1]) for g in by_name.values() for i in range(len(g) - 1)]
        firsts = [g[0] for _, g in sorted(by_name.items())]
        apart = set(blocks.apart) | {(min(a, b), max(a, b)) for i, a in enumerate(firsts) for b in firsts[i + 1:]}
        return cls(blocks.n_blocks, k, edges, mergeable, blocks.population.astype(np.int64), int(min_pop),
                   int(max_pop), _pairs(sorted(apart)), _pairs(together))


def _pairs(pairs: list[tuple[int, int]]) -> np.ndarray:
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


@dataclass
class ChainStats:
    """Steps taken and how many changed the plan (the rest: same split redrawn, or no valid cut)."""

    steps: int = 0
    moved: int = 0
    no_cut: int = 0


def recom_step(model: ChainModel, assign: np.ndarray, rng: np.random.Generator, stats: ChainStats) -> None:
    """One ReCom step on ``assign`` (changed in place); see the module docstring."""
    stats.steps += 1
    e0, e1 = model.edges[:, 0], model.edges[:, 1]
    cut = np.flatnonzero(model.mergeable & (assign[e0] != assign[e1]))
    if len(cut) == 0:
        stats.no_cut += 1
        return
    e = int(cut[rng.integers(len(cut))])
    a, b = int(assign[e0[e]]), int(assign[e1[e]])
    nodes = np.flatnonzero((assign == a) | (assign == b))
    side = _split(model, nodes, rng)
    if side is None:
        stats.no_cut += 1
        return
    was = assign[nodes] == a
    if not (np.array_equal(side, was) or np.array_equal(side, ~was)):
        stats.moved += 1  # a new split, not the same one redrawn (whatever the labels)
    assign[nodes] = np.where(side, a, b)


def _split(model: ChainModel, nodes: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """A valid two-way split of ``nodes`` (True = first side) along a random spanning tree, or None."""
    n = len(nodes)
    local = np.full(model.n_blocks, -1, dtype=np.int64)
    local[nodes] = np.arange(n)
    inside = (local[model.edges[:, 0]] >= 0) & (local[model.edges[:, 1]] >= 0)
    rows, cols = local[model.edges[inside, 0]], local[model.edges[inside, 1]]
    apart = _local_pairs(model.apart, local)
    together = _local_pairs(model.together, local)
    pop = model.population[nodes]
    total = int(pop.sum())
    lo, hi = model.min_pop, model.max_pop
    for _ in range(MAX_TREES):
        weights = sparse.csr_array((rng.random(len(rows)) + 1e-9, (rows, cols)), shape=(n, n))
        tree = minimum_spanning_tree(weights)
        order, pred = depth_first_order(tree, 0, directed=False, return_predecessors=True)
        below = pop[order].copy()  # population of the subtree of order[i], filled leaves first
        size = np.ones(n, dtype=np.int64)
        where = np.empty(n, dtype=np.int64)
        where[order] = np.arange(n)
        for i in range(n - 1, 0, -1):
            parent = where[pred[order[i]]]
            below[parent] += below[i]
            size[parent] += size[i]
        ok = (below >= lo) & (below <= hi) & (total - below >= lo) & (total - below <= hi)
        ok[0] = False  # the root's "subtree" is everything
        for i in rng.permutation(np.flatnonzero(ok)):
            first = np.zeros(n, dtype=bool)
            first[order[i : i + size[i]]] = True
            if _respects(first, apart, together):
                return first
    return None


def _local_pairs(pairs: np.ndarray, local: np.ndarray) -> np.ndarray:
    mapped = local[pairs]
    return mapped[(mapped[:, 0] >= 0) & (mapped[:, 1] >= 0)]


def _respects(first: np.ndarray, apart: np.ndarray, together: np.ndarray) -> bool:
    return bool(np.all(first[apart[:, 0]] != first[apart[:, 1]]) and
                np.all(first[together[:, 0]] == first[together[:, 1]]))


def run_chain(model: ChainModel, start: np.ndarray, plans: int, rng: np.random.Generator, *,
              burn_in: int = 0, thin: int = 1) -> tuple[np.ndarray, ChainStats]:
    """``plans`` block assignments ``(plans, n_blocks)``: after ``burn_in`` steps, every ``thin``-th step."""
    assign = np.array(start, dtype=np.int64)
    stats = ChainStats()
    out = np.empty((plans, model.n_blocks), dtype=np.int64)
    for _ in range(burn_in):
        recom_step(model, assign, rng, stats)
    for p in range(plans):
        for _ in range(thin):
            recom_step(model, assign, rng, stats)
        out[p] = assign
    return out, stats
