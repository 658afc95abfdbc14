"""Map geometry for the report: unit shapes projected to metres and dissolved into a plan's areas.

Maps are drawn in a local metric projection (UTM zone estimated from the data; British National
Grid-like for England) so that shapes are not stretched as they would be in longitude/latitude.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely

from devoplan.geography.model import Geography
from devoplan.plan import Plan

CACHE_KEY = "report.projected_geometry"


@dataclass(frozen=True, eq=False)
class MapGeometry:
    """Projected unit shapes (numpy array of shapely geometries, in unit order) and their CRS."""

    units: np.ndarray
    crs: str

    def dissolve(self, assignment: np.ndarray, n_areas: int) -> np.ndarray:
        """One geometry per area, the union of its units' shapes (empty where an area has none)."""
        order = np.argsort(assignment, kind="stable")
        bounds = np.searchsorted(assignment[order], np.arange(n_areas + 1))
        out = np.empty(n_areas, dtype=object)
        for a in range(n_areas):
            members = self.units[order[bounds[a] : bounds[a + 1]]]
            out[a] = shapely.union_all(members) if len(members) else shapely.Polygon()
        return out

    def label_points(self, geoms: np.ndarray) -> np.ndarray:
        """A point inside each geometry (``(n, 2)``; NaN for empty geometries), for labels."""
        pts = shapely.point_on_surface(geoms)
        return np.stack([shapely.get_x(pts), shapely.get_y(pts)], axis=1)


def simplify_for_display(geoms: np.ndarray, *, pixels: float = 1500.0) -> np.ndarray:
    """Drop detail smaller than 1/``pixels`` of the map's extent: invisible on screen, much smaller SVG.

    Coverage simplification keeps the edges neighbours share identical, so no slivers or gaps
    open between districts; if the shapes are not a clean coverage, plain simplification is used.
    """
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    tolerance = max(xmax - xmin, ymax - ymin) / pixels
    try:
        simplified = shapely.coverage_simplify(geoms, tolerance)
    except shapely.errors.GEOSException:
        simplified = shapely.simplify(geoms, tolerance, preserve_topology=True)
    simplified = np.asarray(shapely.make_valid(simplified), dtype=object)
    return np.array([drop_specks(g, 4 * tolerance**2) for g in simplified], dtype=object)


def drop_specks(geom: shapely.Geometry, min_area: float) -> shapely.Geometry:
    """Keep the polygon parts of ``geom`` of at least ``min_area`` (always its largest part)."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon) and not p.is_empty]
    if not parts:
        return geom
    areas = np.array([p.area for p in parts])
    keep = [p for p, a in zip(parts, areas, strict=True) if a >= min_area] or [parts[int(areas.argmax())]]
    return keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)


def map_geometry(geography: Geography) -> MapGeometry:
    """Project the display boundaries once per geography (kept by its assets)."""
    return geography.assets.derived(CACHE_KEY, lambda: _project(geography))


def _project(geography: Geography) -> MapGeometry:
    gdf = geography.display_geometry()
    crs = gdf.estimate_utm_crs()
    projected = gdf.to_crs(crs)
    geoms = np.asarray(shapely.make_valid(projected.geometry.to_numpy()), dtype=object)
    geoms = simplify_for_display(geoms)
    return MapGeometry(np.asarray(geoms, dtype=object), crs.to_string())


def area_graph(geography: Geography, plan: Plan, extra_pairs: np.ndarray | None = None) -> nx.Graph:
    """Areas as nodes, an edge where two areas share a unit border or an ``extra_pairs`` unit pair."""
    e = geography.adjacency.edges
    if extra_pairs is not None and len(extra_pairs):
        e = np.concatenate([e, np.asarray(extra_pairs, dtype=np.int64).reshape(-1, 2)])
    a, b = plan.assignment[e[:, 0]], plan.assignment[e[:, 1]]
    g = nx.Graph()
    g.add_nodes_from(range(plan.n_areas))
    cut = a != b
    g.add_edges_from(zip(a[cut].tolist(), b[cut].tolist(), strict=True))
    return g


def distinct_colours(geography: Geography, plan: Plan, palette: list[str],
                     extra_pairs: np.ndarray | None = None) -> list[str]:
    """A colour per area such that neighbouring areas differ (greedy graph colouring, deterministic).

    ``extra_pairs`` adds unit pairs that are neighbours on another view (the hex map), so one
    colouring serves both maps. When the graph needs more colours than the palette has, colours
    repeat but neighbours still differ wherever the palette allows.
    """
    colouring = nx.greedy_color(area_graph(geography, plan, extra_pairs), strategy="largest_first")
    return [palette[colouring[a] % len(palette)] for a in range(plan.n_areas)]
