"""Brute-force oracles for small geographies: every partition, every feasible plan.

Shared by the design tests (tests/test_design_small.py, test_design_exact.py, test_design_colgen.py,
test_design_exact_review.py) so each checks the optimiser against the same enumeration.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from devoplan.design.blocks import Blocks
from devoplan.geography.model import Geography
from devoplan.metrics.contiguity import pieces_per_area

# Every objective term switched on, with unequal weights (so a term mixed up with another shows).
ALL_TERMS = {"health": 1.0, "economic": 0.7, "police": 0.6, "needs": 1.3, "compact": 0.5, "balance": 0.4,
             "identity": 0.8}


def partitions(n: int, k: int) -> Iterator[tuple[int, ...]]:
    """Every assignment of n items to exactly k groups, labelled in order of first appearance."""
    labels: list[int] = []

    def rec(used: int) -> Iterator[tuple[int, ...]]:
        if n - len(labels) < k - used:
            return
        if len(labels) == n:
            yield tuple(labels)
            return
        for a in range(min(used + 1, k)):
            labels.append(a)
            yield from rec(max(used, a + 1))
            labels.pop()

    yield from rec(0)


def feasible_plans(geo: Geography, blocks: Blocks, k: int, lo: float, hi: float) -> list[np.ndarray]:
    """Every block assignment into k areas honouring bounds, contiguity, locks, --apart and frozen areas."""
    names: dict[str, list[int]] = {}
    for b, locked in enumerate(blocks.locks):
        for name in locked:
            names.setdefault(name, []).append(b)
    frozen = [b for b in range(blocks.n_blocks) if blocks.frozen[b] is not None]
    out = []
    for labels in partitions(blocks.n_blocks, k):
        a = np.array(labels)
        pops = np.bincount(a, weights=blocks.population, minlength=k)
        if pops.min() < lo or pops.max() > hi:
            continue
        if any((a == a[f]).sum() != 1 for f in frozen):
            continue
        if any(len({int(a[b]) for b in bs}) > 1 for bs in names.values()):
            continue
        if len({int(a[bs[0]]) for bs in names.values()}) < len(names):
            continue
        if any(a[i] == a[j] for i, j in blocks.apart):
            continue
        if (pieces_per_area(geo.adjacency, a[blocks.unit_block], k) == 1).all():
            out.append(a)
    return out
