"""Adapter between the array core and GeoDataFrames (display boundaries only).

It knows files and unit codes, not the :class:`~devoplan.geography.model.Geography` value, so the
model never imports it back (the geometry is reached through :class:`GeographyAssets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from devoplan.errors import InputError
from devoplan.validate import readable_file

if TYPE_CHECKING:
    import geopandas as gpd

GEOMETRY_FILE = "geometry.geojson"


def read_display_geometry(path: Path, unit_codes: Sequence[str]) -> gpd.GeoDataFrame:
    """Display boundaries in unit order (EPSG:4326), checked to cover exactly ``unit_codes``."""
    import geopandas as gpd

    if not path.is_file():
        raise InputError("display geometry file is missing (needed for maps and compactness)", file=path)
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

    readable_file(path, what="display geometry file")
    try:
        gdf = gpd.read_file(path)
    except (DataSourceError, DataLayerError, FieldError, GeometryError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot be read as GeoJSON ({first.split(';')[0]})", file=path) from None
    if "code" not in gdf.columns:
        raise InputError("features have no 'code' property", file=path, field="code")
    codes = set(gdf["code"])
    missing = [c for c in unit_codes if c not in codes]
    if missing:
        raise InputError(f"no boundary for unit {missing[0]} ({len(missing)} missing)", file=path, field="code")
    if gdf["code"].duplicated().any():
        raise InputError(f"unit {gdf.loc[gdf['code'].duplicated(), 'code'].iloc[0]} has two features",
                         file=path, field="code")
    gdf = gdf.set_index("code").loc[list(unit_codes)].reset_index()
    gdf = gdf.set_crs(4326, allow_override=True) if gdf.crs is None else gdf.to_crs(4326)
    return checked_shapes(gdf, path)


POLYGONAL: tuple[str, ...] = ("Polygon", "MultiPolygon")


def checked_shapes(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Every unit's boundary a polygon in longitude/latitude; invalid ones repaired or refused by unit.

    A null, empty or non-polygonal geometry (a point, a line) cannot be a boundary. Coordinates outside
    [-180, 180] x [-90, 90] are not WGS84 (a file in British National Grid metres, say). A polygon that
    crosses itself is repaired with GEOS ``make_valid`` when that leaves a polygon of positive area,
    otherwise refused naming the unit.
    """
    import shapely

    geoms = list(gdf.geometry)
    for code, geom in zip(gdf["code"], geoms, strict=True):
        if geom is None or geom.is_empty:
            raise InputError(f"unit {code} has no geometry", file=path, field="geometry")
        if geom.geom_type not in POLYGONAL:
            raise InputError(f"unit {code} has a {geom.geom_type} geometry; a boundary must be a Polygon or "
                             "MultiPolygon", file=path, field="geometry")
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InputError(f"unit {code} has coordinates ({minx:.6g}, {miny:.6g}) outside longitude/latitude; "
                             "display geometry must be WGS84 (EPSG:4326), not projected (e.g. British National "
                             "Grid metres)", file=path, field="geometry")
    valid = shapely.is_valid(np.asarray(geoms, dtype=object))
    if valid.all():
        return gdf
    fixed = list(geoms)
    for i in np.flatnonzero(~valid):
        fixed[i] = _repaired(geoms[i], str(gdf["code"].iloc[i]), path)
    out = gdf.copy()
    out["geometry"] = gpd_series(fixed, gdf)
    return out


def _repaired(geom: Any, code: str, path: Path) -> Any:
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    reason = shapely.is_valid_reason(geom)
    made = shapely.make_valid(geom)
    parts = [g for g in getattr(made, "geoms", [made]) if isinstance(g, Polygon | MultiPolygon)]
    repaired = shapely.unary_union(parts) if parts else None
    if repaired is None or repaired.is_empty or repaired.area <= 0 or repaired.geom_type not in POLYGONAL:
        raise InputError(f"unit {code} has an invalid boundary ({reason}) that cannot be repaired into a polygon",
                         file=path, field="geometry")
    return repaired


def gpd_series(geoms: list[Any], like: gpd.GeoDataFrame) -> gpd.GeoSeries:
    import geopandas as gpd

    return gpd.GeoSeries(geoms, index=like.index, crs=like.crs)

