"""Tiny hand-checkable geographies: a line of units, each bordering the next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse

from devoplan.geography.model import Adjacency, Geography, Indicators, Layer, Units


def line_geography(population: Sequence[float] | np.ndarray, *, layers: Mapping[str, Layer] | None = None,
                   name: str = "line") -> Geography:
    """Units ``U0..Un-1`` (named ``Unit i``) in a line, ``Ui`` bordering ``Ui+1``; no indicators.

    Small enough to work every aggregation out by hand, so tests can state exact expected values.
    """
    pop = np.asarray(population, dtype=np.int64)
    n = len(pop)
    units = Units(tuple(f"U{i}" for i in range(n)), tuple(f"Unit {i}" for i in range(n)), pop)
    edges = np.stack([np.arange(n - 1), np.arange(1, n)], axis=1) if n > 1 else np.zeros((0, 2), dtype=np.int64)
    adjacency = Adjacency(n, edges, np.full(len(edges), 1000.0), ("border",) * len(edges), ("",) * len(edges))
    return Geography(name, units, dict(layers or {}), adjacency, Indicators((), np.zeros((n, 0))))


def group_layer(key: str, kind: str, n_units: int, groups: Sequence[Sequence[int]]) -> Layer:
    """A layer over units ``0..n_units-1`` whose area ``a`` (code ``{key}{a}``, name ``{key} {a}``) holds
    the units of ``groups[a]`` at weight 1; units in no group are outside it (a partial layer)."""
    rows = [u for g in groups for u in g]
    cols = [a for a, g in enumerate(groups) for _ in g]
    matrix = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n_units, len(groups)))
    return Layer(key, key, kind, tuple(f"{key}{a}" for a in range(len(groups))),  # type: ignore[arg-type]
                 tuple(f"{key} {a}" for a in range(len(groups))), matrix)
