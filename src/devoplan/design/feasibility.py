"""Checks before optimising: refuse impossible requests with the numbers that make them impossible.

Each check raises :class:`~devoplan.errors.InfeasibleError` with one line a negotiator can act on
(which block, how many people, which bound). Passing every check does not prove a plan exists
(that is NP-hard in general) but catches every impossibility we can state simply; the constructor
raises its own InfeasibleError if it still cannot find a plan.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from devoplan.design.blocks import Blocks
from devoplan.design.capacity import Capacity, Cluster, capacity
from devoplan.errors import InfeasibleError


def check_feasible(blocks: Blocks, k: int, min_pop: int, max_pop: int) -> Capacity:
    """Run every check in turn; the first failure raises. Returns the count of the most areas possible
    (``capacity``), which also seeds a start where construction fails."""
    check_counts(blocks, k)
    check_total(blocks, k, min_pop, max_pop)
    check_block_sizes(blocks, max_pop)
    check_connected(blocks)
    check_locks(blocks, k, max_pop)
    check_apart(blocks)
    check_frozen(blocks, min_pop, max_pop)
    check_sides(blocks, k, min_pop, max_pop)
    return check_capacity(blocks, k, min_pop)


def check_capacity(blocks: Blocks, k: int, min_pop: int) -> Capacity:
    """Refuse ``k`` above the most areas that can reach ``min_pop`` (the counting argument of
    ``design/capacity.py``), naming the large blocks and what each cluster of small ones can make."""
    cap = capacity(blocks, min_pop)
    if k <= cap.most:
        return cap
    small = sum(len(c.blocks) for c in cap.clusters)
    made = [c for c in sorted(cap.clusters, key=lambda c: (-c.most, -c.population)) if c.most]
    shown = "; ".join(_cluster_text(blocks, c) for c in made[:6]) + (f"; {len(made) - 6} more" if len(made) > 6 else "")
    raise InfeasibleError(
        f"{k} areas of at least `min_pop` {min_pop:,} people cannot be drawn: at most {cap.most} can. "
        f"{len(cap.large)} blocks that stay whole reach {min_pop:,} on their own, and an area holding one or more "
        f"of them is one of at most {len(cap.large)} areas; every other area is a contiguous group of the "
        f"{small} smaller blocks on one side of the do-not-cross boundary, and those make at most "
        f"{cap.most - len(cap.large)} areas of {min_pop:,} or more: {shown or 'none'}. "
        f"Ask for at most {cap.most} areas or lower `min_pop`."
    )


def _cluster_text(blocks: Blocks, cluster: Cluster) -> str:
    members = list(cluster.blocks)
    biggest = members[int(np.argmax(blocks.population[members]))]
    side = blocks.side_names.get(int(blocks.side[biggest]), "") if blocks.side is not None else ""
    where = f"in {side}" if side and not side.startswith("outside") else f"around {blocks.origin[biggest]}"
    how = "" if cluster.exact else ", by population alone"
    return f"{cluster.most} from the {len(members)} blocks {where} ({cluster.population:,} people{how})"


def check_counts(blocks: Blocks, k: int) -> None:
    if k > blocks.n_blocks:
        raise InfeasibleError(
            f"{k} areas requested but only {blocks.n_blocks} blocks are available once kept-whole areas, "
            "together groups and frozen areas are contracted; ask for fewer areas or keep fewer layers whole"
        )


def check_total(blocks: Blocks, k: int, min_pop: int, max_pop: int) -> None:
    total = int(blocks.population.sum())
    if total < k * min_pop:
        raise InfeasibleError(
            f"total population {total:,} is below {k} areas x `min_pop` {min_pop:,} = {k * min_pop:,}"
        )
    if total > k * max_pop:
        raise InfeasibleError(
            f"total population {total:,} is above {k} areas x `max_pop` {max_pop:,} = {k * max_pop:,}"
        )


def check_block_sizes(blocks: Blocks, max_pop: int) -> None:
    big = np.flatnonzero(blocks.population > max_pop)
    if len(big):
        b = int(big[np.argmax(blocks.population[big])])
        more = f" (and {len(big) - 1} more)" if len(big) > 1 else ""
        raise InfeasibleError(
            f"{blocks.origin[b]} must stay whole but has population {int(blocks.population[b]):,}, "
            f"above `max_pop` {max_pop:,}{more}; raise `max_pop` or make that layer soft (`keep_whole_soft`)"
        )


def check_connected(blocks: Blocks) -> None:
    n = blocks.n_blocks
    if not blocks.edge_weight:
        count = n
    else:
        rows, cols = zip(*blocks.edge_weight, strict=True)
        g = sparse.coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        count, _ = connected_components(sparse.csr_array(g), directed=False)
    if count > 1 and (n > 1):
        raise InfeasibleError(
            f"the adjacency graph falls into {count} separate pieces, so some areas could not be contiguous "
            "with the rest; link islands explicitly (adjacency 'link' rows)"
        )


def check_locks(blocks: Blocks, k: int, max_pop: int) -> None:
    names: dict[str, int] = {}
    for b, locked in enumerate(blocks.locks):
        if len(locked) > 1:
            raise InfeasibleError(
                f"{blocks.origin[b]} must stay whole but is locked to {len(locked)} different areas "
                f"({', '.join(sorted(locked))})"
            )
        for name in locked:
            names[name] = names.get(name, 0) + int(blocks.population[b])
        if locked and blocks.frozen[b] is not None:
            raise InfeasibleError(f"{blocks.origin[b]} is in frozen area {blocks.frozen[b]} and also locked")
    if len(names) > k:
        raise InfeasibleError(f"locks name {len(names)} different areas but only {k} areas are requested")
    for name, pop in sorted(names.items()):
        if pop > max_pop:
            raise InfeasibleError(
                f"districts locked to area '{name}' hold {pop:,} people, above `max_pop` {max_pop:,}"
            )


def check_apart(blocks: Blocks) -> None:
    for i, j in blocks.apart:
        if i == j:
            raise InfeasibleError(
                f"`apart` names codes that must share an area: both lie in {blocks.origin[i]}, "
                "which is kept whole (or grouped by `together`)"
            )
        li, lj = blocks.lock_of(i), blocks.lock_of(j)
        if li is not None and li == lj:
            raise InfeasibleError(
                f"{blocks.origin[i]} and {blocks.origin[j]} are both locked to area '{li}' but also `apart`"
            )


def check_frozen(blocks: Blocks, min_pop: int, max_pop: int) -> None:
    for b, code in enumerate(blocks.frozen):
        if code is None:
            continue
        pop = int(blocks.population[b])
        if not min_pop <= pop <= max_pop:
            raise InfeasibleError(
                f"frozen area {code} has population {pop:,}, outside the bounds {min_pop:,}..{max_pop:,}"
            )


def check_sides(blocks: Blocks, k: int, min_pop: int, max_pop: int) -> None:
    """With a do-not-cross layer every side (e.g. inside and outside Greater London) is a whole number
    of areas: the counts each side can hold within the bounds must add up to k."""
    if blocks.side is None:
        return
    labels = np.unique(blocks.side)
    lows, highs, pops = [], [], []
    for label in labels:
        pop = int(blocks.population[blocks.side == label].sum())
        lows.append(max(1, -(-pop // max_pop)) if max_pop > 0 else 1)
        highs.append(pop // min_pop if min_pop > 0 else int((blocks.side == label).sum()))
        pops.append(pop)
    for pop, lo, hi in zip(pops, lows, highs, strict=True):
        if lo > hi:
            raise InfeasibleError(
                f"a side of the do-not-cross boundary holds {pop:,} people: no whole number of areas of "
                f"{min_pop:,}..{max_pop:,} people fits it; widen the population bounds or let areas cross it"
            )
    if not sum(lows) <= k <= sum(highs):
        detail = ", ".join(f"{p:,} people need {lo}..{hi}" for p, lo, hi in zip(pops, lows, highs, strict=True))
        raise InfeasibleError(
            f"{k} areas cannot be shared between the sides of the do-not-cross boundary ({detail} areas within "
            f"{min_pop:,}..{max_pop:,}); change the number of areas or the bounds, or let areas cross it"
        )
