"""Contiguity: is every area of a plan one connected piece of the adjacency graph?

Adjacency includes explicit links (ferries), so the Isle of Wight can share an area with
Portsmouth. An area's pieces are the connected components of the graph restricted to its units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from devoplan.geography.model import Adjacency, Geography
from devoplan.plan import Plan


@dataclass(frozen=True)
class ContiguityResult:
    """Number of connected pieces of every area; areas with more than one are non-contiguous."""

    area_codes: tuple[str, ...]
    pieces: np.ndarray

    @property
    def noncontiguous(self) -> list[str]:
        return [self.area_codes[i] for i in np.flatnonzero(self.pieces > 1)]

    def scalars(self) -> dict[str, float]:
        return {"noncontiguous_areas": float(np.count_nonzero(self.pieces > 1)),
                "extra_pieces": float(np.sum(self.pieces - 1))}

    def to_dict(self) -> dict[str, object]:
        return {**self.scalars(), "noncontiguous": self.noncontiguous,
                "pieces": {c: int(p) for c, p in zip(self.area_codes, self.pieces, strict=True) if p > 1}}


def pieces_per_area(adjacency: Adjacency, assignment: np.ndarray, n_areas: int) -> np.ndarray:
    """Connected pieces of each area, from the components of the within-area subgraph."""
    edges = adjacency.edges
    inside = assignment[edges[:, 0]] == assignment[edges[:, 1]]
    e = edges[inside]
    n = adjacency.n_units
    graph = sparse.coo_array((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    pairs = np.unique(np.stack([assignment, labels], axis=1), axis=0)
    return np.bincount(pairs[:, 0], minlength=n_areas).astype(np.int64)


def contiguity(geography: Geography, plan: Plan) -> ContiguityResult:
    """Pieces per area of the plan over the geography's adjacency (links included)."""
    plan.check(geography)
    return ContiguityResult(plan.area_codes, pieces_per_area(geography.adjacency, plan.assignment, plan.n_areas))
