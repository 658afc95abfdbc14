"""The LAD24 BGC boundaries as a clean polygonal coverage in British National Grid.

The source GeoJSON is WGS84 rounded to 5 decimals and went through R's ``st_make_valid``, which
left stray line fragments (18 districts are GeometryCollections) and a few slivers where rounding
made neighbours overlap by a square metre or so. Adjacency and display geometry both need an exact
coverage (no overlaps, identical shared edges), so the boundaries are repaired once here:
polygon parts only, ``make_valid`` where needed, then GEOS CoverageCleaner with a 0.5 m snap.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

from devoplan.build import sources
from devoplan.build.sources import SourceDir

BNG = "EPSG:27700"
SNAP_M = 0.5


def polygonal(geom: shapely.Geometry) -> shapely.MultiPolygon:
    """The polygon parts of any geometry as one MultiPolygon (lines and points dropped)."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon | shapely.MultiPolygon)]
    polygons = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(polygons)


def read_coverage(src: SourceDir, codes: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Boundaries of ``codes`` (in that order) projected to EPSG:27700 and cleaned into a coverage."""
    path = src.path(sources.BOUNDARIES)
    try:
        frame = gpd.read_file(path)
    except (DataSourceError, DataLayerError, FieldError, GeometryError) as exc:
        raise src.fail(sources.BOUNDARIES, f"cannot be read as GeoJSON ({exc})") from exc
    for column in ("LAD24CD", "LAD24NM"):
        if column not in frame.columns:
            raise src.fail(sources.BOUNDARIES, "expected property is missing", field=column)
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    frame = frame.set_index("LAD24CD")
    absent = [c for c in codes if c not in frame.index]
    if absent or frame.index.duplicated().any() or len(frame) != len(codes):
        detail = f"no boundary for {absent[0]}" if absent else "districts do not match units.csv"
        raise src.fail(sources.BOUNDARIES, detail, field="LAD24CD")
    frame = frame.loc[list(codes)]
    geoms = np.array([polygonal(g) for g in frame.geometry.to_numpy()], dtype=object)
    projected = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(BNG).to_numpy()
    repaired = np.array([g if g.is_valid else polygonal(shapely.make_valid(g)) for g in projected], dtype=object)
    cleaned = shapely.coverage_clean(repaired, snapping_distance=SNAP_M)
    return gpd.GeoDataFrame({"code": list(codes), "name": frame["LAD24NM"].to_numpy()}, geometry=cleaned, crs=BNG)
