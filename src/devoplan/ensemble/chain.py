"""The ReCom merge-split Markov chain on the block graph (docs/ensemble.md).

One step, from a valid plan (block assignment):

1. **Proposal.** Pick uniformly at random one *cut edge*: an edge of the block graph whose two blocks
   lie in different areas, among the edges that may be merged (both blocks on the same side of every
   do-not-cross boundary, neither in a frozen area). Its two areas are merged.
2. **Tree.** Draw a random spanning tree of the merged region: the minimum spanning tree under
   independent uniform edge weights (:func:`devoplan.design.search.random_tree`, the design search's
   own), the tree distribution of GerryChain's ReCom.
3. **Cut.** Root the tree, sum populations over every subtree and list the tree edges whose removal
   leaves both sides within ``min_pop..max_pop``; drop those that would put an ``apart`` pair (or two
   differently locked blocks) on one side or a locked group on two sides; take one uniformly at random.
4. If no tree out of ``max_trees`` has such an edge, the chain stays where it is (the step counts).

Both sides of a tree cut are connected, the blocks are whole kept-whole areas, so every plan the chain
visits is contiguous (ferry links are adjacency edges like any other), within the bounds, with every
kept-whole area, ``together`` group and frozen area whole and no area across a do-not-cross boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devoplan.design.blocks import Blocks
from devoplan.design.search import random_tree, subtree

MAX_TREES = 16  # spanning trees drawn per step before the chain stays put


@dataclass(frozen=True, eq=False)
class ChainModel:
    """What the chain needs of the blocks: graph, populations, bounds and the pairs a cut must respect.

    ``edges`` are the block-graph edges ``(i, j)``, ``i < j``; ``mergeable`` marks those a proposal may
    pick. ``apart[b]`` are the blocks that may not share an area with ``b`` (``apart`` codes,
    do-not-cross fences, blocks locked to another area name); ``together[b]`` those that must (locked to
    the same name).
    """

    n_blocks: int
    k: int
    edges: np.ndarray
    mergeable: np.ndarray
    neighbours: tuple[tuple[int, ...], ...]
    population: tuple[int, ...]
    min_pop: int
    max_pop: int
    apart: dict[int, frozenset[int]]
    together: dict[int, frozenset[int]]

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
        together = [(x, y) for g in by_name.values() for x in g for y in g if x != y]
        groups = sorted(by_name.values())
        apart = [*blocks.apart, *((x, y) for i, g in enumerate(groups) for h in groups[i + 1:] for x in g for y in h)]
        return cls(blocks.n_blocks, k, edges, mergeable, blocks.neighbours,
                   tuple(int(p) for p in blocks.population), int(min_pop), int(max_pop),
                   _partners(apart), _partners(together))


def _partners(pairs: list[tuple[int, int]]) -> dict[int, frozenset[int]]:
    out: dict[int, set[int]] = {}
    for x, y in pairs:
        out.setdefault(x, set()).add(y)
        out.setdefault(y, set()).add(x)
    return {x: frozenset(ys) for x, ys in sorted(out.items())}


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
    nodes = np.flatnonzero((assign == a) | (assign == b)).tolist()
    side = _split(model, nodes, rng)
    if side is None:
        stats.no_cut += 1
        return
    if side != {x for x in nodes if assign[x] == a} and side != {x for x in nodes if assign[x] == b}:
        stats.moved += 1  # a new split, not the same one redrawn (whatever the labels)
    for x in nodes:
        assign[x] = a if x in side else b


def _split(model: ChainModel, nodes: list[int], rng: np.random.Generator) -> set[int] | None:
    """A valid two-way split of ``nodes`` (the blocks of the first side) along a random spanning tree."""
    pop = model.population
    total = sum(pop[x] for x in nodes)
    lo, hi = model.min_pop, model.max_pop
    inside = set(nodes)
    for _ in range(MAX_TREES):
        parent, order = random_tree(model.neighbours, nodes, rng)
        below = {x: pop[x] for x in order}  # population of the subtree under x, filled leaves first
        for x in reversed(order[1:]):
            below[parent[x]] += below[x]
        cuts = [x for x in order[1:] if lo <= below[x] <= hi and lo <= total - below[x] <= hi]
        for i in rng.permutation(len(cuts)).tolist():
            side = subtree(cuts[i], parent, order)
            if _respects(model, side, inside):
                return side
    return None


def _respects(model: ChainModel, side: set[int], inside: set[int]) -> bool:
    """No ``apart`` partners on one side, no ``together`` partners on two."""
    for x in inside:
        mine = x in side
        if any(y in inside and (y in side) == mine for y in model.apart.get(x, ())):
            return False
        if any((y in side) != mine for y in model.together.get(x, ())):
            return False
    return True


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
