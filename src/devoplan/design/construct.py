"""A first plan: overlay the health and economic layers, then merge or split to exactly k areas.

The policy paper drew its 38 areas by overlaying NHS footprints on LEPs and merging the pieces; this
does the same on blocks: blocks sharing their main health area and main economic area (and touching)
form an overlay region; locked, frozen and ``--apart`` blocks start on their own. Regions are merged,
smallest first, into the neighbour they share most layer population with, until k remain (or split
along a balanced spanning-tree edge if there are fewer than k). Population bounds are repaired
afterwards by the search (``search.repair``), which only visits contiguous plans.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np

from devoplan.design.blocks import Blocks
from devoplan.design.objective import LayerPart, Objective
from devoplan.errors import InfeasibleError

Label = tuple[object, ...]


def overlay_labels(blocks: Blocks, obj: Objective) -> list[Label]:
    """The overlay label of every block: (main health area, main economic area), or a constraint tag."""
    apart = {x for pair in blocks.apart if pair not in blocks.fences for x in pair}  # fences: the side below
    firsts: dict[str, LayerPart] = {}
    for p in obj.layers:
        firsts.setdefault(p.term, p)
    labels: list[Label] = []
    for b in range(blocks.n_blocks):
        if blocks.frozen[b] is not None:
            labels.append(("frozen", blocks.frozen[b]))
        elif blocks.lock_of(b) is not None:
            labels.append(("lock", blocks.lock_of(b)))
        elif b in apart:
            labels.append(("apart", b))
        else:
            key = tuple(
                int(np.argmax(obj.features[b, p.start : p.stop])) if p.stop > p.start else -1
                for t, p in sorted(firsts.items()) if t in ("health", "economic")
            )
            side = () if blocks.side is None else (int(blocks.side[b]),)
            labels.append(("overlay", *side, *key))
    return labels


def construct(blocks: Blocks, obj: Objective, k: int, max_pop: int, min_pop: int = 0) -> np.ndarray:
    """A block assignment with exactly k contiguous areas honouring locks, apart and frozen areas."""
    labels = overlay_labels(blocks, obj)
    region = _label_components(blocks, labels)
    _join_locks(blocks, region)
    _check_lock_sizes(blocks, region, max_pop)
    region = _split_disconnected(blocks, region)
    regions = _Regions(blocks, obj, region)
    regions.merge_down(k, max_pop)
    regions.merge_small(min_pop, max_pop)
    regions.split_up(k, min_pop, max_pop)
    return _renumber(regions.region)


def _components(blocks: Blocks, joined: Callable[[int, int], bool]) -> np.ndarray:
    """Label blocks by connected pieces of the block graph, keeping only edges where ``joined(x, y)``."""
    out = -np.ones(blocks.n_blocks, dtype=np.int64)
    nxt = 0
    for s in range(blocks.n_blocks):
        if out[s] >= 0:
            continue
        out[s] = nxt
        stack = [s]
        while stack:
            x = stack.pop()
            for y in blocks.neighbours[x]:
                if out[y] < 0 and joined(x, y):
                    out[y] = nxt
                    stack.append(y)
        nxt += 1
    return out


def _label_components(blocks: Blocks, labels: list[Label]) -> np.ndarray:
    """Connected components of same-label blocks (locked blocks with one name are joined later)."""
    return _components(blocks, lambda x, y: labels[x] == labels[y] and labels[x][0] != "apart")


def _join_locks(blocks: Blocks, region: np.ndarray) -> None:
    """Blocks locked to one name must share an area: join them along shortest free paths."""
    by_name: dict[str, list[int]] = {}
    for b in range(blocks.n_blocks):
        name = blocks.lock_of(b)
        if name is not None:
            by_name.setdefault(name, []).append(b)
    for name, group in sorted(by_name.items()):
        target = int(region[group[0]])
        for b in group[1:]:
            if region[b] == target:
                continue
            path = _free_path(blocks, region, target, b, name)
            for x in path:
                if blocks.lock_of(x) == name:
                    region[region == region[x]] = target
                region[x] = target


def _free_path(blocks: Blocks, region: np.ndarray, target: int, goal: int, name: str) -> list[int]:
    """Lightest path (by population) from region ``target`` to block ``goal`` through unconstrained blocks."""
    pops = blocks.population
    dist: dict[int, int] = {}
    prev: dict[int, int] = {}
    heap = [(0, x, -1) for x in sorted(int(x) for x in np.flatnonzero(region == target))]
    heapq.heapify(heap)
    while heap:
        d, x, p = heapq.heappop(heap)
        if x in dist:
            continue
        dist[x], prev[x] = d, p
        if x == goal:
            break
        for y in blocks.neighbours[x]:
            lock = blocks.lock_of(y)
            if y in dist or blocks.frozen[y] is not None or (lock is not None and lock != name):
                continue
            heapq.heappush(heap, (d + int(pops[y]), y, x))
    if goal not in dist:
        raise InfeasibleError(
            f"the districts locked to area '{name}' cannot be joined into one contiguous area "
            "without crossing a frozen area or an area locked to another name"
        )
    path, x = [], goal
    while x != -1 and region[x] != target:
        path.append(x)
        x = prev[x]
    return path


def _check_lock_sizes(blocks: Blocks, region: np.ndarray, max_pop: int) -> None:
    """After joining, a lock's area holds at least its lightest connecting paths: it must fit max_pop."""
    for b in range(blocks.n_blocks):
        name = blocks.lock_of(b)
        if name is None:
            continue
        pop = int(blocks.population[region == region[b]].sum())
        if pop > max_pop:
            raise InfeasibleError(
                f"the districts locked to area '{name}' only join up through other districts: the lightest "
                f"contiguous area holding them has {pop:,} people, above `max_pop` {max_pop:,}"
            )


def _split_disconnected(blocks: Blocks, region: np.ndarray) -> np.ndarray:
    """Relabel so every region is connected (taking path blocks can cut an overlay region in two)."""
    return _components(blocks, lambda x, y: region[x] == region[y])


def _renumber(region: np.ndarray) -> np.ndarray:
    """Region ids 0..r-1 in order of each region's first block (deterministic)."""
    first: dict[int, int] = {}
    for r in region:
        first.setdefault(int(r), len(first))
    return np.array([first[int(r)] for r in region], dtype=np.int64)


class _Regions:
    """Regions being merged/split during construction."""

    def __init__(self, blocks: Blocks, obj: Objective, region: np.ndarray) -> None:
        self.blocks = blocks
        self.obj = obj
        self.region = region.copy()
        self.layer_cols = np.concatenate(
            [np.arange(p.start, p.stop) for p in obj.layers if p.term in ("health", "economic")]
            or [np.zeros(0, np.int64)]
        ).astype(np.int64)

    def _tag(self, r: int) -> tuple[str | None, str | None, set[int]]:
        members = np.flatnonzero(self.region == r)
        lock = next((self.blocks.lock_of(int(b)) for b in members if self.blocks.lock_of(int(b))), None)
        frozen = next((self.blocks.frozen[int(b)] for b in members if self.blocks.frozen[int(b)]), None)
        return lock, frozen, {int(b) for b in members}

    def _can_merge(self, r: int, s: int) -> bool:
        lr, fr, mr = self._tag(r)
        ls, fs, ms = self._tag(s)
        if fr is not None or fs is not None:
            return False
        if lr is not None and ls is not None and lr != ls:
            return False
        return not any((i in mr and j in ms) or (i in ms and j in mr) for i, j in self.blocks.apart)

    def _adjacent(self, r: int) -> set[int]:
        out: set[int] = set()
        for b in np.flatnonzero(self.region == r):
            out.update(int(self.region[y]) for y in self.blocks.neighbours[int(b)])
        out.discard(r)
        return out

    def merge_down(self, k: int, max_pop: int) -> None:
        """Merge the smallest mergeable region into its best neighbour until k regions remain."""
        pops = self.blocks.population
        while len(np.unique(self.region)) > k:
            ids = np.unique(self.region)
            sizes = {int(r): int(pops[self.region == r].sum()) for r in ids}
            merged = False
            for strict in (True, False):
                heap = [(sizes[r], r) for r in sizes]
                heapq.heapify(heap)
                while heap and not merged:
                    _, r = heapq.heappop(heap)
                    best = self._best_partner(r, sizes, max_pop if strict else None)
                    if best is not None:
                        self.region[self.region == best] = r
                        merged = True
                if merged:
                    break
            if not merged:
                raise InfeasibleError(
                    f"cannot merge {len(ids)} regions down to {k} areas: every remaining merge would join "
                    "areas locked to different names, a frozen area or an `apart` pair"
                )

    def merge_small(self, min_pop: int, max_pop: int) -> None:
        """Merge regions below ``min_pop`` into a neighbour (within ``max_pop``), even below k regions;
        ``split_up`` then divides the largest regions, whose halves are more likely within bounds."""
        pops = self.blocks.population
        while True:
            sizes = {int(r): int(pops[self.region == r].sum()) for r in np.unique(self.region)}
            small = sorted((p, r) for r, p in sizes.items() if p < min_pop)
            merged = False
            for _, r in small:
                best = self._best_partner(r, sizes, max_pop)
                if best is not None:
                    self.region[self.region == best] = r
                    merged = True
                    break
            if not merged:
                return

    def _best_partner(self, r: int, sizes: dict[int, int], max_pop: int | None) -> int | None:
        best: tuple[float, int, int] | None = None
        feats = self.obj.features
        mr = feats[self.region == r][:, self.layer_cols].sum(axis=0)
        for s in sorted(self._adjacent(r)):
            total = sizes[r] + sizes[s]
            if (max_pop is not None and total > max_pop) or not self._can_merge(r, s):
                continue
            ms = feats[self.region == s][:, self.layer_cols].sum(axis=0)
            share = float(np.minimum(mr, ms).sum()) / max(min(sizes[r], sizes[s]), 1)
            key = (-share, total, s)
            if best is None or key < best:
                best = key
        return None if best is None else best[2]

    def split_up(self, k: int, min_pop: int = 0, max_pop: int | None = None) -> None:
        """Split the most populous splittable region along its best tree edge until k regions: the
        edge leaving both sides nearest the population bounds, then the most balanced."""
        pops = self.blocks.population
        while len(np.unique(self.region)) < k:
            ids = sorted(np.unique(self.region), key=lambda r: -int(pops[self.region == r].sum()))
            options = [(half[0], i, half[1]) for i, r in enumerate(ids)
                       if (half := self._balanced_half(int(r), min_pop, max_pop)) is not None]
            if not options:
                raise InfeasibleError(f"cannot split the plan into {k} areas: no region can be divided further")
            part = min(options)[2]  # fewest people outside the bounds, then the most populous region
            self.region[part] = int(self.region.max()) + 1

    def _balanced_half(self, r: int, min_pop: int = 0, max_pop: int | None = None) -> tuple[int, list[int]] | None:
        """The best split of region ``r`` along a BFS tree edge: (people outside the bounds, one side)."""
        members = [int(b) for b in np.flatnonzero(self.region == r)]
        if len(members) < 2 or self.blocks.frozen[members[0]] is not None:
            return None
        inside = set(members)
        parent = {members[0]: -1}
        order = [members[0]]
        for x in order:
            for y in self.blocks.neighbours[x]:
                if y in inside and y not in parent:
                    parent[y] = x
                    order.append(y)
        pops = self.blocks.population
        sub = {x: int(pops[x]) for x in order}
        for x in reversed(order[1:]):
            sub[parent[x]] += sub[x]
        total = sub[members[0]]
        hi = total if max_pop is None else max_pop
        best: tuple[int, int, int] | None = None
        for x in order[1:]:
            side = _subtree(x, parent, order)
            locks = {self.blocks.lock_of(b) for b in side} - {None}
            rest = {self.blocks.lock_of(b) for b in inside - set(side)} - {None}
            if locks and rest:
                continue
            outside = sum(max(min_pop - p, 0) + max(p - hi, 0) for p in (sub[x], total - sub[x]))
            key = (outside, abs(total - 2 * sub[x]), x)
            if best is None or key < best:
                best = key
        return None if best is None else (best[0], _subtree(best[2], parent, order))


def _subtree(root: int, parent: dict[int, int], order: list[int]) -> list[int]:
    out = {root}
    for x in order:
        p = parent[x]
        if p in out:
            out.add(x)
    return sorted(out)


def from_start(blocks: Blocks, unit_assignment: np.ndarray, k: int, population: np.ndarray) -> np.ndarray:
    """Block assignment from a starting plan: each block goes to the area holding most of its people.

    Pieces of an area that end up disconnected at block level are handed to a touching area, so the
    result is contiguous; the repair phase then restores population bounds.
    """
    assign = np.empty(blocks.n_blocks, dtype=np.int64)
    for b, units in enumerate(blocks.members):
        shares = np.bincount(unit_assignment[units], weights=population[units], minlength=k)
        assign[b] = int(np.argmax(shares))
    for _ in range(blocks.n_blocks):
        moved = False
        for a in range(k):
            nodes = [int(b) for b in np.flatnonzero(assign == a)]
            comps = _pieces(blocks, set(nodes))
            for piece in sorted(comps, key=lambda c: (-len(c), min(c)))[1:]:
                nbr = sorted({int(assign[y]) for x in piece for y in blocks.neighbours[x]} - {a})
                if nbr:
                    assign[sorted(piece)] = nbr[0]
                    moved = True
        if not moved:
            break
    empty = sorted(set(range(k)) - {int(a) for a in assign})
    if empty:
        raise InfeasibleError(
            f"the starting plan leaves {len(empty)} area(s) with no whole block once kept-whole areas are "
            "respected; keep fewer layers whole or start from a plan that respects them"
        )
    return assign


def _pieces(blocks: Blocks, nodes: set[int]) -> list[set[int]]:
    out: list[set[int]] = []
    seen: set[int] = set()
    for s in sorted(nodes):
        if s in seen:
            continue
        comp = {s}
        stack = [s]
        while stack:
            x = stack.pop()
            for y in blocks.neighbours[x]:
                if y in nodes and y not in comp:
                    comp.add(y)
                    stack.append(y)
        seen |= comp
        out.append(comp)
    return out
