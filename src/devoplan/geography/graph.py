"""Graph checks on the unit adjacency: connectivity with and without explicit links."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import connected_components

from devoplan.errors import InputError
from devoplan.geography.model import Adjacency, Units


def components(adjacency: Adjacency, *, include_links: bool = True) -> np.ndarray:
    """Component label of every unit (labels ordered so the largest component is 0)."""
    edges = adjacency.edges
    if not include_links:
        edges = edges[np.array([k != "link" for k in adjacency.kind], dtype=bool)] if len(edges) else edges
    sub = Adjacency(adjacency.n_units, edges, np.zeros(len(edges)), ("border",) * len(edges), ("",) * len(edges))
    _, labels = connected_components(sub.matrix, directed=False)
    sizes = np.bincount(labels)
    rank = np.empty_like(sizes)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
    return rank[labels]


def check_connected(adjacency: Adjacency, units: Units, path: Path) -> None:
    """Every unit must be reachable from every other, through borders or documented links."""
    labels = components(adjacency)
    if labels.max(initial=0) == 0:
        return
    stranded = np.flatnonzero(labels != 0)
    names = ", ".join(f"{units.codes[u]} ({units.names[u]})" for u in stranded[:5])
    more = f" and {len(stranded) - 5} more" if len(stranded) > 5 else ""
    raise InputError(
        f"the adjacency graph is not connected: {names}{more} cannot reach the rest; "
        "add a 'link' row (e.g. a ferry) joining each island to the mainland",
        file=path,
    )


def isolated_without_links(adjacency: Adjacency) -> np.ndarray:
    """Units outside the main component when explicit links are ignored (the islands)."""
    return np.flatnonzero(components(adjacency, include_links=False) != 0)
