"""Tiny hand-checkable geographies: a line of units, each bordering the next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

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
