"""Tiny hand-checkable geographies: a line of units, each bordering the next; six districts with one
layer of each kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse

from devoplan.geography.model import Adjacency, Geography, IndicatorMeta, Indicators, Layer, LayerKind, Units
from devoplan.plan import Plan


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


SIX_POP = [100, 200, 300, 400, 500, 600]
SIX_CODES = ("U1", "U2", "U3", "U4", "U5", "U6")


def _six_layer(key: str, kind: str, areas: list[str], cells: list[tuple[int, int, float]]) -> Layer:
    rows, cols, weights = zip(*cells, strict=True)
    matrix = sparse.csr_array((weights, (rows, cols)), shape=(6, len(areas)))
    return Layer(key, f"{key} areas", kind, tuple(areas), tuple(f"{a} name" for a in areas), matrix)  # type: ignore[arg-type]


def six_districts() -> Geography:
    """Six districts U1..U6 in a row, populations 100..600 (2,100), with every aggregation worked out by
    hand in ``tests/test_metrics_overlap.py``: H (partition) = U1, U2, half of U3 | half of U3, U4-U6;
    E (cover) = U1-U4 | U4-U6 (U4 half in each); C (partial) = U5, U6; T (partition) = pairs of
    districts. Indicator x = 1, 1, 1, 3, 3, 3."""
    units = Units(SIX_CODES, tuple(f"District {c}" for c in SIX_CODES), np.array(SIX_POP))
    layers = {
        "H": _six_layer("H", "partition", ["H1", "H2"],
                    [(0, 0, 1), (1, 0, 1), (2, 0, 0.5), (2, 1, 0.5), (3, 1, 1), (4, 1, 1), (5, 1, 1)]),
        "E": _six_layer("E", "cover", ["E1", "E2"],
                    [(0, 0, 1), (1, 0, 1), (2, 0, 1), (3, 0, 0.5), (3, 1, 0.5), (4, 1, 1), (5, 1, 1)]),
        "C": _six_layer("C", "partial", ["C1"], [(4, 0, 1), (5, 0, 1)]),
        "T": _six_layer("T", "partition", ["T1", "T2", "T3"],
                    [(0, 0, 1), (1, 0, 1), (2, 1, 1), (3, 1, 1), (4, 2, 1), (5, 2, 1)]),
    }
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]])
    adjacency = Adjacency(6, edges, np.full(5, 1.0), ("border",) * 5, ("",) * 5)
    meta = (IndicatorMeta("x", "Need", "2024", "score", "higher_is_worse", "test"),)
    indicators = Indicators(meta, np.array([[1.0], [1.0], [1.0], [3.0], [3.0], [3.0]]))
    return Geography("six", units, layers, adjacency, indicators)


def six_district_plan(labels: str = "AAABBD") -> Plan:
    """A plan given as one letter per district: the default is A = U1-U3, B = U4-U5, D = U6."""
    return Plan.from_labels(SIX_CODES, list(labels))


def group_layer(key: str, kind: str, n_units: int, groups: Sequence[Sequence[int]]) -> Layer:
    """A layer over units ``0..n_units-1`` whose area ``a`` (code ``{key}{a}``, name ``{key} {a}``) holds
    the units of ``groups[a]`` at weight 1; units in no group are outside it (a partial layer)."""
    rows = [u for g in groups for u in g]
    cols = [a for a, g in enumerate(groups) for _ in g]
    matrix = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n_units, len(groups)))
    return Layer(key, key, kind, tuple(f"{key}{a}" for a in range(len(groups))),  # type: ignore[arg-type]
                 tuple(f"{key} {a}" for a in range(len(groups))), matrix)


def _labels_layer(key: str, labels: list[int], kind: LayerKind = "partition") -> Layer:
    """A layer from one label per unit (-1: outside a partial layer)."""
    n = len(labels)
    rows = [u for u in range(n) if labels[u] >= 0]
    cols = [labels[u] for u in rows]
    k = max(labels) + 1
    m = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, k))
    return Layer(key, key, kind, tuple(f"{key}{i}" for i in range(k)), tuple(f"{key} {i}" for i in range(k)), m)


def rook_grid(rows: int, cols: int, pop: list[int], layers: dict[str, list[int]], values: np.ndarray) -> Geography:
    """A rows x cols rook grid with the given populations, layers (one label per unit, -1 outside a
    partial layer) and indicator values; units U0.. in row-major order. Small enough to enumerate."""
    n = rows * cols
    r, c = np.divmod(np.arange(n), cols)
    h = np.flatnonzero(c < cols - 1)
    v = np.flatnonzero(r < rows - 1)
    edges = np.concatenate([np.stack([h, h + 1], 1), np.stack([v, v + cols], 1)])
    adj = Adjacency(n, edges, np.ones(len(edges)), ("border",) * len(edges), ("",) * len(edges))
    units = Units(tuple(f"U{i}" for i in range(n)), tuple(f"Unit {i}" for i in range(n)), np.array(pop))
    meta = tuple(IndicatorMeta(f"x{j}", f"x{j}", "2024", "score", "higher_is_worse", "test")
                 for j in range(values.shape[1]))
    lays = {k: _labels_layer(k, lab, "partial" if min(lab) < 0 else "partition") for k, lab in layers.items()}
    return Geography("test grid", units, lays, adj, Indicators(meta, values))
