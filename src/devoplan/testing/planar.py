"""Synthetic random planar geographies: irregular units like real districts, for tests and benchmarks.

A grid (``testing.grids``) has every unit with four neighbours and straight borders; real districts
do not. :func:`planar_geography` scatters ``n`` points uniformly in a square of ``side_km`` and makes
each point's Voronoi cell, clipped to the square, a unit: two units are neighbours when their cells
share a border of positive length (the Delaunay graph without the long, thin hull triangles), and the
border's length is the adjacency's ``length_m``. The cells are clipped by reflecting the points across
the square's four sides (the standard bounded-Voronoi construction), so every cell is finite.

Layers have the grid's kinds and keys, each area grown on the adjacency graph from random seed units
by a breadth-first search (multi-source, first to reach a unit takes it), so every area is contiguous:

* ``UTLA`` (about 4 units an area) and ``BLOCK`` (about 9): plain partitions;
* ``SPLIT`` (about 25): a partition where about 10% of units are shared with a neighbouring area
  (shares 0.1..0.9);
* ``COVER`` (about 16): a cover where about 10% of units belong to two neighbouring areas at 1/2 each;
* ``CAUTH``: a partial layer, every second ``SPLIT`` area (some units in none).

Populations are random (1,000..300,000), indicators normal with a north-south trend and 5% missing.
Same ``n`` and ``seed``, same geography; one generator (``numpy.random.default_rng(seed)``) for all.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy import sparse
from scipy.spatial import Voronoi

from devoplan.errors import DevoplanError
from devoplan.geography.model import Adjacency, Geography, IndicatorMeta, Indicators, Layer, Units

# Mean units per area of each layer (the grid's square sizes: 2x2, 3x3, 4x4 and 5x5).
LAYER_SIZES = {"UTLA": 4, "BLOCK": 9, "COVER": 16, "SPLIT": 25}
SHARED_SHARE = 0.1  # units shared between two areas in SPLIT and COVER


def planar_geography(n: int, *, seed: int = 0, n_indicators: int = 3, side_km: float | None = None) -> Geography:
    """A random planar geography of ``n`` Voronoi units (same ``n`` and ``seed``, same geography).

    ``side_km`` is the side of the square (default: ``sqrt(n)`` km, so a unit is about 1 km² like the
    grid's units, and border lengths are comparable).
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 4:
        raise DevoplanError(f"`n` must be an integer of at least 4, got {n}")
    rng = np.random.default_rng(seed)
    side = float(side_km) if side_km is not None else float(np.sqrt(n))
    points = rng.random((int(n), 2)) * side
    edges, length_km = voronoi_borders(points, side)
    units = Units(tuple(f"P{i:05d}" for i in range(n)), tuple(f"Place {i}" for i in range(n)),
                  rng.integers(1_000, 300_000, size=n))
    neighbours = _neighbour_lists(int(n), edges)
    layers: dict[str, Layer] = {}
    for key in ("BLOCK", "UTLA"):
        label = grow_areas(neighbours, _n_areas(n, LAYER_SIZES[key]), rng)
        layers[key] = _partition(key, label)
    split = grow_areas(neighbours, _n_areas(n, LAYER_SIZES["SPLIT"]), rng)
    layers["SPLIT"] = _shared(key="SPLIT", kind="partition", label=split, neighbours=neighbours, rng=rng,
                              half=False)
    cover = grow_areas(neighbours, _n_areas(n, LAYER_SIZES["COVER"]), rng)
    layers["COVER"] = _shared(key="COVER", kind="cover", label=cover, neighbours=neighbours, rng=rng, half=True)
    inside = np.flatnonzero(split % 2 == 0)
    ca_of = {b: i for i, b in enumerate(np.unique(split[inside]).tolist())}
    layers["CAUTH"] = _layer("CAUTH", "partial", n, inside, np.array([ca_of[int(split[u])] for u in inside]),
                             np.ones(len(inside)), len(ca_of))
    adjacency = Adjacency(int(n), edges, length_km * 1000.0, ("border",) * len(edges), ("",) * len(edges))
    north = points[:, 1] / side
    values = rng.normal(size=(n, n_indicators)) + north[:, None]
    values[rng.random(values.shape) < 0.05] = np.nan
    meta = tuple(IndicatorMeta(f"ind{j}", f"Indicator {j}", "2024", "score", "higher_is_worse", "synthetic")
                 for j in range(n_indicators))
    return Geography(f"planar {n} (seed {seed})", units, layers, adjacency, Indicators(meta, values))


def voronoi_borders(points: np.ndarray, side: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of points whose Voronoi cells, clipped to ``[0, side]²``, share a border, and its length.

    The points are reflected across the four sides; a cell of an original point is then exactly its
    clipped cell, and every ridge between two original points is finite.
    """
    n = len(points)
    x, y = points[:, 0], points[:, 1]
    mirrored = [points, np.c_[-x, y], np.c_[2 * side - x, y], np.c_[x, -y], np.c_[x, 2 * side - y]]
    vor = Voronoi(np.concatenate(mirrored))
    pairs = np.asarray(vor.ridge_points)
    ridges = vor.ridge_vertices
    inner = np.flatnonzero((pairs[:, 0] < n) & (pairs[:, 1] < n))
    out, lengths = [], []
    for r in inner:
        a, b = ridges[r]
        if a < 0 or b < 0:  # cannot happen with the reflection; skipped rather than trusted
            continue
        length = float(np.linalg.norm(vor.vertices[a] - vor.vertices[b]))
        if length > 1e-9 * side:
            out.append(sorted((int(pairs[r, 0]), int(pairs[r, 1]))))
            lengths.append(length)
    order = np.lexsort((np.array([e[1] for e in out]), np.array([e[0] for e in out])))
    return np.asarray(out, dtype=np.int64)[order], np.asarray(lengths)[order]


def grow_areas(neighbours: list[list[int]], k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` contiguous areas covering a connected graph: a multi-source breadth-first search from
    ``k`` random distinct seed units, each unit taken by the first area to reach it (its parent's),
    so every area is connected. Neighbours are visited in a random order, so areas are irregular."""
    n = len(neighbours)
    label = np.full(n, -1, dtype=np.int64)
    seeds = rng.choice(n, size=k, replace=False)
    label[seeds] = np.arange(k)
    queue = deque(int(s) for s in seeds)
    while queue:
        u = queue.popleft()
        for v in rng.permutation(neighbours[u]):
            if label[v] < 0:
                label[v] = label[u]
                queue.append(int(v))
    if (label < 0).any():
        raise DevoplanError("the planar geography's adjacency graph is not connected")  # Voronoi cells tile
    return label


def _n_areas(n: int, size: int) -> int:
    return max(1, round(n / size))


def _neighbour_lists(n: int, edges: np.ndarray) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges.tolist():
        out[a].append(b)
        out[b].append(a)
    return out


def _partition(key: str, label: np.ndarray) -> Layer:
    n = len(label)
    return _layer(key, "partition", n, np.arange(n), label, np.ones(n), int(label.max()) + 1)


def _shared(*, key: str, kind: str, label: np.ndarray, neighbours: list[list[int]], rng: np.random.Generator,
            half: bool) -> Layer:
    """A layer where about ``SHARED_SHARE`` of units on an area's edge also belong to a neighbouring
    area: at 1/2 each (``half``, a cover) or split 0.1..0.9 (a partition with split units)."""
    rows, cols, weights = [], [], []
    for u in range(len(label)):
        others = sorted({int(label[v]) for v in neighbours[u]} - {int(label[u])})
        if others and rng.random() < SHARED_SHARE:
            other = others[int(rng.integers(len(others)))]
            share = 0.5 if half else float(rng.integers(1, 10)) / 10
            rows += [u, u]
            cols += [int(label[u]), other]
            weights += [share, 1 - share]
        else:
            rows.append(u)
            cols.append(int(label[u]))
            weights.append(1.0)
    return _layer(key, kind, len(label), np.array(rows), np.array(cols), np.array(weights), int(label.max()) + 1)


def _layer(key: str, kind: str, n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray,
           n_areas: int) -> Layer:
    matrix = sparse.csr_array((weights, (rows, cols)), shape=(n, n_areas))
    codes = tuple(f"{key}{i:03d}" for i in range(n_areas))
    return Layer(key, key.title(), kind, codes, tuple(f"{key} area {i}" for i in range(n_areas)), matrix)  # type: ignore[arg-type]
