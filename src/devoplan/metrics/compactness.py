"""Compactness: cut edges of the adjacency graph and Polsby-Popper scores of the areas.

* cut-edge fraction = edges joining units in different areas / all edges (ferry links included);
* Polsby-Popper of an area = ``4 pi A / P^2`` of the area dissolved from its units' display
  boundaries. ``A`` is the sum of unit areas and ``P`` the sum of unit perimeters minus twice the
  boundary the area's units share with each other, which is exactly the dissolved perimeter for a
  clean coverage (the bundle's boundaries are simplified with shapely's coverage simplification,
  which keeps shared edges identical). Measured in the local UTM projection, in metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from devoplan.geography.model import Geography
from devoplan.plan import Plan

SHAPE_CACHE_KEY = "metrics.shape_stats"


@dataclass(frozen=True, eq=False)
class ShapeStats:
    """Unit areas (m²), perimeters (m) and the boundary length shared by each pair of units (CSR, m)."""

    area: np.ndarray
    perimeter: np.ndarray
    shared: sparse.csr_array


def shape_stats(geography: Geography) -> ShapeStats:
    """Measure the display geometry once per geography (kept by its assets); needs ``geometry.geojson``."""
    return geography.assets.derived(SHAPE_CACHE_KEY, lambda: _measure(geography))


def _measure(geography: Geography) -> ShapeStats:
    import shapely

    gdf = geography.display_geometry()
    projected = gdf.to_crs(gdf.estimate_utm_crs())
    geoms = projected.geometry.to_numpy()
    e = geography.adjacency.edges
    boundaries = shapely.boundary(geoms)
    lengths = shapely.length(shapely.intersection(boundaries[e[:, 0]], boundaries[e[:, 1]]))
    n = geography.n_units
    rows, cols = np.concatenate([e[:, 0], e[:, 1]]), np.concatenate([e[:, 1], e[:, 0]])
    shared = sparse.csr_array((np.concatenate([lengths, lengths]), (rows, cols)), shape=(n, n))
    return ShapeStats(shapely.area(geoms).astype(np.float64), shapely.length(geoms).astype(np.float64), shared)


def area_shapes(stats: ShapeStats, assignment: np.ndarray, n_areas: int) -> tuple[np.ndarray, np.ndarray]:
    """Area and dissolved perimeter of every plan area."""
    areas = np.bincount(assignment, weights=stats.area, minlength=n_areas)
    perim = np.bincount(assignment, weights=stats.perimeter, minlength=n_areas)
    coo = stats.shared.tocoo()
    inside = assignment[coo.row] == assignment[coo.col]
    # each internal pair appears twice in the symmetric matrix: subtract both copies = 2 x shared
    perim -= np.bincount(assignment[coo.row[inside]], weights=coo.data[inside], minlength=n_areas)
    return areas, perim


def polsby_popper_of(areas: np.ndarray, perimeters: np.ndarray) -> np.ndarray:
    return np.divide(4 * np.pi * areas, perimeters**2, out=np.zeros_like(areas), where=perimeters > 0)


def cut_edges(edges: np.ndarray, assignment: np.ndarray) -> int:
    return int(np.count_nonzero(assignment[edges[:, 0]] != assignment[edges[:, 1]]))


@dataclass(frozen=True)
class CompactnessResult:
    """Cut edges of the plan and, when display geometry exists, Polsby-Popper per area."""

    area_codes: tuple[str, ...]
    cut: int
    n_edges: int
    polsby_popper: np.ndarray | None

    def scalars(self) -> dict[str, float]:
        out = {"cut_edge_fraction": self.cut / self.n_edges if self.n_edges else 0.0}
        if self.polsby_popper is not None:
            out["polsby_popper_mean"] = float(self.polsby_popper.mean())
            out["polsby_popper_min"] = float(self.polsby_popper.min())
        return out

    def to_dict(self) -> dict[str, object]:
        pp = None if self.polsby_popper is None else {
            c: float(v) for c, v in zip(self.area_codes, self.polsby_popper, strict=True)}
        return {**self.scalars(), "cut_edges": self.cut, "edges": self.n_edges, "polsby_popper": pp}


def compactness(geography: Geography, plan: Plan, *, shapes: ShapeStats | None = None) -> CompactnessResult:
    """Cut-edge fraction always; Polsby-Popper when ``shapes`` are given (see :func:`shape_stats`)."""
    plan.check(geography)
    edges = geography.adjacency.edges
    pp = None
    if shapes is not None:
        pp = polsby_popper_of(*area_shapes(shapes, plan.assignment, plan.n_areas))
    return CompactnessResult(plan.area_codes, cut_edges(edges, plan.assignment), len(edges), pp)
