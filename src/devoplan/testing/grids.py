"""Synthetic grid geographies with every layer kind, for tests and benchmarks.

A ``rows x cols`` grid of square units with rook adjacency, random populations and indicators
(some missing), and layers exercising each kind: ``BLOCK`` (partition into blocks), ``SPLIT``
(partition in which some units are shared between two areas), ``COVER`` (some units in two areas
at weight 1/2), ``PART`` (partial: some blocks only), and ``UTLA``/``CAUTH`` for local identity.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from devoplan.geography.model import Adjacency, Geography, IndicatorMeta, Indicators, Layer, Units
from devoplan.metrics.compactness import ShapeStats


def _layer(key: str, kind: str, n: int, rows: list[int], cols: list[int], weights: list[float],
           n_areas: int) -> Layer:
    matrix = sparse.csr_array((weights, (rows, cols)), shape=(n, n_areas))
    codes = tuple(f"{key}{i:02d}" for i in range(n_areas))
    return Layer(key, key.title(), kind, codes, tuple(f"{key} area {i}" for i in range(n_areas)), matrix)  # type: ignore[arg-type]


def _blocks(r: np.ndarray, c: np.ndarray, size: int, cols: int) -> np.ndarray:
    per_row = -(-cols // size)
    return (r // size) * per_row + c // size


def grid_geography(rows: int, cols: int, *, seed: int = 0, n_indicators: int = 3) -> Geography:
    """A random grid geography (same seed, same geography)."""
    rng = np.random.default_rng(seed)
    n = rows * cols
    r, c = np.divmod(np.arange(n), cols)
    units = Units(tuple(f"U{i:05d}" for i in range(n)), tuple(f"Unit {i}" for i in range(n)),
                  rng.integers(1_000, 300_000, size=n))
    layers: dict[str, Layer] = {}
    block = _blocks(r, c, 3, cols)
    layers["BLOCK"] = _layer("BLOCK", "partition", n, list(range(n)), block.tolist(), [1.0] * n, int(block.max()) + 1)
    big = _blocks(r, c, 5, cols)
    k_big = int(big.max()) + 1
    rr, cc, ww = [], [], []
    for u in range(n):
        if rng.random() < 0.1 and big[u] + 1 < k_big:
            share = float(rng.integers(1, 10)) / 10
            rr += [u, u]
            cc += [int(big[u]), int(big[u]) + 1]
            ww += [share, 1 - share]
        else:
            rr.append(u)
            cc.append(int(big[u]))
            ww.append(1.0)
    layers["SPLIT"] = _layer("SPLIT", "partition", n, rr, cc, ww, k_big)
    cover = _blocks(r, c, 4, cols)
    k_cover = int(cover.max()) + 1
    rr, cc, ww = [], [], []
    for u in range(n):
        if rng.random() < 0.1 and cover[u] + 1 < k_cover:
            rr += [u, u]
            cc += [int(cover[u]), int(cover[u]) + 1]
            ww += [0.5, 0.5]
        else:
            rr.append(u)
            cc.append(int(cover[u]))
            ww.append(1.0)
    layers["COVER"] = _layer("COVER", "cover", n, rr, cc, ww, k_cover)
    utla = _blocks(r, c, 2, cols)
    layers["UTLA"] = _layer("UTLA", "partition", n, list(range(n)), utla.tolist(), [1.0] * n, int(utla.max()) + 1)
    inside = np.flatnonzero(big % 2 == 0)
    ca_of = {b: i for i, b in enumerate(np.unique(big[inside]).tolist())}
    layers["CAUTH"] = _layer("CAUTH", "partial", n, inside.tolist(), [ca_of[int(big[u])] for u in inside],
                             [1.0] * len(inside), len(ca_of))
    horizontal = np.flatnonzero(c < cols - 1)
    vertical = np.flatnonzero(r < rows - 1)
    edges = np.concatenate([np.stack([horizontal, horizontal + 1], 1), np.stack([vertical, vertical + cols], 1)])
    adjacency = Adjacency(n, edges, np.full(len(edges), 1000.0), ("border",) * len(edges), ("",) * len(edges))
    values = rng.normal(size=(n, n_indicators)) + r[:, None] / max(rows, 1)
    values[rng.random(values.shape) < 0.05] = np.nan
    meta = tuple(IndicatorMeta(f"ind{j}", f"Indicator {j}", "2024", "score", "higher_is_worse", "synthetic")
                 for j in range(n_indicators))
    return Geography(f"grid {rows}x{cols}", units, layers, adjacency, Indicators(meta, values))


def grid_plan_labels(geography: Geography, size: int, cols: int) -> list[str]:
    """Area labels of square blocks of ``size`` units: a contiguous starting plan on a grid."""
    n = geography.n_units
    r, c = np.divmod(np.arange(n), cols)
    return [f"A{b:03d}" for b in _blocks(r, c, size, cols)]


def grid_shapes(geography: Geography, side_m: float = 1000.0) -> ShapeStats:
    """Shapes of the grid's square units: area side², perimeter 4·side, each edge a shared side."""
    n = geography.n_units
    e = geography.adjacency.edges
    rows, cols = np.concatenate([e[:, 0], e[:, 1]]), np.concatenate([e[:, 1], e[:, 0]])
    shared = sparse.csr_array((np.full(len(rows), side_m), (rows, cols)), shape=(n, n))
    return ShapeStats(np.full(n, side_m**2), np.full(n, 4 * side_m), shared)
